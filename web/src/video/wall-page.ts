// The video wall: layouts 1/4/6/8/9/16/25/36 and custom, a camera list to put cameras in
// tiles (click or drag), a tile enlarged plays the main stream beside the PTZ pad; each
// tile shows its camera's state, its live latency, and recovers by itself. Saved walls
// (预案) per operator, rotation (轮巡) through more cameras than tiles, one wall over
// several screens (one window each, in step by the clock and the live stream), the last
// wall restored at login, and tiles off screen or in a hidden window paused.
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';
import type { Camera } from '../api/types';
import { cameraReportButton } from './camera-report';
import { CameraPlayer, type PlayerState } from '../components/camera-player';
import { ptzPad } from '../components/ptz-pad';
import { exposeForTests } from '../test-hooks';
import { SteerPlayer } from './low-latency-player';
import { aimOverlay } from './aim-overlay';
import { toursPanel } from './tours-panel';
import { LAYOUTS, isLayout, layoutGrid } from './wall-layouts';
import { wallPlans } from './wall-plans';
import { ViewCounter, patrolProgress } from './patrol-log';
import { measureGlassToGlass } from './timecode';

const STATE_LABEL: Record<PlayerState, string> = {
  starting: tr('正在打开…', 'Opening…'),
  playing: tr('直播', 'Live'),
  stalled: tr('卡顿', 'Stalled'),
  retrying: tr('信号中断，自动重连中…', 'Signal lost, reconnecting…'),
  failed: tr('无法播放', 'Cannot play'),
};

const CAMERA_STATUS: Record<string, string> = {
  online: tr('在线', 'online'),
  offline: tr('离线', 'offline'),
  error: tr('故障', 'error'),
  unknown: tr('未知', 'unknown'),
};

interface Tile {
  index: number;
  /** Glass-to-glass samples (ms) when measuring is on (localStorage wg.measureLatency = 1). */
  glassMs: number[];
  stopMeasure: (() => void) | null;
  /** Seconds watched, for the video patrol log. */
  views: ViewCounter | null;
  el: HTMLElement;
  cameraId: number | null;
  player: CameraPlayer | null;
  label: HTMLElement;
  badge: HTMLElement;
  latency: HTMLElement;
}

export function createWallPage(ctx: AppContext): Page {
  let layout = localStorage.getItem('wg.wall.layout') ?? '4';
  if (!isLayout(layout)) layout = '4';
  /** Every camera of the wall in tile order; tiles show a slice of it (this screen, this rotation step). */
  let wallCameras: (number | null)[] = JSON.parse(localStorage.getItem('wg.wall.cameras') ?? '[]');
  /** Where tile 0 is in wallCameras. */
  let offset = 0;
  let selected = 0;
  let tiles: Tile[] = [];
  /** The enlarged (steered) view's player, for tests and bench:video. */
  let steering: SteerPlayer | null = null;
  const grid = h('div', { class: 'wall-grid', id: 'wall-grid' });
  const list = h('ul', { class: 'camera-list', id: 'camera-list' });
  const filter = h('input', { type: 'search', placeholder: tr('筛选摄像机', 'Filter cameras'), id: 'camera-filter' });
  const layoutButtons = LAYOUTS.map((n) =>
    h('button', { class: 'chip', 'data-layout': n, onclick: () => setLayout(n) }, `${n}`),
  );
  const customLayout = h('input', {
    id: 'wall-custom-layout',
    class: 'wall-custom',
    placeholder: tr('行x列', 'RxC'),
    title: tr('自定义分屏，如 3x5', 'Custom layout, e.g. 3x5'),
  }) as HTMLInputElement;
  customLayout.addEventListener('change', () => {
    const v = customLayout.value.trim().toLowerCase().replace('×', 'x');
    if (isLayout(v)) setLayout(v);
    else toast(tr('分屏格式：行x列，如 3x5', 'Layout: ROWSxCOLUMNS, e.g. 3x5'), 'error');
  });
  const plans = wallPlans(ctx, {
    state: () => ({ layout, cameraIds: wallCameras, tiles: tiles.length }),
    apply: (w) => {
      wallCameras = [...w.cameraIds];
      layout = isLayout(w.layout) ? w.layout : '4';
      offset = plans.offset(tilesIn(layout), wallCameras.length);
      buildTiles();
      save(false);
    },
    step: () => {
      const next = plans.offset(tiles.length, wallCameras.length);
      if (next === offset) return;
      offset = next;
      tiles.forEach((t) => setCamera(t, wallCameras[offset + t.index] ?? null, false));
    },
    changed: () => save(),
  });
  const enlarged = h('div', { class: 'wall-enlarged', id: 'wall-enlarged', hidden: true });
  const progress = patrolProgress(ctx);
  const el = h(
    'section',
    { class: 'wall-page' },
    h(
      'aside',
      { class: 'wall-side' },
      h(
        'h3',
        {},
        tr('摄像机', 'Cameras'),
        h(
          'button',
          {
            class: 'link',
            id: 'camera-refresh',
            title: tr('刷新列表', 'Reload the list'),
            onclick: () => void cameras.load(true),
          },
          '⟳',
        ),
      ),
      filter,
      list,
      progress.el,
    ),
    h(
      'div',
      { class: 'wall-main' },
      h(
        'div',
        { class: 'wall-toolbar' },
        tr('分屏', 'Layout'),
        ...layoutButtons,
        customLayout,
        plans.el,
        h(
          'span',
          { class: 'muted' },
          tr(
            '点击列表中的摄像机放入选中的画面，双击画面放大',
            'Click a camera to put it in the selected tile; double-click a tile to enlarge',
          ),
        ),
      ),
      grid,
      enlarged,
    ),
  );

  function save(remember = true): void {
    localStorage.setItem('wg.wall.layout', layout);
    localStorage.setItem('wg.wall.cameras', JSON.stringify(wallCameras));
    if (remember) plans.remember(layout, wallCameras);
  }

  function tilesIn(l: string): number {
    return layoutGrid(l).tiles.length;
  }

  function setLayout(n: string): void {
    layout = n;
    offset = plans.offset(tilesIn(layout), wallCameras.length);
    buildTiles();
    save();
  }

  function buildTiles(): void {
    for (const t of tiles) {
      t.stopMeasure?.();
      t.player?.dispose();
    }
    tiles = [];
    observer.disconnect();
    visibleTiles.clear();
    grid.replaceChildren();
    const g = layoutGrid(layout);
    grid.style.gridTemplateColumns = `repeat(${g.cols}, 1fr)`;
    grid.style.gridTemplateRows = `repeat(${g.rows}, 1fr)`;
    grid.dataset['layout'] = layout;
    for (const b of layoutButtons) b.classList.toggle('active', b.dataset['layout'] === layout);
    g.tiles.forEach((place, i) => {
      const tile = makeTile(i);
      tile.el.style.gridRow = `${place.row} / span ${place.rowSpan}`;
      tile.el.style.gridColumn = `${place.col} / span ${place.colSpan}`;
      tiles.push(tile);
      grid.appendChild(tile.el);
      observer.observe(tile.el);
      const id = wallCameras[offset + i];
      if (id) setCamera(tile, id, false);
    });
    selectTile(Math.min(selected, tiles.length - 1));
  }

  // Tiles off screen, or all of them in a hidden window, stop loading and decoding.
  const visibleTiles = new Set<Element>();
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) visibleTiles.add(e.target);
      else visibleTiles.delete(e.target);
    }
    applyPause();
  });
  function applyPause(): void {
    for (const t of tiles) {
      if (!t.player) continue;
      if (document.hidden || !visibleTiles.has(t.el)) t.player.pause();
      else t.player.resume();
    }
  }
  document.addEventListener('visibilitychange', applyPause);

  function makeTile(index: number): Tile {
    const label = h('span', { class: 'tile-name' }, tr('空闲', 'Empty'));
    const badge = h('span', { class: 'tile-state' });
    const latency = h('span', { class: 'tile-latency' });
    const el = h(
      'div',
      { class: 'tile', 'data-tile': index },
      h(
        'div',
        { class: 'tile-bar' },
        label,
        badge,
        latency,
        h(
          'button',
          {
            class: 'link',
            title: tr('回放', 'Playback'),
            'data-action': 'playback',
            onclick: (e: Event) => {
              e.stopPropagation();
              const id = tile.cameraId;
              if (!id) return;
              tile.player?.dispose();
              tile.player = null;
              void import('../components/tile-playback').then((m) =>
                m.playbackInTile(el, id, () => setCamera(tile, id)),
              );
            },
          },
          '回放',
        ),
        h(
          'button',
          {
            class: 'link',
            title: tr('放大', 'Enlarge'),
            'data-action': 'enlarge',
            onclick: (e: Event) => {
              e.stopPropagation();
              enlarge(tile);
            },
          },
          '⤢',
        ),
        h(
          'button',
          {
            class: 'link',
            title: tr('关闭', 'Close'),
            'data-action': 'close',
            onclick: (e: Event) => {
              e.stopPropagation();
              setCamera(tile, null);
            },
          },
          '✕',
        ),
      ),
    );
    const tile: Tile = {
      index,
      el,
      cameraId: null,
      player: null,
      label,
      badge,
      latency,
      glassMs: [],
      stopMeasure: null,
      views: null,
    };
    el.addEventListener('click', () => selectTile(index));
    el.addEventListener('dblclick', () => enlarge(tile));
    el.addEventListener('dragover', (e) => e.preventDefault());
    el.addEventListener('drop', (e) => {
      e.preventDefault();
      const id = Number(e.dataTransfer?.getData('text/camera-id'));
      if (id) setCamera(tile, id);
    });
    return tile;
  }

  function selectTile(i: number): void {
    selected = i;
    tiles.forEach((t, j) => t.el.classList.toggle('selected', j === i));
  }

  function setCamera(tile: Tile, cameraId: number | null, remember = true): void {
    if (remember) {
      while (wallCameras.length < offset + tile.index) wallCameras.push(null);
      wallCameras[offset + tile.index] = cameraId;
      while (wallCameras.length && wallCameras[wallCameras.length - 1] === null) wallCameras.pop();
    }
    tile.stopMeasure?.();
    tile.stopMeasure = null;
    tile.views?.flush();
    tile.views = cameraId === null ? null : new ViewCounter(cameraId, 'tile');
    tile.glassMs = [];
    tile.player?.dispose();
    tile.player = null;
    tile.cameraId = cameraId;
    tile.el.classList.toggle('empty', cameraId === null);
    if (cameraId === null) {
      tile.label.textContent = tr('空闲', 'Empty');
      tile.badge.textContent = '';
      tile.latency.textContent = '';
      if (remember) save();
      return;
    }
    const cam = cameras.get(cameraId);
    tile.label.textContent = cam?.name ?? `#${cameraId}`;
    const player = new CameraPlayer(cameraId, 'sub', (p) => showState(tile, p));
    tile.player = player;
    tile.el.prepend(player.video);
    player.start();
    if (localStorage.getItem('wg.measureLatency') === '1')
      tile.stopMeasure = measureGlassToGlass(player.video, tile.glassMs);
    if (document.hidden || (visibleTiles.size > 0 && !visibleTiles.has(tile.el))) player.pause();
    if (remember) save();
  }

  function showState(tile: Tile, p: CameraPlayer): void {
    const cam = tile.cameraId ? cameras.get(tile.cameraId) : undefined;
    const offline = cam && cam.status !== 'online' && cam.status !== 'unknown';
    tile.badge.textContent =
      p.state === 'playing'
        ? STATE_LABEL.playing
        : offline
          ? `${CAMERA_STATUS[cam.status]} · ${STATE_LABEL[p.state]}`
          : STATE_LABEL[p.state];
    tile.badge.dataset['state'] = p.state;
    tile.el.dataset['state'] = p.state;
  }

  /** The enlarged view: the main stream, and the PTZ pad when the camera has one. */
  function enlarge(tile: Tile): void {
    if (!tile.cameraId) return;
    const cam = cameras.get(tile.cameraId);
    // The steered view plays on the low-latency path (HLS when it cannot).
    const player = new SteerPlayer(tile.cameraId, (p) => {
      state.textContent = STATE_LABEL[p.state];
      state.dataset['state'] = p.state;
      state.dataset['path'] = p.path;
    });
    const state = h('span', { class: 'tile-state' });
    const latency = h('span', { class: 'tile-latency', id: 'enlarged-latency' });
    const pad = cam?.ptz && ctx.has('operator', 'dispatcher') ? ptzPad(tile.cameraId, ctx.me.id) : null;
    steering = player;
    const tours = pad ? toursPanel(tile.cameraId) : null;
    if (tours) pad!.el.append(tours.el);
    const aim = pad ? aimOverlay(tile.cameraId, () => player.video) : null;
    if (aim) player.el.append(aim.overlay);
    const views = new ViewCounter(tile.cameraId, 'enlarged');
    const timer = setInterval(() => {
      latency.textContent = steerLatency(player);
      views.tick(player.state === 'playing' && !document.hidden);
    }, 1000);
    const close = () => {
      clearInterval(timer);
      views.flush();
      player.dispose();
      if (steering === player) steering = null;
      pad?.dispose();
      tours?.dispose();
      enlarged.hidden = true;
      enlarged.replaceChildren();
    };
    // 上报事件 (operators and dispatchers): its form floats over the video, which keeps playing.
    const view = h('div', { class: 'enlarged-video' });
    view.append(
      h(
        'div',
        { class: 'tile-bar' },
        h('span', { class: 'tile-name' }, cam?.name ?? `#${tile.cameraId}`),
        h('span', { class: 'muted' }, tr('主码流', 'main stream')),
        state,
        latency,
        aim?.zoom ?? '',
        cameraReportButton(ctx, tile.cameraId, view) ?? '',
        h('button', { class: 'link', id: 'enlarged-close', onclick: close }, tr('返回', 'Back')),
      ),
      player.el,
    );
    enlarged.replaceChildren(
      view,
      pad?.el ??
        h(
          'div',
          { class: 'ptz-pad muted' },
          cam?.ptz ? tr('无云台控制权限', 'No PTZ rights') : tr('固定摄像机', 'Fixed camera'),
        ),
    );
    enlarged.hidden = false;
    player.start();
  }

  function renderList(all: Camera[]): void {
    const q = filter.value.trim().toLowerCase();
    list.replaceChildren(
      ...all
        .filter((c) => !q || c.name.toLowerCase().includes(q) || String(c.id) === q)
        .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
        .map((c) => {
          const li = h(
            'li',
            { draggable: true, 'data-camera': c.id, onclick: () => put(c.id, selected) },
            h('i', { class: `dot status-${c.status}` }),
            c.name,
            c.ptz ? h('span', { class: 'muted' }, ' PTZ') : null,
          );
          li.addEventListener('dragstart', (e) => e.dataTransfer?.setData('text/camera-id', String(c.id)));
          return li;
        }),
    );
    for (const t of tiles) if (t.player) showState(t, t.player);
  }

  /** Puts a camera in a tile: the given one, else the first free, else the selected. */
  function put(cameraId: number, index?: number): void {
    const free = tiles.findIndex((t) => t.cameraId === null);
    const i = index ?? (free >= 0 ? free : selected);
    setCamera(tiles[i]!, cameraId);
    selectTile(Math.min(i + 1, tiles.length - 1));
  }

  // Latency per tile, once a second.
  setInterval(() => {
    for (const t of tiles) {
      t.latency.textContent = t.player?.state === 'playing' ? fmtLatency(t.player.latency) : '';
      t.views?.tick(t.player?.state === 'playing' && !t.player.paused && !document.hidden);
    }
  }, 1000);
  filter.addEventListener('input', () => renderList(cameras.all()));
  cameras.subscribe(renderList);
  void cameras
    .load()
    .then(() => renderList(cameras.all()))
    .catch(() => toast(tr('摄像机列表加载失败', 'Cameras did not load'), 'error'));
  buildTiles();
  // The last wall (of this operator, from any computer) replaces the local one.
  void plans.restore();
  exposeForTests({
    wall: {
      tiles: () =>
        tiles.map((t) => ({
          cameraId: t.cameraId,
          state: t.player?.state ?? null,
          firstFrameMs: t.player?.firstFrameMs ?? null,
          latency: t.player?.latency ?? null,
          glassMs: [...t.glassMs],
        })),
      steer: () =>
        steering && {
          path: steering.path,
          state: steering.state,
          glassMs: [...steering.glassMs],
          firstFrameMs: steering.firstFrameMs,
        },
    },
  });

  return { el, put: (id: number) => put(id) } as Page;
}

/** Glass-to-glass when measured (a camera with a timecode), else the player's own estimate. */
function steerLatency(p: SteerPlayer): string {
  const path = p.path === 'low-latency' ? tr('低延迟', 'low latency') : 'HLS';
  const glass = p.glassMs.slice(-30).sort((a, b) => a - b)[Math.floor(Math.min(p.glassMs.length, 30) / 2)];
  if (glass !== undefined) return `${path} · ${tr('端到端', 'glass-to-glass')} ${(glass / 1000).toFixed(2)} s`;
  return p.state === 'playing' ? `${path} ${fmtLatency(p.latency)}` : path;
}

function fmtLatency(s: number | null): string {
  return s === null ? '' : `${tr('延迟', 'latency')} ${s.toFixed(1)} s`;
}
