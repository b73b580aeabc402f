// Saved walls (预案), rotation (轮巡) and screens for the wall page. A wall over several
// screens is one browser window per screen, each opened as /?screen=K&wall=ID: every
// window shows its own slice of the wall's cameras, the rotation step comes from the
// clock (so windows turn together without talking), and a change to the wall reaches
// the other windows through the live stream (topic walls). The wall as left is kept on
// the server and restored at the next login.
import { get, post, put } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { live } from '../live';

interface Wall {
  id: number;
  name: string;
  layout: string;
  cameraIds: (number | null)[];
  rotateS: number | null;
  screens: number;
  revision: number;
}

interface Hooks {
  state(): { layout: string; cameraIds: (number | null)[]; tiles: number };
  apply(w: { layout: string; cameraIds: (number | null)[] }): void;
  /** The rotation may have moved on: show the current group. */
  step(): void;
  changed(): void;
}

export function wallPlans(ctx: AppContext, hooks: Hooks) {
  const params = new URLSearchParams(location.search);
  const screen = Math.max(1, Number(params.get('screen')) || 1);
  let wallId: number | null = Number(params.get('wall')) || null;
  let revision = 0;
  let rotateS: number | null = null;
  let screens = 1;
  let walls: Wall[] = [];

  const select = h('select', { id: 'wall-plan', title: tr('预案', 'Saved walls') }) as HTMLSelectElement;
  const name = h('input', {
    id: 'wall-plan-name',
    class: 'wall-custom',
    placeholder: tr('预案名称', 'Wall name'),
  }) as HTMLInputElement;
  const rotate = h('input', {
    id: 'wall-rotate',
    type: 'number',
    min: '0',
    max: '3600',
    class: 'wall-custom',
    title: tr('轮巡间隔（秒，0 为不轮巡）', 'Rotate every N s (0: off)'),
    placeholder: tr('轮巡秒', 'rotate s'),
  }) as HTMLInputElement;
  const screensSelect = h(
    'select',
    { id: 'wall-screens', title: tr('屏数', 'Screens') },
    ...[1, 2, 3, 4].map((n) => h('option', { value: n }, `${n}${tr('屏', ' screen(s)')}`)),
  ) as HTMLSelectElement;
  const screenLabel = h(
    'span',
    { class: 'muted', id: 'wall-screen' },
    screen > 1 ? `${tr('第', 'screen ')}${screen}${tr('屏', '')}` : '',
  );

  const fail = (err: unknown) => toast(err instanceof Error ? err.message : String(err), 'error');

  function offset(tiles: number, count: number): number {
    const per = tiles * screens;
    const groups = Math.max(1, Math.ceil(count / per));
    const group = rotateS ? Math.floor(Date.now() / 1000 / rotateS) % groups : 0;
    return group * per + (screen - 1) * tiles;
  }

  function renderSelect(): void {
    select.replaceChildren(
      h('option', { value: '' }, tr('— 预案 —', '— saved walls —')),
      ...walls.map((w) => h('option', { value: w.id, selected: w.id === wallId }, w.name)),
    );
  }

  async function loadWalls(): Promise<void> {
    walls = await get<Wall[]>('/api/walls');
    renderSelect();
  }

  function use(w: Wall): void {
    wallId = w.id;
    revision = w.revision;
    rotateS = w.rotateS;
    screens = w.screens;
    rotate.value = String(w.rotateS ?? 0);
    screensSelect.value = String(w.screens);
    name.value = w.name;
    hooks.apply(w);
    renderSelect();
  }

  async function saveWall(): Promise<void> {
    const { layout, cameraIds } = hooks.state();
    const wallName = name.value.trim();
    if (!wallName) return toast(tr('请填写预案名称', 'Name the wall first'), 'error');
    const body = { name: wallName, layout, cameraIds, rotateS, screens };
    const existing = walls.find((w) => w.name === wallName);
    const saved = existing ? await put<Wall>(`/api/walls/${existing.id}`, body) : await post<Wall>('/api/walls', body);
    await loadWalls();
    wallId = saved.id;
    revision = saved.revision;
    renderSelect();
    remember(layout, cameraIds);
    toast(`${tr('预案已保存', 'Wall saved')}：${saved.name}`);
  }

  let rememberTimer: ReturnType<typeof setTimeout> | null = null;
  function remember(layout: string, cameraIds: (number | null)[]): void {
    // One window speaks for the wall: the first screen's.
    if (screen !== 1) return;
    if (rememberTimer) clearTimeout(rememberTimer);
    rememberTimer = setTimeout(() => {
      void put('/api/walls/last', { layout, cameraIds, rotateS, wallId }).catch(() => undefined);
    }, 500);
  }

  async function restore(): Promise<void> {
    try {
      await loadWalls();
      const chosen = wallId ? walls.find((w) => w.id === wallId) : undefined;
      if (chosen) return use(chosen);
      if (screen !== 1) return;
      const last = await get<{
        layout: string;
        cameraIds: (number | null)[];
        rotateS: number | null;
        wallId: number | null;
      } | null>('/api/walls/last');
      if (!last) return;
      wallId = last.wallId;
      rotateS = last.rotateS;
      screens = walls.find((w) => w.id === last.wallId)?.screens ?? 1;
      rotate.value = String(rotateS ?? 0);
      screensSelect.value = String(screens);
      renderSelect();
      hooks.apply(last);
    } catch {
      // Offline or no rights: the local wall stays.
    }
  }

  select.addEventListener('change', () => {
    const w = walls.find((x) => x.id === Number(select.value));
    if (!w) return;
    use(w);
    remember(w.layout, w.cameraIds);
  });
  rotate.addEventListener('change', () => {
    const s = Number(rotate.value);
    rotateS = s >= 5 ? Math.round(s) : null;
    rotate.value = String(rotateS ?? 0);
    hooks.step();
    hooks.changed();
  });
  screensSelect.addEventListener('change', () => {
    screens = Number(screensSelect.value) || 1;
    hooks.apply(hooks.state());
    hooks.changed();
  });
  const openScreens = () => {
    if (!wallId)
      return toast(
        tr('请先保存预案，再在其他屏打开', 'Save the wall first, then open it on the other screens'),
        'error',
      );
    for (let k = 2; k <= screens; k++) window.open(`/?screen=${k}&wall=${wallId}#/video`, `wall-screen-${k}`);
  };

  // Another window (or another computer) changed this wall: follow it.
  const offLive = live.on('walls', (data) => {
    const e = data as { accountId: number; wallId: number; revision: number | null };
    if (e.accountId !== ctx.me.id || e.wallId !== wallId || e.revision === null || e.revision === revision) return;
    void loadWalls()
      .then(() => {
        const w = walls.find((x) => x.id === wallId);
        if (w) use(w);
      })
      .catch(() => undefined);
  });
  const ticker = setInterval(() => {
    if (rotateS) hooks.step();
  }, 1000);

  const el = h(
    'span',
    { class: 'wall-plans' },
    select,
    name,
    h(
      'button',
      { class: 'chip', id: 'wall-plan-save', onclick: () => void saveWall().catch(fail) },
      tr('保存预案', 'Save wall'),
    ),
    rotate,
    screensSelect,
    h(
      'button',
      { class: 'chip', id: 'wall-open-screens', onclick: openScreens },
      tr('打开其他屏', 'Open other screens'),
    ),
    screenLabel,
  );
  return {
    el,
    offset,
    remember,
    restore,
    get screen() {
      return screen;
    },
    dispose: () => {
      offLive();
      clearInterval(ticker);
    },
  };
}
