// Steering one camera: press-and-hold moves with the server's lease (renewed while
// the button is held; if the browser goes away the camera stops by itself), zoom,
// speed, presets, and who holds the control lock.
import { api, ApiError } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { live } from '../live';
import type { LockHolder } from '../api/types';

const LEASE_MS = 1000;
const RENEW_MS = 350;

export function ptzPad(cameraId: number, myAccountId: number): { el: HTMLElement; dispose(): void } {
  const speed = h('input', { type: 'range', min: '0.1', max: '1', step: '0.1', value: '0.5', id: 'ptz-speed' });
  const lockText = h('span', { class: 'ptz-lock', id: 'ptz-lock' }, '—');
  const position = h('div', { class: 'mono muted', id: 'ptz-position' });
  const presetList = h('div', { class: 'ptz-presets', id: 'ptz-presets' });
  const presetName = h('input', { placeholder: tr('预置位名称', 'Preset name'), id: 'ptz-preset-name' });
  let renewTimer: ReturnType<typeof setInterval> | null = null;
  let held = false;
  /** Which press is current: a later press makes an earlier one's late answer stale. */
  let press = 0;
  // The move request in flight: a stop sent before it lands could overtake it, and the
  // camera would then move for the whole lease after the button was let go.
  let starting: Promise<unknown> = Promise.resolve();

  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.status === 409)
      toast(`${tr('云台被占用', 'Camera is steered by someone else')}: ${err.message}`, 'error');
    else toast(err instanceof Error ? err.message : String(err), 'error');
    void refresh();
  };

  const stopRenewing = () => {
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = null;
  };

  async function start(x: number, y: number, zoom: number): Promise<void> {
    const s = Number(speed.value);
    const mine = ++press;
    held = true;
    // After the previous press's move (and its stop), so the server sees them in order.
    const before = starting;
    const move = before.then(() =>
      api.post('/api/cameras/{id}/ptz', {
        path: { id: cameraId },
        body: {
          type: 'continuous',
          velocity: { x: x * s, y: y * s, zoom: zoom * s },
          leaseMs: LEASE_MS,
        },
      }),
    );
    starting = move.catch(() => undefined);
    try {
      await move;
    } catch (err) {
      if (mine === press) held = false;
      return fail(err);
    }
    // Let go while starting (stop() waited for this move and stops it), or pressed again.
    if (!held || mine !== press) return;
    stopRenewing();
    renewTimer = setInterval(() => {
      api
        .post('/api/cameras/{id}/ptz', { path: { id: cameraId }, body: { type: 'renew', leaseMs: LEASE_MS } })
        .catch((err: unknown) => {
          // Someone of a higher rank took the camera: say so, instead of holding a dead button.
          if (!(err instanceof ApiError && err.status === 409) || !held || mine !== press) return;
          held = false;
          stopRenewing();
          fail(err);
        });
    }, RENEW_MS);
  }

  async function stop(): Promise<void> {
    stopRenewing();
    if (!held) return;
    held = false;
    const mine = press;
    const stopped = starting.then(async () => {
      // Pressed again meanwhile: that press's move replaces this stop.
      if (mine !== press) return;
      await api.post('/api/cameras/{id}/ptz', { path: { id: cameraId }, body: { type: 'stop' } }).catch(fail);
    });
    starting = stopped;
    await stopped;
    void refresh();
  }

  const hold = (label: string, dir: [number, number, number], name: string) => {
    const b = h('button', { class: 'ptz-btn', 'data-ptz': name, title: name }, label);
    b.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      b.setPointerCapture(e.pointerId);
      void start(...dir);
    });
    for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture']) b.addEventListener(ev, () => void stop());
    return b;
  };

  async function refresh(): Promise<void> {
    try {
      const s = await api.get('/api/cameras/{id}/ptz', { path: { id: cameraId } });
      showLock(s.lock);
      if (s.position)
        position.textContent = `P ${s.position.x.toFixed(2)} · T ${s.position.y.toFixed(2)} · Z ${s.position.zoom.toFixed(2)}`;
    } catch {
      position.textContent = tr('读取云台位置失败', 'PTZ position unavailable');
    }
  }

  function showLock(lock: LockHolder | null): void {
    lockText.textContent = lock
      ? `${tr('控制者', 'Steered by')}: ${lock.username}${lock.accountId === myAccountId ? tr('（我）', ' (me)') : ''}`
      : tr('无人控制', 'Nobody steers');
    lockText.dataset['holder'] = lock?.username ?? '';
  }

  async function loadPresets(): Promise<void> {
    try {
      const presets = await api.get('/api/cameras/{id}/ptz/presets', { path: { id: cameraId } });
      presetList.replaceChildren(
        ...presets.map((p) =>
          h(
            'button',
            {
              class: 'chip',
              'data-preset': p.token,
              onclick: () =>
                api
                  .post('/api/cameras/{id}/ptz', {
                    path: { id: cameraId },
                    body: { type: 'goto_preset', token: p.token },
                  })
                  .then(refresh, fail),
            },
            p.name || p.token,
          ),
        ),
      );
    } catch {
      presetList.textContent = '—';
    }
  }

  const offLock = live.on('cameras', (data) => {
    const e = data as { cameraId: number; lock?: LockHolder | null };
    if (e.cameraId === cameraId && 'lock' in e) showLock(e.lock ?? null);
  });
  const poll = setInterval(() => void refresh(), 5000);
  void refresh();
  void loadPresets();

  const el = h(
    'div',
    { class: 'ptz-pad', id: 'ptz-pad' },
    h('div', { class: 'ptz-title' }, tr('云台控制', 'PTZ'), lockText),
    h(
      'div',
      { class: 'ptz-grid' },
      h('span'),
      hold('▲', [0, 1, 0], 'up'),
      h('span'),
      hold('◀', [-1, 0, 0], 'left'),
      h(
        'button',
        {
          class: 'ptz-btn',
          'data-ptz': 'home',
          title: tr('归位', 'Home'),
          onclick: () =>
            api.post('/api/cameras/{id}/ptz', { path: { id: cameraId }, body: { type: 'home' } }).then(refresh, fail),
        },
        '⌂',
      ),
      hold('▶', [1, 0, 0], 'right'),
      h('span'),
      hold('▼', [0, -1, 0], 'down'),
      h('span'),
    ),
    h(
      'div',
      { class: 'ptz-zoom' },
      hold('－', [0, 0, -1], 'zoom-out'),
      h('span', { class: 'muted' }, tr('变倍', 'Zoom')),
      hold('＋', [0, 0, 1], 'zoom-in'),
    ),
    h('label', {}, tr('速度', 'Speed'), speed),
    position,
    h('h3', {}, tr('预置位', 'Presets')),
    presetList,
    h(
      'div',
      { class: 'row' },
      presetName,
      h(
        'button',
        {
          onclick: async () => {
            if (!presetName.value.trim()) return;
            await api
              .post('/api/cameras/{id}/ptz', {
                path: { id: cameraId },
                body: { type: 'set_preset', name: presetName.value.trim() },
              })
              .then(loadPresets, fail);
            presetName.value = '';
          },
        },
        tr('保存', 'Save'),
      ),
    ),
    h(
      'button',
      {
        class: 'link',
        id: 'ptz-release',
        onclick: () => api.delete('/api/cameras/{id}/ptz/lock', { path: { id: cameraId } }).then(refresh, fail),
      },
      tr('释放控制', 'Release control'),
    ),
  );
  return {
    el,
    dispose() {
      void stop();
      clearInterval(poll);
      offLock();
    },
  };
}
