// The app shell: top bar with the role's pages, town, live-stream state, clock and
// account; pages are built on first visit (their code loaded then) and kept alive.
import { api, post, setToken } from '../api';
import { cameras } from '../cameras-store';
import { hasRole, type AppContext } from '../context';
import { h, toast } from '../dom';
import { lang, setLang, tr } from '../i18n';
import { live, type LiveState } from '../live';
import type { Account, Role } from '../api/types';
import type { Page, PageFactory } from '../page';
import { alertsBadge } from './alerts';
import { inboxBell } from './inbox-bell';
import { inbox } from '../inbox-store';
import { watchIncidents } from './incident-alerts';
import { showPasswordChange } from '../password';
import { incidents } from '../incidents-store';
import { exposeForTests } from '../test-hooks';

interface NavItem {
  id: string;
  label: string;
  roles: Role[] | 'all';
  /** Only for accounts covering several towns (a county's). */
  severalTowns?: boolean;
  /** Reached from elsewhere in the top bar (the bell), not a link of its own in the nav. */
  offNav?: boolean;
  load: () => Promise<PageFactory>;
  /** Code the page loads only once made (its map), fetched ahead by `preloadPageCode`. */
  preload?: () => Promise<unknown>;
}

const NAV: NavItem[] = [
  {
    id: 'map',
    label: tr('地图', 'Map'),
    roles: 'all',
    load: async () => (await import('../map/map-page')).createMapPage,
  },
  {
    id: 'video',
    label: tr('视频墙', 'Video wall'),
    roles: ['operator', 'dispatcher'],
    load: async () => (await import('../video/wall-page')).createWallPage,
  },
  {
    id: 'playback',
    label: tr('回放', 'Playback'),
    roles: ['operator', 'dispatcher'],
    load: async () => (await import('../playback/playback-page')).createPlaybackPage,
  },
  {
    id: 'dispatch',
    label: tr('调度', 'Dispatch'),
    roles: ['dispatcher', 'operator'],
    load: async () => (await import('../dispatch/dispatch-page')).createDispatchPage,
  },
  {
    id: 'install',
    label: tr('安装', 'Installation'),
    roles: ['installer'],
    load: async () => (await import('../install/install-page')).createInstallPage,
  },
  {
    id: 'plan',
    label: tr('网格规划', 'Grid planning'),
    roles: ['planner'],
    load: async () => (await import('../plan/plan-page')).createPlanPage,
  },
  // orgs: the cases handed to departments, and the organisations with their league
  {
    id: 'handoffs',
    label: tr('交办', 'Handoffs'),
    roles: ['department', 'dispatcher', 'operator'],
    load: async () => (await import('../orgs/queue-page')).createQueuePage,
  },
  {
    id: 'county', // orgs: the county's towns side by side, on one map
    label: tr('县域', 'County'),
    roles: ['dispatcher', 'operator'],
    severalTowns: true,
    load: async () => (await import('../county/county-page')).createCountyPage,
    preload: () => import('../county/county-map'),
  },
  {
    id: 'orgs',
    label: tr('组织', 'Organisations'),
    roles: ['dispatcher', 'operator', 'planner', 'department'],
    load: async () => (await import('../orgs/orgs-page')).createOrgsPage,
  },
  {
    id: 'bigscreen', // orgs: the wall display
    label: tr('大屏', 'Big screen'),
    roles: ['dispatcher', 'operator'],
    load: async () => (await import('../bigscreen/bigscreen-page')).createBigScreenPage,
  },
  {
    id: 'reports', // orgs: the monthly report, printable as PDF
    label: tr('月报', 'Reports'),
    roles: ['dispatcher', 'operator', 'planner', 'department'],
    load: async () => (await import('../reports/report-page')).createReportPage,
  },
  {
    id: 'phones',
    label: tr('手机', 'Phones'),
    roles: ['installer', 'operator', 'dispatcher'],
    load: async () => (await import('../phones/phones-page')).createPhonesPage,
  },
  {
    id: 'stats',
    label: tr('统计', 'Statistics'),
    roles: ['dispatcher', 'operator', 'planner'],
    load: async () => (await import('../stats/stats-page')).createStatsPage,
  },
  {
    id: 'inbox', // the account's messages, opened from the bell
    label: tr('消息', 'Messages'),
    roles: 'all',
    offNav: true,
    load: async () => (await import('../inbox/inbox-page')).createInboxPage,
  },
];

/**
 * Fetches and compiles the code of the page in `hash` (the first page, the map, when
 * none) while the login form waits for the password or the session is checked, so a
 * wall opening `#/county` does not download MapLibre only after logging in. Roles are
 * not known yet: the code is public, and a page the account may not see is not built.
 */
export function preloadPageCode(hash: string): void {
  const id = hash.replace(/^#\/?/, '').split('?')[0] || NAV[0]!.id;
  const item = NAV.find((n) => n.id === id);
  if (!item) return;
  const fetchCode = () => void Promise.all([item.load(), item.preload?.()]).catch(() => undefined);
  if ('requestIdleCallback' in window) requestIdleCallback(fetchCode, { timeout: 300 });
  else setTimeout(fetchCode, 0);
}

const LIVE_LABEL: Record<LiveState, string> = {
  connecting: tr('连接中', 'connecting'),
  open: tr('实时', 'live'),
  reconnecting: tr('重连中', 'reconnecting'),
  closed: tr('离线', 'offline'),
};

export async function startShell(root: HTMLElement, me: Account): Promise<void> {
  const towns = (await api.get('/api/areas', { query: { level: 'town' } })).filter(
    (t) => me.allTowns || me.townIds.includes(t.id),
  );
  if (towns.length === 0) {
    root.replaceChildren(
      h(
        'div',
        { class: 'login-page' },
        h('div', { class: 'login-card' }, tr('此账号没有可查看的乡镇。', 'This account has no town to show.')),
      ),
    );
    return;
  }
  const savedTown = localStorage.getItem('wg.town');
  const town = towns.find((t) => t.code === savedTown) ?? towns[0]!;
  const nav = NAV.filter((n) => (n.roles === 'all' || hasRole(me, n.roles)) && (!n.severalTowns || towns.length > 1));
  const pagesBox = h('main', { class: 'pages' });
  const built = new Map<string, Promise<Page>>();
  let current: string | null = null;

  const canSee = (id: string) => nav.some((n) => n.id === id);
  const ctx: AppContext = {
    me,
    towns,
    town,
    has: (...roles) => hasRole(me, roles),
    go: (id) => {
      if (canSee(id)) location.hash = `#/${id}`;
    },
    openCamera: (cameraId) => {
      // Roles without the wall (planners, installers, gridworkers) get a word, not a crash.
      const wall = page('video');
      if (!wall) return toast(tr('此账号没有视频墙', 'This account has no video wall'), 'error');
      ctx.go('video');
      void wall.then((p) => (p as Page & { put?(id: number): void }).put?.(cameraId));
    },
    lookHere: async (lon, lat) => {
      const seen = await api.get('/api/cameras/visible', { query: { lon, lat } });
      const best = seen.find((s) => s.camera.ptz && s.camera.status !== 'offline') ?? seen[0];
      if (!best) return toast(tr('附近没有能看到这里的摄像机', 'No camera can see this point'), 'error');
      const aim = best.camera.ptz && best.camera.status !== 'offline' && ctx.has('operator', 'dispatcher');
      if (aim)
        await api.post('/api/cameras/{id}/ptz', { path: { id: best.camera.id }, body: { type: 'look_at', lon, lat } });
      const what = aim ? tr('已转向', 'Aimed') : tr('可看到此处', 'Can see this point');
      toast(`${what} ${best.camera.name} · ${Math.round(best.distanceM)} m`, 'ok');
      if (canSee('video')) ctx.openCamera(best.camera.id);
    },
    openPlayback: (cameraIds, at) => {
      const playback = page('playback');
      if (!playback) return toast(tr('此账号没有回放页', 'This account has no playback page'), 'error');
      ctx.go('playback');
      void playback.then((p) =>
        (p as Page & { openGroup?(ids: number[], at: number): void }).openGroup?.(cameraIds, at),
      );
    },
    openIncident: (incidentId) => {
      if (!canSee('dispatch')) return toast(tr('此账号没有调度页', 'This account has no dispatch page'), 'error');
      const hash = `#/dispatch?incident=${incidentId}`;
      // The same hash again fires no hashchange: route by hand.
      if (location.hash === hash) void route(true);
      else location.hash = hash;
    },
    // A case handed to the account's organisation is worked on in the 交办 queue; the command room also has the card.
    incidentHref: (incidentId) =>
      canSee('handoffs')
        ? `#/handoffs?incident=${incidentId}`
        : canSee('dispatch')
          ? `#/dispatch?incident=${incidentId}`
          : null,
    showOnMap: (lon, lat, zoom) => {
      ctx.go('map');
      void page('map')?.then((p) =>
        (p as Page & { flyTo?(lon: number, lat: number, zoom?: number): void }).flyTo?.(lon, lat, zoom),
      );
    },
  };

  /** The page, built on first call; null for a page this account's roles do not have. */
  function page(id: string): Promise<Page> | null {
    let p = built.get(id);
    if (!p) {
      const item = nav.find((n) => n.id === id);
      if (!item) return null;
      p = item.load().then(async (factory) => {
        const made = await factory(ctx);
        made.el.classList.add('page');
        made.el.dataset['page'] = id;
        pagesBox.appendChild(made.el);
        return made;
      });
      built.set(id, p);
    }
    return p;
  }

  const links = nav.filter((n) => !n.offNav).map((n) => h('a', { href: `#/${n.id}`, 'data-nav': n.id }, n.label));
  const liveBadge = h('span', { class: 'live-badge', id: 'live-state' });
  const clock = h('span', { class: 'clock' });
  setInterval(() => (clock.textContent = new Date().toLocaleTimeString('zh-CN', { hour12: false })), 1000);
  const townSelect = h(
    'select',
    {
      id: 'town-select',
      onchange: (e: Event) => {
        localStorage.setItem('wg.town', (e.target as HTMLSelectElement).value);
        location.reload();
      },
    },
    ...towns.map((t) => h('option', { value: t.code, selected: t.code === town.code }, t.name)),
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, '网格天眼'),
    h('nav', {}, ...links),
    h('div', { class: 'spacer' }),
    townSelect,
    hasRole(me, ['operator', 'dispatcher']) ? alertsBadge((id) => ctx.openCamera(id)) : null,
    inboxBell(),
    liveBadge,
    clock,
    h('span', { class: 'who', id: 'who', title: me.roles.join(', ') }, me.displayName),
    h('button', { class: 'link', onclick: () => setLang(lang === 'zh' ? 'en' : 'zh') }, lang === 'zh' ? 'EN' : '中'),
    h(
      'button',
      {
        class: 'link',
        id: 'change-password',
        onclick: () => {
          live.stop();
          showPasswordChange(root, { forced: false, onCancel: () => location.reload() }, () => location.reload());
        },
      },
      tr('修改密码', 'Password'),
    ),
    h(
      'button',
      {
        class: 'link',
        id: 'logout',
        onclick: async () => {
          await post('/api/auth/logout').catch(() => undefined);
          live.stop();
          setToken(null);
          location.hash = '';
          location.reload();
        },
      },
      tr('退出', 'Log out'),
    ),
  );
  root.replaceChildren(h('div', { class: 'shell' }, header, pagesBox));

  live.onState((state) => {
    liveBadge.textContent = LIVE_LABEL[state];
    liveBadge.dataset['state'] = state;
  });
  cameras.setTown(town.id);
  cameras.listenLive();
  incidents.setTown(town.id);
  // Only the town on screen: an account of several towns hears no other town's events.
  live.setTown(town.code);
  live.start();
  if (hasRole(me, ['operator', 'dispatcher'])) watchIncidents(ctx);
  // orgs: messages to this account (a reminder before a handoff's deadline, 督办) pop up on any page,
  // and the bell counts them until they are read.
  inbox.follow(me.id);
  live.on('notifications', (e) => {
    const n = e as { accountId?: number; body?: string };
    if (n.accountId === me.id && n.body) toast(`🔔 ${n.body}`, 'info');
  });
  exposeForTests({ openIncident: ctx.openIncident });

  /** Shows the page in the hash; `#/dispatch?incident=12` (or `#/handoffs?…`) also opens that incident. */
  async function route(again = false): Promise<void> {
    const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
    const id = canSee(path) ? path : nav[0]!.id;
    const incident = Number(new URLSearchParams(query).get('incident'));
    if (id !== current) {
      const previous = current;
      current = id;
      for (const a of links) a.classList.toggle('active', a.dataset['nav'] === id);
      if (previous) {
        // A page that failed to build (and was forgotten) has nothing to hide.
        const old = await built.get(previous)?.catch(() => null);
        if (old) old.el.hidden = true;
        old?.hide?.();
      }
      let next: Page;
      try {
        next = await page(id)!;
      } catch (err) {
        // Built again at the next visit (its data may have been briefly unavailable).
        built.delete(id);
        if (current === id) toast((err as Error).message, 'error');
        return;
      }
      if (current !== id) return;
      next.el.hidden = false;
      next.show?.();
    } else if (!again && !incident) return;
    if (incident > 0) ((await page(id)!) as Page & { openIncident?(n: number): void }).openIncident?.(incident);
  }
  window.addEventListener('hashchange', () => void route());
  await route();
}
