// The incident card's evidence (证据录像): the footage of each camera that saw the
// incident's point, held from retention, played in place.
import { get } from '../api';
import { h } from '../dom';
import { tr } from '../i18n';
import { PlaybackView } from './playback-view';

interface Clip {
  camera: { id: number; name: string };
  from: string;
  to: string;
  heldUntil: string | null;
  recordedS: number;
}

export function evidenceCard(incidentId: number): HTMLElement {
  const box = h(
    'div',
    { class: 'incident-evidence', id: 'incident-evidence' },
    h('h4', {}, tr('证据录像', 'Evidence footage')),
  );
  let view: PlaybackView | null = null;
  void get<{ clips: Clip[] }>(`/api/incidents/${incidentId}/evidence`)
    .then(({ clips }) => {
      if (clips.length === 0)
        box.append(h('p', { class: 'muted' }, tr('没有摄像机看到此处', 'No camera sees this place')));
      for (const c of clips)
        box.append(
          h(
            'button',
            {
              class: 'chip',
              'data-evidence-camera': c.camera.id,
              onclick: () => {
                view?.dispose();
                view = new PlaybackView({
                  cameraId: c.camera.id,
                  range: { from: Date.parse(c.from), to: Date.parse(c.to) },
                  compact: true,
                });
                box.append(view.el);
              },
            },
            `▶ ${c.camera.name} (${c.recordedS}${tr('秒', ' s')})`,
          ),
        );
    })
    .catch(() => box.append(h('p', { class: 'muted' }, tr('无权查看录像', 'No video rights'))));
  return box;
}
