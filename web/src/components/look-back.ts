// "What did the cameras here see at 14:05" (回看): on a map card, a time, then the
// cameras that see the point (/api/cameras/visible: in view, or a PTZ camera that can be
// turned there — it may have been looking elsewhere then), each opening playback at that
// instant, or all of them (up to four) in step.
import { api } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { SYNC_MAX } from './playback-sync';
import './playback.css';

/** The towns' clock (China: UTC+8): the time typed is the town's. */
const OFFSET_MS = 8 * 3_600_000;
const toInput = (t: number) => new Date(t + OFFSET_MS).toISOString().slice(0, 16);
const fromInput = (v: string) => Date.parse(`${v}:00Z`) - OFFSET_MS;

const SEEN: Record<string, string> = {
  in_view: tr('视野内', 'in view'),
  reachable_by_ptz: tr('可转向此处', 'can turn here'),
};

/** The 回看 button of a map card; it opens the form in place. Operators and dispatchers only. */
export function lookBackButton(ctx: AppContext, at: [number, number], defaultAt?: number): HTMLElement | null {
  if (!ctx.has('operator', 'dispatcher')) return null;
  const b = h(
    'button',
    { 'data-action': 'look-back', title: tr('这里的摄像机当时看到了什么', 'What the cameras here saw then') },
    tr('回看', 'Look back'),
  );
  b.addEventListener('click', () =>
    b.closest('.card')?.append(lookBack(ctx, at, defaultAt ?? Date.now() - 5 * 60_000)),
  );
  b.addEventListener('click', () => b.remove());
  return b;
}

export function lookBack(ctx: AppContext, [lon, lat]: [number, number], defaultAt: number): HTMLElement {
  const when = h('input', { type: 'datetime-local', id: 'look-back-at', value: toInput(defaultAt), step: 60 });
  const list = h('ul', { class: 'look-back-list', id: 'look-back-cameras' });
  const find = async () => {
    const at = fromInput(when.value);
    if (!Number.isFinite(at)) return toast(tr('请填写时间', 'Enter a time'), 'error');
    let seen;
    try {
      seen = await api.get('/api/cameras/visible', { query: { lon, lat } });
    } catch (err) {
      return toast((err as Error).message, 'error');
    }
    if (seen.length === 0) {
      list.replaceChildren(h('li', { class: 'muted' }, tr('没有摄像机能看到这里', 'No camera sees this point')));
      return;
    }
    const ids = seen.map((s) => s.camera.id);
    list.replaceChildren(
      ...seen.map((s) =>
        h(
          'li',
          { 'data-camera': s.camera.id },
          h('span', {}, `${s.camera.name} · ${Math.round(s.distanceM)} m · ${SEEN[s.visibility] ?? s.visibility}`),
          h(
            'button',
            { class: 'chip', 'data-action': 'play-back', onclick: () => ctx.openPlayback([s.camera.id], at) },
            tr('回放', 'Play'),
          ),
        ),
      ),
      ids.length > 1
        ? h(
            'li',
            {},
            h(
              'button',
              {
                class: 'primary',
                'data-action': 'play-all',
                onclick: () => ctx.openPlayback(ids.slice(0, SYNC_MAX), at),
              },
              `${tr('同步回放', 'Play in step')} (${Math.min(ids.length, SYNC_MAX)})`,
            ),
          )
        : '',
    );
  };
  return h(
    'div',
    { class: 'look-back', id: 'look-back' },
    h(
      'div',
      { class: 'look-back-when' },
      when,
      h('button', { 'data-action': 'look-back-find', onclick: () => void find() }, tr('查看', 'Find')),
    ),
    list,
  );
}
