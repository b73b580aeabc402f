// 回放 on a video-wall tile: the tile's live picture gives way to a compact playback of
// the same camera from a minute ago; 直播 puts the live picture back.
import { h } from '../dom';
import { tr } from '../i18n';
import { PlaybackView } from './playback-view';

export function playbackInTile(tile: HTMLElement, cameraId: number, backToLive: () => void): void {
  const view = new PlaybackView({ cameraId, compact: true });
  const overlay = h(
    'div',
    { class: 'tile-playback', 'data-camera': cameraId },
    h(
      'button',
      {
        class: 'chip tile-live',
        onclick: (e: Event) => {
          e.stopPropagation();
          view.dispose();
          overlay.remove();
          backToLive();
        },
      },
      tr('直播', 'Live'),
    ),
    view.el,
  );
  overlay.addEventListener('click', (e) => e.stopPropagation());
  tile.append(overlay);
}
