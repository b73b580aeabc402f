// The video wall: layouts 1/4/9/16, a camera list to put cameras in tiles (click or
// drag), a tile enlarged plays the main stream beside the PTZ pad; each tile shows its
// camera's state, its live latency, and recovers by itself.
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../shell/page';
import type { Camera } from '../types';
import { cameraReportButton } from './camera-report';
import { CameraPlayer, type PlayerState } from './player';
import { ptzPad } from './ptz';

const LAYOUTS = [1, 4, 9, 16] as const;
type Layout = (typeof LAYOUTS)[number];

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
  el: HTMLElement;
  cameraId: number | null;
  player: CameraPlayer | null;
  label: HTMLElement;
  badge: HTMLElement;
  latency: HTMLElement;
}

export function createWallPage(ctx: AppContext): Page {
  let layout: Layout = (Number(localStorage.getItem('wg.wall.layout')) as Layout) || 4;
  if (!LAYOUTS.includes(layout)) layout = 4;
  const saved: (number | null)[] = JSON.parse(localStorage.getItem('wg.wall.cameras') ?? '[]');
  let selected = 0;
  let tiles: Tile[] = [];
  const grid = h('div', { class: 'wall-grid', id: 'wall-grid' });
  const list = h('ul', { class: 'camera-list', id: 'camera-list' });
  const filter = h('input', { type: 'search', placeholder: tr('筛选摄像机', 'Filter cameras'), id: 'camera-filter' });
  const layoutButtons = LAYOUTS.map((n) =>
    h('button', { class: 'chip', 'data-layout': n, onclick: () => setLayout(n) }, `${n}`),
  );
  const enlarged = h('div', { class: 'wall-enlarged', id: 'wall-enlarged', hidden: true });
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
    ),
    h(
      'div',
      { class: 'wall-main' },
      h(
        'div',
        { class: 'wall-toolbar' },
        tr('分屏', 'Layout'),
        ...layoutButtons,
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

  function save(): void {
    localStorage.setItem('wg.wall.layout', String(layout));
    localStorage.setItem('wg.wall.cameras', JSON.stringify(tiles.map((t) => t.cameraId)));
  }

  function setLayout(n: Layout): void {
    const keep = tiles.map((t) => t.cameraId);
    for (const t of tiles) t.player?.dispose();
    layout = n;
    buildTiles(keep);
    save();
  }

  function buildTiles(ids: (number | null)[]): void {
    tiles = [];
    grid.replaceChildren();
    grid.style.gridTemplateColumns = `repeat(${Math.sqrt(layout)}, 1fr)`;
    for (const b of layoutButtons) b.classList.toggle('active', Number(b.dataset['layout']) === layout);
    for (let i = 0; i < layout; i++) {
      const tile = makeTile(i);
      tiles.push(tile);
      grid.appendChild(tile.el);
      const id = ids[i];
      if (id) setCamera(tile, id);
    }
    selectTile(Math.min(selected, layout - 1));
  }

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
              void import('../playback/tile-playback').then((m) => m.playbackInTile(el, id, () => setCamera(tile, id)));
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
    const tile: Tile = { el, cameraId: null, player: null, label, badge, latency };
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

  function setCamera(tile: Tile, cameraId: number | null): void {
    tile.player?.dispose();
    tile.player = null;
    tile.cameraId = cameraId;
    tile.el.classList.toggle('empty', cameraId === null);
    if (cameraId === null) {
      tile.label.textContent = tr('空闲', 'Empty');
      tile.badge.textContent = '';
      tile.latency.textContent = '';
      save();
      return;
    }
    const cam = cameras.get(cameraId);
    tile.label.textContent = cam?.name ?? `#${cameraId}`;
    const player = new CameraPlayer(cameraId, 'sub', (p) => showState(tile, p));
    tile.player = player;
    tile.el.prepend(player.video);
    player.start();
    save();
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
    const player = new CameraPlayer(tile.cameraId, 'main', (p) => {
      state.textContent = STATE_LABEL[p.state];
      state.dataset['state'] = p.state;
    });
    const state = h('span', { class: 'tile-state' });
    const latency = h('span', { class: 'tile-latency', id: 'enlarged-latency' });
    const pad = cam?.ptz && ctx.has('operator', 'dispatcher') ? ptzPad(tile.cameraId, ctx.me.id) : null;
    const timer = setInterval(() => (latency.textContent = fmtLatency(player.latency)), 1000);
    const close = () => {
      clearInterval(timer);
      player.dispose();
      pad?.dispose();
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
        cameraReportButton(ctx, tile.cameraId, view) ?? '',
        h('button', { class: 'link', id: 'enlarged-close', onclick: close }, tr('返回', 'Back')),
      ),
      player.video,
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
    selectTile(Math.min(i + 1, layout - 1));
  }

  // Latency per tile, once a second.
  setInterval(() => {
    for (const t of tiles) t.latency.textContent = t.player?.state === 'playing' ? fmtLatency(t.player.latency) : '';
  }, 1000);
  filter.addEventListener('input', () => renderList(cameras.all()));
  cameras.subscribe(renderList);
  void cameras
    .load()
    .then(() => renderList(cameras.all()))
    .catch(() => toast(tr('摄像机列表加载失败', 'Cameras did not load'), 'error'));
  buildTiles(saved);
  window.__wg = {
    ...window.__wg,
    wall: {
      tiles: () =>
        tiles.map((t) => ({
          cameraId: t.cameraId,
          state: t.player?.state ?? null,
          firstFrameMs: t.player?.firstFrameMs ?? null,
          latency: t.player?.latency ?? null,
        })),
    },
  };

  return { el, put: (id: number) => put(id) } as Page;
}

function fmtLatency(s: number | null): string {
  return s === null ? '' : `${tr('延迟', 'latency')} ${s.toFixed(1)} s`;
}
