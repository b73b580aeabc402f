// 回放: pick a camera, see its day, play from any instant; tick up to four and play them
// in step (同步回放); admins set the camera's recording policy (off / continuous / on
// alarm / schedule, stream, retention) here. Other pages open it at an instant
// (ctx.openPlayback: the map's "what did the cameras here see").
import { get, put } from '../api';
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';
import { PlaybackView } from '../components/playback-view';
import { PlaybackSync, SYNC_MAX } from '../components/playback-sync';

interface Policy {
  mode: 'off' | 'continuous' | 'on_alarm' | 'schedule';
  stream: 'main' | 'sub';
  preRollS: number;
  postRollS: number;
  schedule: { day: number; from: string; to: string }[];
  retentionDays: number;
  status: { state: string; lastError: string | null } | null;
}

const MODES: [Policy['mode'], string][] = [
  ['off', tr('不录像（仅短时缓存）', 'Off (short buffer only)')],
  ['continuous', tr('连续录像', 'Continuous')],
  ['on_alarm', tr('报警录像', 'On alarm')],
  ['schedule', tr('按计划录像', 'By schedule')],
];

/** "1 08:00-18:00, 2 08:00-18:00" ⇄ windows (day 0 = Sunday). */
const scheduleText = (s: Policy['schedule']) => s.map((w) => `${w.day} ${w.from}-${w.to}`).join(', ');
function parseSchedule(text: string): Policy['schedule'] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^([0-6])\s+(\d\d:\d\d)-(\d\d:\d\d)$/.exec(p);
      if (!m) throw new Error(tr(`无法识别的时间段：${p}`, `Unreadable window: ${p}`));
      return { day: Number(m[1]), from: m[2]!, to: m[3]! };
    });
}

function policyEditor(cameraId: number): HTMLElement {
  const mode = h('select', { id: 'policy-mode' }, ...MODES.map(([v, l]) => h('option', { value: v }, l)));
  const stream = h(
    'select',
    { id: 'policy-stream' },
    h('option', { value: 'sub' }, tr('子码流', 'Sub stream')),
    h('option', { value: 'main' }, tr('主码流', 'Main stream')),
  );
  const pre = h('input', { type: 'number', min: 0, max: 300, id: 'policy-pre', class: 'num' });
  const post = h('input', { type: 'number', min: 0, max: 3600, id: 'policy-post', class: 'num' });
  const days = h('input', { type: 'number', min: 1, max: 3650, id: 'policy-retention', class: 'num' });
  const schedule = h('input', { id: 'policy-schedule', placeholder: '1 08:00-18:00, 2 08:00-18:00' });
  const state = h('span', { class: 'muted', id: 'policy-state' });
  void get<Policy>(`/api/cameras/${cameraId}/recording-policy`).then((p) => {
    mode.value = p.mode;
    stream.value = p.stream;
    pre.value = String(p.preRollS);
    post.value = String(p.postRollS);
    days.value = String(p.retentionDays);
    schedule.value = scheduleText(p.schedule);
    state.textContent = p.status ? `${tr('录像状态', 'Recorder')}: ${p.status.state}` : '';
  });
  const save = async () => {
    try {
      await put(`/api/cameras/${cameraId}/recording-policy`, {
        mode: mode.value,
        stream: stream.value,
        preRollS: Number(pre.value),
        postRollS: Number(post.value),
        retentionDays: Number(days.value),
        schedule: parseSchedule(schedule.value),
      });
      toast(tr('录像策略已保存', 'Recording policy saved'), 'ok');
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  return h(
    'fieldset',
    { class: 'policy-editor' },
    h('legend', {}, tr('录像策略', 'Recording policy')),
    mode,
    stream,
    h('label', {}, tr('预录(秒)', 'Pre-roll s'), pre),
    h('label', {}, tr('延录(秒)', 'Post-roll s'), post),
    h('label', {}, tr('保存(天)', 'Keep days'), days),
    h('label', {}, tr('计划(星期 时段)', 'Schedule (weekday window)'), schedule),
    h('button', { id: 'policy-save', onclick: () => void save() }, tr('保存', 'Save')),
    state,
  );
}

export interface PlaybackPage extends Page {
  /** One camera from an instant (ms). */
  open(cameraId: number, at?: number): void;
  /** Up to four cameras in step from an instant (one camera: as open). */
  openGroup(cameraIds: number[], at: number): void;
}

export function createPlaybackPage(ctx: AppContext): PlaybackPage {
  let view: PlaybackView | null = null;
  let group: PlaybackSync | null = null;
  const ticked = new Set<number>();
  const list = h('ul', { class: 'camera-list', id: 'playback-cameras' });
  const main = h(
    'div',
    { class: 'playback-main', id: 'playback-main' },
    h(
      'p',
      { class: 'muted' },
      tr('选择摄像机；勾选多台可同步回放', 'Choose a camera; tick several to play them in step'),
    ),
  );
  const name = (id: number) => cameras.get(id)?.name ?? `#${id}`;
  const close = () => {
    view?.dispose();
    group?.dispose();
    view = null;
    group = null;
  };
  const open = (cameraId: number, at?: number) => {
    close();
    view = new PlaybackView({ cameraId, at });
    main.replaceChildren(h('h3', {}, name(cameraId)), view.el, ctx.has('admin') ? policyEditor(cameraId) : '');
  };
  const openGroup = (cameraIds: number[], at: number) => {
    const ids = [...new Set(cameraIds)].slice(0, SYNC_MAX);
    if (ids.length === 1) return open(ids[0]!, at);
    if (ids.length === 0) return;
    close();
    group = new PlaybackSync(ids, at, name);
    main.replaceChildren(group.el);
  };
  const syncButton = h(
    'button',
    {
      id: 'playback-sync-open',
      class: 'primary',
      disabled: true,
      onclick: () => openGroup([...ticked], view?.now ?? group?.clock?.now ?? Date.now() - 60_000),
    },
    tr('同步回放', 'Play in step'),
  );
  const markTicked = () => {
    syncButton.disabled = ticked.size < 2;
    syncButton.textContent = `${tr('同步回放', 'Play in step')} (${ticked.size}/${SYNC_MAX})`;
  };
  const draw = () =>
    list.replaceChildren(
      ...cameras.all().map((c) => {
        const box = h('input', {
          type: 'checkbox',
          'data-sync': c.id,
          checked: ticked.has(c.id),
          title: tr('同步回放', 'Play in step'),
        });
        box.addEventListener('click', (e) => e.stopPropagation());
        box.addEventListener('change', () => {
          if (box.checked && ticked.size >= SYNC_MAX) {
            box.checked = false;
            return toast(tr(`最多同步 ${SYNC_MAX} 台`, `At most ${SYNC_MAX} cameras in step`), 'error');
          }
          if (box.checked) ticked.add(c.id);
          else ticked.delete(c.id);
          markTicked();
        });
        return h('li', { 'data-camera': c.id, onclick: () => open(c.id) }, box, h('span', { class: 'name' }, c.name));
      }),
    );
  markTicked();
  cameras.subscribe(draw);
  void cameras.load().then(draw);
  const el = h(
    'section',
    { class: 'playback-page wall-page' },
    h('aside', { class: 'wall-side' }, h('h3', {}, tr('回放', 'Playback')), syncButton, list),
    main,
  );
  return { el, open, openGroup };
}
