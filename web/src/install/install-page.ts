// Installation: find the devices on the network, register one with its credentials
// and see what the server read from it, place it on the map (drag position and
// heading, drag or slide the field of view), check its picture and PTZ; the health of all.
import { api, ApiError, get, getToken } from '../api';
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { formatAge, h, toast } from '../dom';
import { lang, tr } from '../i18n';
import { createBaseMap, styleReady } from '../components/base-map';
import { addCameraLayers } from '../components/cameras-layer';
import { formatCoord } from '../geo/coords';
import { townData } from '../geo/town-data';
import type { Page } from '../page';
import type { Camera } from '../api/types';
import { CameraPlayer } from '../components/camera-player';
import { ptzPad } from '../components/ptz-pad';
import { PlacementEditor } from './placement-editor';
import { exposeForTests } from '../test-hooks';

interface Discovered {
  endpoint: string;
  name: string | null;
  hardware?: string | null;
  host: string;
  port: number;
}

const STATUS: Record<string, string> = {
  online: tr('在线', 'online'),
  offline: tr('离线', 'offline'),
  error: tr('故障', 'error'),
  unknown: tr('未知', 'unknown'),
};

export async function createInstallPage(ctx: AppContext): Promise<Page> {
  const tabSetup = h('button', { class: 'chip active', 'data-tab': 'setup' }, tr('注册与安装', 'Register and place'));
  const tabHealth = h('button', { class: 'chip', 'data-tab': 'health' }, tr('设备健康', 'Health'));
  const setup = h('div', { class: 'install-setup' });
  const health = h('div', { class: 'install-health', hidden: true });
  const el = h(
    'section',
    { class: 'install-page' },
    h('div', { class: 'wall-toolbar' }, tabSetup, tabHealth),
    setup,
    health,
  );
  tabSetup.addEventListener('click', () => switchTab('setup'));
  tabHealth.addEventListener('click', () => switchTab('health'));
  function switchTab(tab: 'setup' | 'health'): void {
    setup.hidden = tab !== 'setup';
    health.hidden = tab !== 'health';
    tabSetup.classList.toggle('active', tab === 'setup');
    tabHealth.classList.toggle('active', tab === 'health');
    if (tab === 'setup') map.resize();
    else renderHealth();
  }

  // Left: discovery and the registration form. ----------------------------------------
  const discovered = h('ul', { class: 'discovered', id: 'discovered' });
  const scan = h('button', { id: 'discover', onclick: () => void discover() }, tr('扫描局域网', 'Scan the network'));
  const f = {
    name: h('input', { id: 'reg-name', required: true }),
    host: h('input', { id: 'reg-host', required: true }),
    port: h('input', { id: 'reg-port', type: 'number', value: '80' }),
    username: h('input', { id: 'reg-username', value: 'admin' }),
    password: h('input', { id: 'reg-password', type: 'password' }),
  };
  const regError = h('div', { class: 'login-error', id: 'reg-error' });
  const readBox = h('div', { class: 'server-read', id: 'server-read' });
  const form = h(
    'form',
    { class: 'reg-form', id: 'register-form' },
    h('label', {}, tr('名称', 'Name'), f.name),
    h('label', {}, tr('地址', 'Host'), f.host),
    h('label', {}, tr('端口', 'Port'), f.port),
    h('label', {}, tr('用户名', 'Username'), f.username),
    h('label', {}, tr('密码', 'Password'), f.password),
    h('button', { type: 'submit', class: 'primary', id: 'reg-submit' }, tr('注册', 'Register')),
    regError,
  );
  const pick = h('select', { id: 'install-camera' });
  const left = h(
    'div',
    { class: 'install-left' },
    h('h3', {}, tr('发现的设备', 'Discovered devices')),
    scan,
    discovered,
    h('h3', {}, tr('注册摄像机', 'Register a camera')),
    form,
    readBox,
  );

  // Centre: the placement map. -----------------------------------------------------------
  const mapBox = h('div', { class: 'install-map', id: 'install-map' });
  const hfov = h('input', { type: 'range', min: '10', max: '360', step: '1', value: '60', id: 'place-hfov' });
  const range = h('input', { type: 'number', min: '5', max: '20000', value: '100', id: 'place-range' });
  const height = h('input', { type: 'number', min: '0', max: '500', value: '6', id: 'place-height' });
  const high = h('input', { type: 'checkbox', id: 'place-high' });
  const placeInfo = h('div', { class: 'mono muted', id: 'place-info' });
  const saveButton = h(
    'button',
    { class: 'primary', id: 'place-save', onclick: () => void savePlacement() },
    tr('保存位置', 'Save placement'),
  );
  const placeBar = h(
    'div',
    { class: 'place-bar' },
    h('label', {}, tr('摄像机', 'Camera'), pick),
    h('label', {}, tr('视角', 'FOV'), hfov, h('span', { id: 'place-hfov-value' }, '60°')),
    h('label', {}, tr('距离 m', 'Range m'), range),
    h('label', {}, tr('高度 m', 'Height m'), height),
    h('label', {}, high, tr('高点', 'High position')),
    saveButton,
    placeInfo,
  );

  // Right: the picture and the PTZ check. ----------------------------------------------
  const preview = h('div', { class: 'install-preview', id: 'install-preview' });
  const checkBox = h('div', { class: 'check-result', id: 'check-result' });
  const ptzBox = h('div', { id: 'install-ptz' });
  const right = h(
    'div',
    { class: 'install-right' },
    h('h3', {}, tr('画面', 'Picture')),
    preview,
    h(
      'div',
      { class: 'row' },
      h('button', { id: 'check-camera', onclick: () => void checkCamera() }, tr('检测设备', 'Check the camera')),
      h('button', { id: 'snapshot', onclick: () => void snapshot() }, tr('抓图', 'Snapshot')),
    ),
    checkBox,
    ptzBox,
  );
  setup.append(left, h('div', { class: 'install-centre' }, placeBar, mapBox), right);

  const data = await townData(ctx.town.code);
  const map = createBaseMap(mapBox, data.bbox);
  exposeForTests({ installMap: map });
  await styleReady(map);
  addCameraLayers(map);
  await cameras.load().catch(() => undefined);

  let current: Camera | null = null;
  let editor: PlacementEditor | null = null;
  let player: CameraPlayer | null = null;
  let pad: { dispose(): void } | null = null;

  function fillPick(): void {
    const list = cameras.all().sort((a, b) => b.id - a.id);
    pick.replaceChildren(
      h('option', { value: '' }, tr('选择摄像机', 'Choose a camera')),
      ...list.map((c) =>
        h(
          'option',
          { value: c.id, selected: c.id === current?.id },
          `${c.name}${c.placement ? '' : tr('（未定位）', ' (not placed)')}`,
        ),
      ),
    );
  }
  cameras.subscribe(fillPick);
  fillPick();
  pick.addEventListener('change', () => {
    const c = cameras.get(Number(pick.value));
    if (c) select(c);
  });

  function select(c: Camera): void {
    current = c;
    fillPick();
    editor?.dispose();
    const centre = map.getCenter();
    const p = c.placement;
    editor = new PlacementEditor(map, {
      lon: p?.lon ?? centre.lng,
      lat: p?.lat ?? centre.lat,
      headingDeg: p?.headingDeg ?? 0,
      hfovDeg: p?.hfovDeg ?? 60,
      rangeM: p?.rangeM ?? 100,
      mountHeightM: p?.mountHeightM ?? 6,
      highPosition: p?.highPosition ?? false,
    });
    hfov.value = String(editor.draft.hfovDeg);
    range.value = String(editor.draft.rangeM);
    height.value = String(editor.draft.mountHeightM);
    high.checked = editor.draft.highPosition;
    const showDraft = () => {
      const d = editor!.draft;
      placeInfo.textContent = `${formatCoord(d.lon, d.lat)} · ${tr('朝向', 'heading')} ${d.headingDeg}° · ${tr('视角', 'FOV')} ${d.hfovDeg}° · ${d.rangeM} m`;
      (document.getElementById('place-hfov-value') ?? h('span')).textContent = `${d.hfovDeg}°`;
      hfov.value = String(d.hfovDeg);
      range.value = String(d.rangeM);
    };
    editor.onChange(showDraft);
    showDraft();
    if (p) map.easeTo({ center: [p.lon, p.lat], zoom: Math.max(map.getZoom(), 15) });
    startLive(c);
    showRead(c);
  }

  /** The picture and the PTZ pad of this camera (again after the page was hidden). */
  function startLive(c: Camera): void {
    stopLive();
    player = new CameraPlayer(c.id, 'sub', (pl) => (preview.dataset['state'] = pl.state));
    preview.replaceChildren(player.video);
    player.start();
    if (c.ptz && ctx.has('operator', 'dispatcher', 'installer')) {
      const made = ptzPad(c.id, ctx.me.id);
      pad = made;
      ptzBox.append(made.el);
    } else if (c.ptz) {
      ptzBox.append(
        h(
          'div',
          { class: 'muted' },
          tr('云台：可用（操作员账号可控制）', 'PTZ: present (steered by operator accounts)'),
        ),
      );
    }
  }

  /** Hidden, the page holds no relay open and no PTZ lock or poll. */
  function stopLive(): void {
    player?.dispose();
    player = null;
    pad?.dispose();
    pad = null;
    ptzBox.replaceChildren();
  }

  hfov.addEventListener('input', () => editor?.update({ hfovDeg: Number(hfov.value) }));
  range.addEventListener('change', () => editor?.update({ rangeM: Number(range.value) }));
  height.addEventListener('change', () => editor?.update({ mountHeightM: Number(height.value) }));
  high.addEventListener('change', () => editor?.update({ highPosition: high.checked }));

  async function savePlacement(): Promise<void> {
    if (!current || !editor) return toast(tr('先选择摄像机', 'Choose a camera first'), 'error');
    try {
      const d = editor.draft;
      const saved = await api.put('/api/cameras/{id}/placement', {
        path: { id: current.id },
        body: { ...d, headingDeg: ((d.headingDeg % 360) + 360) % 360, crs: 'WGS84' },
      });
      cameras.upsert(saved);
      current = saved;
      toast(`${tr('已保存位置', 'Placement saved')} · ${tr('网格', 'grid')} ${saved.placement?.gridCode ?? '—'}`, 'ok');
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  async function discover(): Promise<void> {
    scan.disabled = true;
    discovered.replaceChildren(h('li', { class: 'muted' }, tr('扫描中…', 'Scanning…')));
    try {
      const found = await get<Discovered[]>('/api/cameras/discover?timeoutMs=1500');
      discovered.replaceChildren(
        ...found.map((d) =>
          h(
            'li',
            {
              'data-host': `${d.host}:${d.port}`,
              onclick: () => {
                f.host.value = d.host;
                f.port.value = String(d.port);
                f.name.value = d.name ?? '';
                f.password.focus();
              },
            },
            d.name ?? d.endpoint,
            h('span', { class: 'muted' }, ` ${d.host}:${d.port}${d.hardware ? ` · ${d.hardware}` : ''}`),
          ),
        ),
      );
      if (found.length === 0)
        discovered.replaceChildren(
          h('li', { class: 'muted' }, tr('没有发现未注册的设备', 'No unregistered device answered')),
        );
    } catch (err) {
      discovered.replaceChildren(h('li', { class: 'muted' }, (err as Error).message));
    } finally {
      scan.disabled = false;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    regError.textContent = '';
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const c = await api.post('/api/cameras', {
        body: {
          name: f.name.value.trim(),
          host: f.host.value.trim(),
          port: Number(f.port.value),
          username: f.username.value,
          password: f.password.value,
          townCode: ctx.town.code,
        },
      });
      f.password.value = '';
      cameras.upsert(c);
      toast(`${tr('已注册', 'Registered')} ${c.name}`, 'ok');
      select(c);
    } catch (err) {
      regError.textContent = err instanceof ApiError ? registerError(err) : String(err);
    } finally {
      button.disabled = false;
    }
  });

  function showRead(c: Camera): void {
    const rows: [string, string][] = [
      [tr('厂商', 'Manufacturer'), c.manufacturer ?? '—'],
      [tr('型号', 'Model'), c.model ?? '—'],
      [tr('固件', 'Firmware'), c.firmware ?? '—'],
      [tr('序列号', 'Serial'), c.serial ?? '—'],
      [
        tr('码流', 'Streams'),
        [c.streams.main && tr('主码流', 'main'), c.streams.sub && tr('子码流', 'sub')].filter(Boolean).join(' / ') ||
          '—',
      ],
      [tr('云台', 'PTZ'), c.ptz ? tr('支持', 'yes') : tr('不支持', 'no')],
      [tr('状态', 'Status'), STATUS[c.status] ?? c.status],
    ];
    readBox.replaceChildren(
      h('h3', {}, `${tr('服务器读取到', 'What the server read')} · ${c.name}`),
      h(
        'table',
        {},
        ...rows.map(([k, v]) => h('tr', {}, h('td', { class: 'muted' }, k), h('td', { 'data-field': k }, v))),
      ),
      streamChooser(c),
    );
  }

  /** The camera's profiles with codec and resolution; the installer picks which play as main and sub. */
  function streamChooser(c: Camera): HTMLElement {
    const label = (p: Camera['profiles'][number]): string =>
      `${p.name} · ${p.encoding} ${p.width}×${p.height}${p.fps ? `@${p.fps}` : ''}`;
    const select = (id: string, role: 'main' | 'sub', allowNone: boolean): HTMLSelectElement => {
      const el = h(
        'select',
        { id },
        ...(allowNone ? [h('option', { value: '' }, tr('（无）', '(none)'))] : []),
        ...c.profiles.map((p) => h('option', { value: p.token }, label(p))),
      ) as HTMLSelectElement;
      el.value = c.profiles.find((p) => p.stream === role)?.token ?? '';
      return el;
    };
    const main = select('stream-main', 'main', false);
    const sub = select('stream-sub', 'sub', true);
    const apply = h(
      'button',
      { type: 'button', id: 'stream-apply' },
      tr('应用码流选择', 'Apply stream choice'),
    ) as HTMLButtonElement;
    const note = h('span', { class: 'muted', id: 'stream-note' });
    apply.addEventListener('click', () => {
      apply.disabled = true;
      api
        .put('/api/cameras/{id}/streams', { path: { id: c.id }, body: { main: main.value, sub: sub.value || null } })
        .then((updated) => {
          cameras.upsert(updated);
          current = updated;
          showRead(updated);
          toast(tr('码流选择已保存', 'Stream choice saved'), 'ok');
        })
        .catch((err: unknown) => {
          note.textContent = err instanceof ApiError ? registerError(err) : String(err);
          apply.disabled = false;
        });
    });
    return h(
      'div',
      { class: 'stream-chooser', id: 'stream-chooser' },
      h('h4', {}, tr('码流（配置、编码、分辨率）', 'Streams (profile, codec, resolution)')),
      h('label', {}, tr('主码流', 'Main'), ' ', main),
      h('label', {}, tr('子码流', 'Sub'), ' ', sub),
      apply,
      note,
    );
  }

  async function checkCamera(): Promise<void> {
    if (!current) return;
    checkBox.textContent = tr('检测中…', 'Checking…');
    try {
      const c = await api.post('/api/cameras/{id}/check', { path: { id: current.id } });
      cameras.upsert(c);
      current = c;
      checkBox.replaceChildren(
        h('span', { class: `status status-${c.status}`, id: 'check-status' }, STATUS[c.status] ?? c.status),
        c.lastError ? ` ${c.lastError}` : '',
        c.ptz ? ` · ${tr('云台正常', 'PTZ ok')}` : '',
      );
      showRead(c);
    } catch (err) {
      checkBox.textContent = (err as Error).message;
    }
  }

  async function snapshot(): Promise<void> {
    if (!current) return;
    const res = await fetch(`/api/cameras/${current.id}/snapshot.jpg`, {
      headers: { authorization: `Bearer ${getToken() ?? ''}` },
    });
    if (!res.ok) return toast(tr('抓图失败', 'No snapshot'), 'error');
    const img = h('img', { src: URL.createObjectURL(await res.blob()), class: 'snapshot', id: 'snapshot-image' });
    checkBox.replaceChildren(img);
  }

  // Health of every camera, with filters. ------------------------------------------------
  const statusFilter = h(
    'select',
    { id: 'health-status' },
    h('option', { value: '' }, tr('全部状态', 'All states')),
    ...Object.entries(STATUS).map(([k, v]) => h('option', { value: k }, v)),
  );
  const textFilter = h('input', {
    type: 'search',
    id: 'health-text',
    placeholder: tr('名称、地址、网格', 'Name, host, grid'),
  });
  const table = h('tbody', { id: 'health-rows' });
  health.append(
    h(
      'div',
      { class: 'wall-toolbar' },
      statusFilter,
      textFilter,
      h('button', { onclick: () => void cameras.load(true).then(renderHealth) }, tr('刷新', 'Refresh')),
    ),
    h(
      'div',
      { class: 'table-box' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              tr('名称', 'Name'),
              tr('状态', 'Status'),
              tr('地址', 'Host'),
              tr('型号', 'Model'),
              tr('网格', 'Grid'),
              tr('最后在线', 'Last seen'),
              tr('时钟偏差', 'Clock offset'),
              tr('错误', 'Error'),
              '',
            ].map((x) => h('th', {}, x)),
          ),
        ),
        table,
      ),
    ),
  );
  statusFilter.addEventListener('change', renderHealth);
  textFilter.addEventListener('input', renderHealth);
  cameras.subscribe(() => {
    if (!health.hidden) renderHealth();
  });
  function renderHealth(): void {
    const q = textFilter.value.trim().toLowerCase();
    const rows = cameras
      .all()
      .filter((c) => !statusFilter.value || c.status === statusFilter.value)
      .filter((c) => !q || [c.name, c.host, c.placement?.gridCode ?? ''].some((s) => s.toLowerCase().includes(q)))
      .sort((a, b) => (a.status === b.status ? a.name.localeCompare(b.name, 'zh-CN') : a.status === 'online' ? 1 : -1));
    table.replaceChildren(
      ...rows.map((c) =>
        h(
          'tr',
          { 'data-camera': c.id },
          h('td', {}, c.name),
          h('td', {}, h('span', { class: `status status-${c.status}` }, STATUS[c.status] ?? c.status)),
          h('td', { class: 'mono' }, `${c.host}:${c.port}`),
          h('td', {}, [c.manufacturer, c.model].filter(Boolean).join(' ') || '—'),
          h('td', {}, c.placement?.gridCode ?? tr('未定位', 'not placed')),
          h('td', {}, c.lastSeenAt ? formatAge((Date.now() - Date.parse(c.lastSeenAt)) / 1000, lang) : '—'),
          h('td', {}, c.clockOffsetMs === null ? '—' : `${(c.clockOffsetMs / 1000).toFixed(1)} s`),
          h('td', { class: 'muted' }, c.lastError ?? ''),
          h(
            'td',
            {},
            h(
              'button',
              {
                class: 'link',
                onclick: () => {
                  switchTab('setup');
                  select(c);
                },
              },
              tr('打开', 'Open'),
            ),
          ),
        ),
      ),
    );
  }

  const page: Page = {
    el,
    show: () => {
      map.resize();
      if (current) startLive(cameras.get(current.id) ?? current);
    },
    hide: stopLive,
  };
  return page;
}

function registerError(err: ApiError): string {
  const known: Record<string, string> = {
    camera_auth_failed: tr('用户名或密码错误', 'Wrong username or password'),
    camera_unreachable: tr('连不上设备（地址、端口或电源）', 'Cannot reach the device (address, port or power)'),
    camera_timeout: tr('设备没有及时应答', 'The device did not answer in time'),
    camera_not_onvif: tr('这不是 ONVIF 设备', 'Not an ONVIF device'),
    camera_no_rtsp: tr('设备没有 RTSP 码流', 'The device has no RTSP stream'),
    camera_exists: tr('该地址的摄像机已注册', 'A camera at this address is already registered'),
  };
  // The server's camera refusals are "中文 — English" sentences naming the step and what to do.
  if (err.code.startsWith('camera_') && err.message.includes(' — ')) {
    const [zh, en] = err.message.split(' — ');
    return `${lang === 'en' ? en : zh} (${err.code})`;
  }
  return `${known[err.code] ?? err.message} (${err.code})`;
}
