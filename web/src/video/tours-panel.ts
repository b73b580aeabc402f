// Tours (巡航) and the guard position (守望位) of the steered camera, under its PTZ pad:
// what the runner is doing now (running, paused while someone steers, at the guard), each
// tour started or stopped, a new tour made from the camera's presets, and the guard set.
import { api, del, get, post, put } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';

interface Tour {
  id: number;
  name: string;
  speed: number;
  enabled: boolean;
  stops: { presetToken: string; dwellS: number }[];
}
interface Run {
  mode: 'tour' | 'guard';
  state: 'running' | 'paused' | 'at_guard';
  tourId: number | null;
  index: number;
  pausedBy: string | null;
}
interface Guard {
  idleS: number;
  presetToken: string | null;
  tourId: number | null;
  enabled: boolean;
}

export function toursPanel(cameraId: number): { el: HTMLElement; dispose(): void } {
  const status = h('div', { class: 'muted', id: 'tour-status' }, '—');
  const list = h('div', { class: 'tour-list', id: 'tour-list' });
  const name = h('input', { id: 'tour-name', placeholder: tr('巡航名称', 'Tour name'), value: tr('巡航', 'Tour') });
  const dwell = h('input', {
    id: 'tour-dwell',
    type: 'number',
    min: '1',
    max: '3600',
    value: '10',
    title: tr('停留秒数', 'Dwell, s'),
  });
  const guardPreset = h('select', { id: 'guard-preset' });
  const guardIdle = h('input', {
    id: 'guard-idle',
    type: 'number',
    min: '5',
    value: '60',
    title: tr('空闲秒数', 'Idle, s'),
  });
  const fail = (err: unknown) => toast(err instanceof Error ? err.message : String(err), 'error');

  // The presets come from the camera itself: asked once, not with every refresh (the camera's
  // session also carries the operator's moves).
  let presets: { token: string; name: string }[] | null = null;
  async function refresh(): Promise<void> {
    presets ??= await api.get('/api/cameras/{id}/ptz/presets', { path: { id: cameraId } });
    const data = await get<{ tours: Tour[]; guard: Guard | null; run: Run | null }>(`/api/cameras/${cameraId}/tours`);
    const run = data.run;
    const tourName = (id: number | null) => data.tours.find((t) => t.id === id)?.name ?? '';
    status.textContent = !run
      ? tr('未巡航', 'No tour running')
      : run.state === 'paused'
        ? `${tr('巡航已暂停', 'Tour paused')}（${run.pausedBy ?? ''} ${tr('控制中', 'steering')}）`
        : run.state === 'at_guard'
          ? tr('已回守望位', 'At the guard position')
          : `${tr('巡航中', 'Touring')}：${tourName(run.tourId)} ${tr('第', 'stop ')}${run.index + 1}${tr('站', '')}`;
    status.dataset['state'] = run?.state ?? 'idle';
    list.replaceChildren(
      ...data.tours.map((t) =>
        h(
          'div',
          { class: 'tour-row', 'data-tour': t.id },
          h('span', {}, `${t.name}（${t.stops.length}${tr('个预置位', ' presets')}）`),
          h(
            'button',
            {
              class: 'chip',
              'data-action': t.enabled ? 'stop-tour' : 'start-tour',
              onclick: () => post(`/api/tours/${t.id}/enabled`, { enabled: !t.enabled }).then(refresh, fail),
            },
            t.enabled ? tr('停止', 'Stop') : tr('启动', 'Start'),
          ),
          h(
            'button',
            {
              class: 'link',
              title: tr('删除', 'Delete'),
              onclick: () => del(`/api/tours/${t.id}`).then(refresh, fail),
            },
            '✕',
          ),
        ),
      ),
    );
    const chosen = data.guard?.presetToken ?? guardPreset.value;
    guardPreset.replaceChildren(
      ...presets.map((p) => h('option', { value: p.token, selected: p.token === chosen }, p.name || p.token)),
    );
    if (data.guard) guardIdle.value = String(data.guard.idleS);
  }

  const create = async () => {
    const fresh = await api.get('/api/cameras/{id}/ptz/presets', { path: { id: cameraId } }).catch(() => []);
    presets = fresh;
    if (fresh.length === 0) return toast(tr('请先设置预置位', 'Set some presets first'), 'error');
    await post(`/api/cameras/${cameraId}/tours`, {
      name: name.value.trim() || tr('巡航', 'Tour'),
      enabled: true,
      stops: fresh.map((p) => ({ presetToken: p.token, dwellS: Number(dwell.value) || 10 })),
    }).then(refresh, fail);
  };
  const saveGuard = () =>
    put(`/api/cameras/${cameraId}/guard`, {
      idleS: Number(guardIdle.value) || 60,
      presetToken: guardPreset.value,
    }).then(() => toast(tr('守望位已保存', 'Guard position saved')), fail);

  const el = h(
    'div',
    { class: 'tours-panel', id: 'tours-panel' },
    h('div', { class: 'ptz-title' }, tr('巡航', 'Tours')),
    status,
    list,
    h(
      'div',
      { class: 'row' },
      name,
      dwell,
      h(
        'button',
        { class: 'chip', id: 'tour-create', onclick: () => void create() },
        tr('用全部预置位新建', 'New from all presets'),
      ),
    ),
    h('div', { class: 'ptz-title' }, tr('守望位', 'Guard position')),
    h(
      'div',
      { class: 'row' },
      guardPreset,
      guardIdle,
      h('button', { class: 'chip', id: 'guard-save', onclick: () => void saveGuard() }, tr('保存', 'Save')),
    ),
  );
  void refresh().catch(() => undefined);
  const timer = setInterval(() => void refresh().catch(() => undefined), 2000);
  return { el, dispose: () => clearInterval(timer) };
}
