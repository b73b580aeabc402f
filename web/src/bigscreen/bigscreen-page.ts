// 大屏: the town command room's wall display. Today's figures (reports, closed, closure
// rate, overdue, satisfaction), a live feed of what happens, a heat map of open incidents,
// the flagged grids (黄牌), gridworkers on duty, camera status and one live camera. It
// follows the push stream through the shared stores; what it draws is coalesced (figures
// at most once a second, the heat map every 2 s on a plain canvas) so the main thread stays mostly idle.
import './bigscreen.css';
import { api, get } from '../api';
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { h } from '../dom';
import { tr } from '../i18n';
import { incidents, OPEN_STATES, STATE_LABEL, type Incident } from '../incidents-store';
import { live } from '../live';
import { townFeatures } from '../geo/town-data';
import { HeatCanvas } from './heat-canvas';
import type { Page } from '../page';
import { CameraPlayer } from '../components/camera-player';

const FEED_MAX = 14;

interface FlaggedRow {
  code: string | null;
  name: string | null;
  count: number;
  cardsAllTime?: number;
  flagged?: boolean;
}

export function createBigScreenPage(ctx: AppContext): Page {
  const kpi = (key: string, label: string) =>
    h('div', { class: 'bs-kpi', 'data-kpi': key }, h('div', { class: 'v' }, '—'), h('div', { class: 'l' }, label));
  const kpis = [
    kpi('received', tr('今日上报', 'Reported today')),
    kpi('closed', tr('今日办结', 'Closed today')),
    kpi('rate', tr('办结率', 'Closure rate')),
    kpi('overdue', tr('超时未办', 'Overdue')),
    kpi('satisfaction', tr('满意度', 'Satisfaction')),
    kpi('open', tr('在办事件', 'Open')),
  ];
  const onDuty = h('b', { id: 'bs-on-duty' }, '—');
  const camOnline = h('b', { id: 'bs-cam-online' }, '—');
  const camOffline = h('b', { id: 'bs-cam-offline' }, '—');
  const feed = h('ul', { id: 'bs-feed' });
  const flagged = h('ul', { class: 'bs-list', id: 'bs-flagged' });
  const videoBox = h('div', { class: 'bs-video', id: 'bs-video' });
  const mapBox = h('div', { class: 'bs-map', id: 'bs-map' });
  const clock = h('div', { class: 'bs-clock' });
  const el = h(
    'div',
    { class: 'bigscreen' },
    h(
      'header',
      {},
      h('h1', {}, `${ctx.town.name} · ${tr('综合信息指挥中心', 'Command centre')}`),
      h(
        'button',
        { onclick: () => void document.documentElement.requestFullscreen?.().catch(() => undefined) },
        tr('全屏', 'Full screen'),
      ),
      h('button', { onclick: () => ctx.go('dispatch') }, tr('退出大屏', 'Leave')),
      clock,
    ),
    h(
      'div',
      { class: 'bs-col' },
      h('div', { class: 'bs-panel' }, h('h2', {}, tr('今日概况', 'Today')), h('div', { class: 'bs-kpis' }, ...kpis)),
      h(
        'div',
        { class: 'bs-panel' },
        h('h2', {}, tr('力量与设备', 'People and cameras')),
        h('div', { class: 'bs-row' }, tr('在岗网格员', 'Gridworkers on duty'), onDuty),
        h('div', { class: 'bs-row' }, tr('摄像机在线', 'Cameras online'), camOnline),
        h('div', { class: 'bs-row' }, tr('摄像机离线', 'Cameras offline'), camOffline),
      ),
      h(
        'div',
        { class: 'bs-panel', style: { flex: '1', overflow: 'hidden' } },
        h('h2', {}, tr('黄牌网格', 'Flagged grids')),
        flagged,
      ),
    ),
    mapBox,
    h(
      'div',
      { class: 'bs-col' },
      videoBox,
      h('div', { class: 'bs-panel bs-feed' }, h('h2', {}, tr('实时动态', 'Live feed')), feed),
    ),
  );

  // Figures, at most once a second however many events come.
  let figuresTimer: ReturnType<typeof setTimeout> | undefined;
  const figuresSoon = () => {
    if (!figuresTimer) figuresTimer = setTimeout(() => ((figuresTimer = undefined), drawFigures()), 1000);
  };
  function drawFigures(): void {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    const today = start.getTime();
    const now = Date.now();
    const all = incidents.all().filter((i) => i.state !== 'merged');
    const received = all.filter((i) => Date.parse(i.reportedAt) >= today);
    const closed = all.filter((i) => i.closedAt && Date.parse(i.closedAt) >= today);
    const open = all.filter((i) => OPEN_STATES.includes(i.state));
    const overdue = open.filter(
      (i) => Date.parse(i.finishDueAt) < now || (!i.acceptedAt && Date.parse(i.acceptDueAt) < now),
    );
    const rated = all
      .map((i) => (i as Incident & { rating?: number | null }).rating)
      .filter((r): r is number => typeof r === 'number');
    const rate = received.length
      ? closed.filter((i) => Date.parse(i.reportedAt) >= today).length / received.length
      : null;
    const set = (key: string, v: string, cls = '') => {
      const k = kpis.find((x) => x.dataset['kpi'] === key)!;
      k.firstElementChild!.textContent = v;
      k.className = `bs-kpi ${cls}`;
    };
    set('received', String(received.length));
    set('closed', String(closed.length), 'good');
    set('rate', rate === null ? '—' : `${Math.round(rate * 100)}%`);
    set('overdue', String(overdue.length), overdue.length ? 'bad' : 'good');
    set(
      'satisfaction',
      rated.length ? `${Math.round((rated.filter((r) => r >= 4).length / rated.length) * 100)}%` : '—',
    );
    set('open', String(open.length));
    heatSoon();
  }

  // The heat map of open incidents, every 2 s at most.
  const heat = new HeatCanvas();
  mapBox.append(heat.el);
  let heatTimer: ReturnType<typeof setTimeout> | undefined;
  const heatSoon = () => {
    if (!heatTimer) heatTimer = setTimeout(() => ((heatTimer = undefined), drawHeat()), 2000);
  };
  function drawHeat(): void {
    heat.setPoints(
      incidents
        .all()
        .filter((i) => OPEN_STATES.includes(i.state) && i.state !== 'unlocated')
        .map((i) => ({ lon: i.lon, lat: i.lat, weight: i.severity })),
    );
  }

  function pushFeed(text: string): void {
    const t = new Date().toLocaleTimeString('zh-CN', { hour12: false });
    feed.prepend(h('li', {}, h('span', { class: 't' }, t), text));
    while (feed.children.length > FEED_MAX) feed.lastElementChild!.remove();
  }

  async function drawSlow(): Promise<void> {
    const [duty, league] = await Promise.all([
      api.get('/api/towns/{code}/on-duty', { path: { code: ctx.town.code } }).catch(() => null),
      get<{ rows: FlaggedRow[] }>(`/api/stats/yellow-cards?town=${ctx.town.code}&groupBy=grid`).catch(() => null),
    ]);
    if (duty) onDuty.textContent = String(duty.people.length);
    if (league)
      flagged.replaceChildren(
        ...league.rows
          .filter((r) => r.flagged)
          .slice(0, 10)
          .map((r) =>
            h(
              'li',
              {},
              h('span', {}, `${r.name ?? ''} ${r.code ?? ''}`),
              h('b', {}, `🟨×${r.cardsAllTime ?? r.count}`),
            ),
          ),
      );
    if (league && !flagged.children.length) flagged.replaceChildren(h('li', {}, tr('无', 'None')));
  }

  function drawCameras(): void {
    const list = cameras.all();
    camOnline.textContent = String(list.filter((c) => c.status === 'online').length);
    camOffline.textContent = String(list.filter((c) => c.status !== 'online').length);
    if (!player) {
      const first = list.find((c) => c.status === 'online');
      if (first) startVideo(first.id, first.name);
    }
  }
  let player: CameraPlayer | null = null;
  function startVideo(cameraId: number, name: string): void {
    player = new CameraPlayer(cameraId, 'sub', () => undefined);
    videoBox.replaceChildren(player.video, h('div', { class: 'cap' }, `● ${name}`));
    player.start();
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    incidents.subscribe((_list, changed) => {
      figuresSoon();
      if (changed?.isNew)
        pushFeed(`${tr('新事件', 'New')} ${changed.incident.subcategoryName} · ${changed.incident.gridCode ?? ''}`);
      else if (changed)
        pushFeed(
          `${changed.incident.subcategoryName} #${changed.incident.id} → ${STATE_LABEL[changed.incident.state] ?? changed.incident.state}`,
        );
    });
    live.on('handoffs', (data) => {
      const d = data as { action?: string; incidentId?: number; card?: { orgName: string } };
      if (d.action === 'yellow_card' && d.card) pushFeed(`🟨 ${d.card.orgName} ${tr('黄牌', 'yellow card')}`);
      else if (d.incidentId) pushFeed(`${tr('交办', 'Handoff')} #${d.incidentId} · ${d.action ?? ''}`);
    });
    void incidents
      .load(ctx.town.code)
      .then(drawFigures)
      .catch(() => undefined);
    cameras.subscribe(drawCameras);
    void cameras
      .load()
      .then(drawCameras)
      .catch(() => undefined);
    void drawSlow();
    setInterval(() => void drawSlow(), 30_000);
    setInterval(() => (clock.textContent = new Date().toLocaleString('zh-CN', { hour12: false })), 1000);
    void townFeatures(ctx.town.code).then((f) => {
      heat.setTown(f);
      drawHeat();
    });
    window.addEventListener('resize', () => heat.draw());
  }

  return {
    el,
    show: () => {
      document.body.classList.add('bigscreen-mode');
      start();
      heat.draw();
    },
    hide: () => document.body.classList.remove('bigscreen-mode'),
  };
}
