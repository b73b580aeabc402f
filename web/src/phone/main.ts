// 平安通: the gridworker's phone app. Chinese first, installable (manifest + service
// worker), offline first (every write goes through the IndexedDB outbox). Log in with the
// account once, or open the QR code's link (the device token in the URL fragment, which
// never reaches a server log); then offers ring, tasks are carried through the closed
// loop, reports, patrols and visits are made with or without signal.
import './phone.css';
import { h, toast, STATE_NAMES } from './dom';
import { call, deviceToken, setDeviceToken, APP_VERSION, HttpError } from './net';
import { enqueue, flush, items, drop, newKey, onQueueChange, startQueue } from './queue';
import { lastFix, onFix, setTracking, startTracker, send as sendFixes } from './tracker';
import { startAlarm, stopAlarm, alarmRings } from './alarm';
import { lightMap, navigationLinks, distanceM } from './lightmap';

interface Incident {
  id: number;
  subcategoryName: string;
  description: string;
  address: string | null;
  gridName: string | null;
  lon: number;
  lat: number;
  state: string;
  rating: number | null;
  expiresAt?: string;
}
interface Me {
  id: number;
  name: string;
  dutyStatus: string;
  gridCodes: string[];
  devices: { id: number; identifier: string; name: string }[];
}
interface Subcategory {
  code: string;
  name: string;
  categoryCode: string;
}
interface Category {
  code: string;
  name: string;
  subcategories: Subcategory[];
}
interface Offer {
  offerId: number;
  expiresAt: string;
  incident: Incident;
}

const root = document.getElementById('app')!;
let me: Me | null = JSON.parse(localStorage.getItem('wg.phone.me') ?? 'null') as Me | null;
let current = 'tasks';
let offer: Offer | null = null;
const main = h('main', { class: 'content' });

/** Replaces an element's children, leaving out what is absent. */
function fill(el: Element, ...children: (Node | string | null | false)[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== false));
}

// ---- log in ---------------------------------------------------------------------------

function tokenFromLink(): void {
  const m = /(?:^#|&)token=(dev_[\w-]+)/.exec(location.hash);
  if (!m) return;
  setDeviceToken(m[1]!);
  history.replaceState(null, '', location.pathname);
}

function loginView(message = ''): void {
  const user = h('input', { id: 'login-username', autocomplete: 'username', placeholder: '账号' });
  const pass = h('input', {
    id: 'login-password',
    type: 'password',
    autocomplete: 'current-password',
    placeholder: '密码',
  });
  const error = h('p', { class: 'error' }, message);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const session = await call<{ token: string }>(
        'POST',
        '/api/auth/login',
        { username: user.value, password: pass.value },
        null,
      );
      const enrolled = await call<{ token: string }>(
        'POST',
        '/api/phone/enrol',
        { name: navigator.userAgent.slice(0, 90) },
        session.token,
      );
      // The session was only for this: the phone keeps its device token.
      await call('POST', '/api/auth/logout', {}, session.token).catch(() => undefined);
      setDeviceToken(enrolled.token);
      await start();
    } catch (err) {
      error.textContent = err instanceof HttpError ? err.message : '无法连接服务器，请检查网络';
    }
  };
  root.replaceChildren(
    h(
      'div',
      { class: 'login' },
      h('h1', {}, '平安通'),
      h('p', {}, '网格员登录'),
      h('form', { onsubmit: submit }, user, pass, h('button', { id: 'login-submit', type: 'submit' }, '登录'), error),
      h('p', { class: 'hint' }, '或用手机相机扫描指挥室“手机管理”页上的二维码，一次即可。'),
    ),
  );
}

// ---- the shell -------------------------------------------------------------------------

const badge = h('span', { class: 'badge', id: 'queue-badge' });
const net = h('span', { class: 'net', id: 'net-state' });
const dutyButton = h('button', { class: 'duty', id: 'duty' });
const nameEl = h('strong', { id: 'me-name' }, me?.name ?? '网格员');

async function refreshBadge(): Promise<void> {
  const q = await items();
  const failed = q.filter((i) => i.failed).length;
  badge.textContent = q.length ? `待发送 ${q.length}${failed ? `（失败 ${failed}）` : ''}` : '';
  net.textContent = navigator.onLine ? '在线' : '离线';
  net.className = navigator.onLine ? 'net on' : 'net off';
}

function renderDuty(): void {
  const on = me?.dutyStatus !== 'off_duty';
  dutyButton.textContent = on ? '在岗 ✓' : '已下班';
  dutyButton.className = on ? 'duty on' : 'duty off';
  setTracking(on);
}

async function toggleDuty(): Promise<void> {
  const next = me?.dutyStatus === 'off_duty' ? 'on_duty' : 'off_duty';
  try {
    const r = await call<{ dutyStatus: string }>('PUT', '/api/phone/duty', { status: next });
    me = { ...me!, dutyStatus: r.dutyStatus };
    localStorage.setItem('wg.phone.me', JSON.stringify(me));
    renderDuty();
    toast(next === 'on_duty' ? '已上班，开始上报位置' : '已下班');
  } catch {
    toast('需要网络才能切换上下班');
  }
}

const TABS: [string, string][] = [
  ['tasks', '任务'],
  ['report', '上报'],
  ['patrol', '巡查'],
  ['visits', '走访'],
  ['more', '更多'],
];

function shell(): void {
  dutyButton.onclick = () => void toggleDuty();
  const nav = h(
    'nav',
    { class: 'tabs' },
    ...TABS.map(([id, label]) => h('button', { 'data-tab': id, onclick: () => go(id) }, label)),
  );
  root.replaceChildren(h('header', { class: 'top' }, nameEl, net, badge, dutyButton), main, nav);
  renderDuty();
  void refreshBadge();
}

function go(tab: string): void {
  current = tab;
  for (const b of root.querySelectorAll<HTMLButtonElement>('nav.tabs button'))
    b.classList.toggle('active', b.dataset['tab'] === tab);
  const views: Record<string, () => void | Promise<void>> = {
    tasks: tasksView,
    report: reportView,
    patrol: patrolView,
    visits: visitsView,
    more: moreView,
    queue: queueView,
    traccar: traccarView,
  };
  void views[tab]?.();
}

// ---- offers ----------------------------------------------------------------------------

function listen(): void {
  const token = deviceToken();
  if (!token) return;
  const es = new EventSource(`/api/phone/live?access_token=${encodeURIComponent(token)}`);
  es.addEventListener('offers', (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as Offer & { outcome?: string };
    if (data.outcome) {
      if (offer?.offerId === data.offerId) closeOffer(data.outcome === 'expired' ? '任务已超时' : '任务已撤回');
    } else showOffer(data);
  });
  es.addEventListener('revoked', () => {
    es.close();
    setDeviceToken(null);
    loginView('此手机的令牌已失效，请重新登录');
  });
}

function showOffer(o: Offer): void {
  offer = o;
  document.getElementById('offer')?.remove();
  const inc = o.incident;
  const left = h('span', { class: 'countdown' });
  const tick = () => {
    const s = Math.max(0, Math.round((Date.parse(o.expiresAt) - Date.now()) / 1000));
    left.textContent = `${s} 秒内答复`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  const answer = async (accept: boolean) => {
    clearInterval(timer);
    const key = newKey(accept ? 'accept' : 'decline');
    closeOffer(accept ? '已接单' : '已拒绝');
    await enqueue({
      key,
      label: `${accept ? '接单' : '拒绝'}：${inc.subcategoryName}`,
      method: 'POST',
      path: `/api/phone/offers/${o.offerId}/${accept ? 'accept' : 'decline'}`,
      body: {},
    });
    await flush();
    if (current === 'tasks') void tasksView();
  };
  const fix = lastFix();
  document.body.append(
    h(
      'div',
      { class: 'offer', id: 'offer', role: 'alertdialog' },
      h('h2', {}, '新任务'),
      h('p', { class: 'title' }, inc.subcategoryName),
      h('p', {}, inc.description),
      h('p', {}, inc.address ?? inc.gridName ?? ''),
      fix ? h('p', {}, `距您约 ${Math.round(distanceM(fix, inc))} 米`) : null,
      left,
      h(
        'div',
        { class: 'row' },
        h('button', { class: 'primary', id: 'offer-accept', onclick: () => void answer(true) }, '接单'),
        h('button', { id: 'offer-decline', onclick: () => void answer(false) }, '拒绝'),
      ),
    ),
  );
  startAlarm();
}

function closeOffer(message: string): void {
  stopAlarm();
  offer = null;
  document.getElementById('offer')?.remove();
  toast(message);
}

// ---- tasks -----------------------------------------------------------------------------

async function tasksView(): Promise<void> {
  fill(main, h('p', { class: 'muted' }, '加载中…'));
  try {
    const r = await call<{ offers: { id: number; expiresAt: string; incident: Incident }[]; tasks: Incident[] }>(
      'GET',
      '/api/phone/tasks',
    );
    localStorage.setItem('wg.phone.tasks', JSON.stringify(r));
    drawTasks(r.tasks);
    const pending = r.offers[0];
    if (pending && !offer) showOffer({ offerId: pending.id, expiresAt: pending.expiresAt, incident: pending.incident });
  } catch {
    const cached = JSON.parse(localStorage.getItem('wg.phone.tasks') ?? '{"tasks":[]}') as { tasks: Incident[] };
    drawTasks(cached.tasks, true);
  }
}

function drawTasks(tasks: Incident[], stale = false): void {
  fill(
    main,
    h('h2', {}, '我的任务'),
    stale ? h('p', { class: 'muted' }, '离线：显示上次的任务') : null,
    tasks.length === 0 ? h('p', { class: 'muted' }, '暂无任务。') : null,
    ...tasks.map((t) =>
      h(
        'button',
        { class: 'card task', 'data-id': t.id, onclick: () => taskView(t) },
        h('strong', {}, `${t.subcategoryName}`),
        h('span', { class: `state ${t.state}` }, STATE_NAMES[t.state] ?? t.state),
        h('small', {}, t.address ?? t.gridName ?? ''),
      ),
    ),
  );
}

function fileInput(id: string): HTMLInputElement {
  return h('input', {
    id,
    type: 'file',
    accept: 'image/*,video/*',
    capture: 'environment',
    multiple: true,
  }) as HTMLInputElement;
}

async function queueMedia(files: FileList | null, path: string, label: string): Promise<string[]> {
  const keys: string[] = [];
  for (const file of Array.from(files ?? [])) {
    const key = newKey('media');
    keys.push(key);
    await enqueue({
      key,
      label: `${label}：${file.type.startsWith('video') ? '视频' : '照片'}`,
      method: 'POST',
      path,
      blob: file,
    });
  }
  return keys;
}

function taskView(t: Incident): void {
  const note = h('textarea', { id: 'task-note', placeholder: '处置情况 / 备注' });
  const files = fileInput('task-media');
  let rating = 0;
  const stars = h(
    'div',
    { class: 'stars', id: 'rating' },
    ...[1, 2, 3, 4, 5].map((n) =>
      h(
        'button',
        {
          'data-n': n,
          type: 'button',
          onclick: (e: Event) => {
            rating = n;
            for (const b of stars.querySelectorAll('button'))
              b.classList.toggle('on', Number((b as HTMLElement).dataset['n']) <= n);
            e.preventDefault();
          },
        },
        '★',
      ),
    ),
  );
  const act = async (action: string, label: string) => {
    if (action === 'verify' && rating === 0) return toast('请先选择群众满意度评分');
    const fix = lastFix();
    await queueMedia(files.files, `/api/phone/incidents/${t.id}/media`, label);
    await enqueue({
      key: newKey(action),
      label: `${label}：${t.subcategoryName}`,
      method: 'POST',
      path: `/api/phone/incidents/${t.id}/actions`,
      body: {
        action,
        ...(note.value.trim() ? { note: note.value.trim() } : {}),
        ...(action === 'verify' ? { rating } : {}),
        ...(fix ? { lon: fix.lon, lat: fix.lat } : {}),
      },
    });
    toast(navigator.onLine ? `${label}已提交` : `${label}已保存，有信号时自动发送`);
    await flush();
    void tasksView();
  };
  const buttons: HTMLElement[] = [];
  if (['accepted', 'returned'].includes(t.state))
    buttons.push(
      h('button', { class: 'primary', id: 'act-start', onclick: () => void act('start', '到场核查') }, '到场核查'),
    );
  if (['accepted', 'in_progress'].includes(t.state))
    buttons.push(
      h('button', { class: 'primary', id: 'act-handle', onclick: () => void act('handle', '处置反馈') }, '处置反馈'),
    );
  if (t.state === 'handled')
    buttons.push(
      h('button', { class: 'primary', id: 'act-verify', onclick: () => void act('verify', '回访评价') }, '提交回访'),
    );
  if (['accepted', 'in_progress', 'returned'].includes(t.state))
    buttons.push(
      h('button', { id: 'act-escalate', onclick: () => void act('escalate', '上报上级') }, '无法处置，上报上级'),
    );
  const mapBox = h('div', { class: 'map' }, lightMap(t, lastFix()));
  onFix((f) => mapBox.isConnected && mapBox.replaceChildren(lightMap(t, f)));
  fill(
    main,
    h('button', { class: 'back', onclick: () => go('tasks') }, '‹ 返回'),
    h(
      'h2',
      {},
      t.subcategoryName,
      ' ',
      h('span', { class: `state ${t.state}`, id: 'task-state' }, STATE_NAMES[t.state] ?? t.state),
    ),
    h('p', {}, t.description),
    h('p', { class: 'muted' }, t.address ?? t.gridName ?? ''),
    mapBox,
    h(
      'div',
      { class: 'row nav' },
      ...navigationLinks(t, t.address ?? t.subcategoryName).map((l) =>
        h('a', { href: l.href, class: 'navlink' }, l.label),
      ),
    ),
    h('label', {}, '照片或短视频', files),
    note,
    t.state === 'handled' ? h('div', {}, h('p', {}, '回访群众，请其评价：'), stars) : null,
    h('div', { class: 'actions' }, ...buttons),
  );
}

// ---- 一键上报 ----------------------------------------------------------------------------

async function categories(): Promise<Category[]> {
  try {
    const r = await call<{ categories: Category[] }>('GET', '/api/phone/incident-types');
    localStorage.setItem('wg.phone.types', JSON.stringify(r.categories));
    return r.categories;
  } catch {
    return JSON.parse(localStorage.getItem('wg.phone.types') ?? '[]') as Category[];
  }
}

async function reportView(): Promise<void> {
  const cats = await categories();
  let chosen: Subcategory | null = null;
  const search = h('input', { id: 'category-search', type: 'search', placeholder: '搜索类别，如“垃圾”“占道”' });
  const list = h('div', { class: 'choices', id: 'category-list' });
  const picked = h('p', { class: 'picked', id: 'category-picked' }, '未选择类别');
  const draw = () => {
    const q = search.value.trim();
    const subs = cats.flatMap((c) => c.subcategories.map((s) => ({ ...s, cat: c.name })));
    const hits = subs.filter((s) => !q || s.name.includes(q) || s.cat.includes(q) || s.code.includes(q)).slice(0, 30);
    list.replaceChildren(
      ...hits.map((s) =>
        h(
          'button',
          {
            type: 'button',
            'data-code': s.code,
            onclick: () => {
              chosen = s;
              picked.textContent = `${s.cat} · ${s.name}`;
            },
          },
          `${s.cat} · ${s.name}`,
        ),
      ),
    );
  };
  search.addEventListener('input', draw);
  draw();
  const description = h('textarea', { id: 'report-description', placeholder: '描述发现的情况' });
  const files = fileInput('report-media');
  const settled = h('input', { id: 'report-settled', type: 'checkbox' }) as HTMLInputElement;
  const where = h('p', { class: 'muted', id: 'report-where' });
  const showWhere = () => {
    const f = lastFix();
    where.textContent = f
      ? `位置：${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}（±${Math.round(f.accuracy)} 米）`
      : '正在定位…';
  };
  showWhere();
  onFix(() => where.isConnected && showWhere());
  const submit = async () => {
    const fix = lastFix();
    if (!chosen) return toast('请选择类别');
    if (!description.value.trim()) return toast('请描述情况');
    if (!fix) return toast('还没有定位，请稍候');
    const key = newKey('report');
    await enqueue({
      key,
      label: `上报：${chosen.name}`,
      method: 'POST',
      path: '/api/phone/incidents',
      body: {
        subcategory: chosen.code,
        description: description.value.trim(),
        lon: fix.lon,
        lat: fix.lat,
        settledOnSpot: settled.checked,
      },
    });
    await queueMedia(files.files, `/api/phone/incidents/{@${key}.incident.id}/media`, `上报：${chosen.name}`);
    toast(navigator.onLine ? '已上报' : '已保存，有信号时自动上报');
    description.value = '';
    files.value = '';
    void flush();
  };
  fill(
    main,
    h('h2', {}, '一键上报'),
    search,
    list,
    picked,
    description,
    h('label', {}, '照片或短视频', files),
    h('label', { class: 'check' }, settled, '已当场解决（就地化解）'),
    where,
    h('button', { class: 'primary', id: 'report-submit', onclick: () => void submit() }, '上报'),
  );
}

// ---- 巡查 and 走访 -----------------------------------------------------------------------

const here = () => {
  const f = lastFix();
  return f ? { lon: f.lon, lat: f.lat } : {};
};

async function uploads(files: FileList | null, label: string): Promise<string[]> {
  const keys = await queueMedia(files, '/api/phone/uploads', label);
  return keys.map((k) => `{@${k}.name}`);
}

async function recentFieldwork(box: HTMLElement): Promise<void> {
  try {
    const r = await call<{
      patrols: { clientKey: string; startedAt: string; endedAt: string | null; notes: unknown[] }[];
      visits: { household: string; visitedAt: string; note: string }[];
    }>('GET', '/api/phone/fieldwork');
    box.replaceChildren(
      h('h3', {}, '最近记录'),
      ...r.patrols.map((p) =>
        h(
          'p',
          { class: 'card' },
          `巡查 ${new Date(p.startedAt).toLocaleString('zh-CN')}${p.endedAt ? ` — ${new Date(p.endedAt).toLocaleTimeString('zh-CN')}` : '（进行中）'} · 记录 ${p.notes.length} 条`,
        ),
      ),
      ...r.visits.map((v) =>
        h('p', { class: 'card' }, `走访 ${v.household} · ${new Date(v.visitedAt).toLocaleString('zh-CN')}：${v.note}`),
      ),
    );
  } catch {
    box.replaceChildren(h('p', { class: 'muted' }, '离线：记录会在有信号时发送'));
  }
}

function patrolView(): void {
  const active = localStorage.getItem('wg.phone.patrol');
  const note = h('textarea', { id: 'patrol-note', placeholder: '巡查发现' });
  const files = fileInput('patrol-media');
  const recent = h('div', {});
  const startStop = async () => {
    if (active) {
      await enqueue({
        key: newKey('stop'),
        label: '结束巡查',
        method: 'POST',
        path: `/api/phone/patrols/${active}/stop`,
        body: { endedAt: new Date().toISOString() },
      });
      localStorage.removeItem('wg.phone.patrol');
    } else {
      const key = newKey('patrol');
      await enqueue({
        key,
        label: '开始巡查',
        method: 'POST',
        path: '/api/phone/patrols',
        body: { clientKey: key, startedAt: new Date().toISOString(), ...here() },
      });
      localStorage.setItem('wg.phone.patrol', key);
    }
    patrolView();
  };
  const addNote = async () => {
    if (!active || !note.value.trim()) return toast('请先开始巡查并填写记录');
    const media = await uploads(files.files, '巡查照片');
    const key = newKey('note');
    await enqueue({
      key,
      label: '巡查记录',
      method: 'POST',
      path: `/api/phone/patrols/${active}/notes`,
      body: { clientKey: key, at: new Date().toISOString(), note: note.value.trim(), media, ...here() },
    });
    note.value = '';
    files.value = '';
    toast('记录已保存');
  };
  fill(
    main,
    h('h2', {}, '巡查日志'),
    h(
      'button',
      { class: active ? '' : 'primary', id: 'patrol-toggle', onclick: () => void startStop() },
      active ? '结束巡查' : '开始巡查',
    ),
    active
      ? h(
          'div',
          {},
          note,
          h('label', {}, '照片', files),
          h('button', { class: 'primary', id: 'patrol-add', onclick: () => void addNote() }, '添加记录'),
        )
      : null,
    recent,
  );
  void recentFieldwork(recent);
}

function visitsView(): void {
  const household = h('input', { id: 'visit-household', placeholder: '户主姓名或门牌号' });
  const address = h('input', { id: 'visit-address', placeholder: '地址（可选）' });
  const note = h('textarea', { id: 'visit-note', placeholder: '走访情况' });
  const files = fileInput('visit-media');
  const recent = h('div', {});
  const save = async () => {
    if (!household.value.trim() || !note.value.trim()) return toast('请填写户主和走访情况');
    const media = await uploads(files.files, '走访照片');
    const key = newKey('visit');
    await enqueue({
      key,
      label: `走访：${household.value.trim()}`,
      method: 'POST',
      path: '/api/phone/visits',
      body: {
        clientKey: key,
        at: new Date().toISOString(),
        household: household.value.trim(),
        ...(address.value.trim() ? { address: address.value.trim() } : {}),
        note: note.value.trim(),
        media,
        ...here(),
      },
    });
    household.value = address.value = note.value = '';
    files.value = '';
    toast('走访已记录');
    void recentFieldwork(recent);
  };
  fill(
    main,
    h('h2', {}, '入户走访'),
    household,
    address,
    note,
    h('label', {}, '照片', files),
    h('button', { class: 'primary', id: 'visit-save', onclick: () => void save() }, '保存走访'),
    recent,
  );
  void recentFieldwork(recent);
}

// ---- more: queue, messages, Traccar, log out ---------------------------------------------

async function queueView(): Promise<void> {
  const q = await items();
  fill(
    main,
    h('button', { class: 'back', onclick: () => go('more') }, '‹ 返回'),
    h('h2', {}, '待发送队列'),
    h('p', { class: 'muted' }, navigator.onLine ? '在线：正在发送' : '离线：有信号时自动发送，不会重复也不会丢失'),
    q.length === 0 ? h('p', { id: 'queue-empty' }, '全部已发送。') : null,
    h(
      'ul',
      { class: 'queue', id: 'queue-list' },
      ...q.map((i) =>
        h(
          'li',
          { class: i.failed ? 'failed' : '' },
          h('strong', {}, i.label),
          h(
            'small',
            {},
            ` ${new Date(i.createdAt).toLocaleTimeString('zh-CN')}${i.tries ? ` · 已尝试 ${i.tries} 次` : ''}`,
          ),
          i.failed ? h('p', { class: 'error' }, `未被接受：${i.failed}`) : null,
          i.failed
            ? h(
                'button',
                {
                  onclick: async () => {
                    await drop(i.key);
                    void queueView();
                  },
                },
                '删除',
              )
            : null,
        ),
      ),
    ),
    h(
      'button',
      {
        class: 'primary',
        onclick: async () => {
          await flush();
          void queueView();
        },
      },
      '立即发送',
    ),
  );
}

async function moreView(): Promise<void> {
  const inbox = h('div', {}, h('p', { class: 'muted' }, '消息加载中…'));
  fill(
    main,
    h('h2', {}, '更多'),
    h('button', { class: 'card', id: 'open-queue', onclick: () => go('queue') }, '待发送队列 ', badge.cloneNode(true)),
    h('button', { class: 'card', onclick: () => go('traccar') }, '后台定位设置（Traccar Client）'),
    h('h3', {}, '消息'),
    inbox,
    h('p', { class: 'muted' }, `平安通 ${APP_VERSION}`),
    h(
      'button',
      {
        onclick: () => {
          setDeviceToken(null);
          localStorage.removeItem('wg.phone.me');
          loginView();
        },
      },
      '退出登录',
    ),
  );
  try {
    const list = await call<{ body: string; createdAt: string; status: string }[]>('GET', '/api/phone/notifications');
    inbox.replaceChildren(
      ...(list.length
        ? list.map((n) =>
            h('p', { class: 'card' }, h('small', {}, new Date(n.createdAt).toLocaleString('zh-CN')), h('br'), n.body),
          )
        : [h('p', { class: 'muted' }, '暂无消息')]),
    );
  } catch {
    inbox.replaceChildren(h('p', { class: 'muted' }, '离线'));
  }
}

function traccarView(): void {
  const ids = me?.devices.map((d) => d.identifier).join('、') ?? '';
  fill(
    main,
    h('button', { class: 'back', onclick: () => go('more') }, '‹ 返回'),
    h('h2', {}, '后台定位：Traccar Client'),
    h('p', {}, '平安通只在打开时上报位置。锁屏或切到后台时，请用 Traccar Client 持续上报：'),
    h(
      'ol',
      {},
      h('li', {}, '在应用商店安装 “Traccar Client”（Android / iOS，免费）。'),
      h('li', {}, `设备标识（Device identifier）填：`, h('code', { id: 'traccar-id' }, ids || '向指挥室索取')),
      h(
        'li',
        {},
        `服务器地址（Server URL）填：`,
        h('code', {}, `http://${location.hostname}:5055`),
        '（OsmAnd 协议端口，以指挥室告知为准）。',
      ),
      h('li', {}, '定位精度选“高”，频率 30 秒，距离 20 米。'),
      h('li', {}, '在系统设置中允许其“始终”使用位置，并关闭对它的省电限制。'),
      h('li', {}, '打开“服务状态”开关；上班时开启，下班时关闭。'),
    ),
  );
}

// ---- start -----------------------------------------------------------------------------

/**
 * The shell and the task list at once, the gridworker's record in parallel: on 3G each
 * round trip saved is half a second. A token refused sends back to the login.
 */
async function start(): Promise<void> {
  const who = call<Me>('GET', '/api/phone/me');
  shell();
  go('tasks');
  try {
    me = await who;
    localStorage.setItem('wg.phone.me', JSON.stringify(me));
    nameEl.textContent = me.name;
    renderDuty();
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      setDeviceToken(null);
      return loginView('此手机的令牌无效或已停用，请重新登录或扫码');
    }
    if (!me) toast('离线：稍后再试');
  }
  startQueue(deviceToken, APP_VERSION);
  onQueueChange(() => void refreshBadge());
  addEventListener('online', () => void refreshBadge());
  addEventListener('offline', () => void refreshBadge());
  startTracker();
  listen();
  void categories(); // kept for a report made without signal
}

tokenFromLink();
if ('serviceWorker' in navigator)
  void navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
// The browser tests' handle, only in their build (`--mode test`); dropped from production.
if (import.meta.env.MODE === 'test') {
  (window as unknown as { __wgPhone: unknown }).__wgPhone = { alarmRings, flush, items, sendFixes };
}
if (deviceToken()) void start();
else loginView();
