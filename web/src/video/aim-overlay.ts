// Aim by the picture over the steered view: a click centres that point, a dragged box is
// zoomed into (区域放大), and a zoom slider; all go to /ptz/aim, i.e. through the PTZ lock.
import { ApiError, post } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';

/** A press that moves less than this is a click, not a box. */
const CLICK_PX = 6;

/** The part of the element the picture fills (object-fit: contain leaves bars). */
function pictureRect(video: HTMLVideoElement): DOMRect {
  const box = video.getBoundingClientRect();
  const vw = video.videoWidth || 16;
  const vh = video.videoHeight || 9;
  const scale = Math.min(box.width / vw, box.height / vh);
  const w = vw * scale;
  const ht = vh * scale;
  return new DOMRect(box.left + (box.width - w) / 2, box.top + (box.height - ht) / 2, w, ht);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function aimOverlay(
  cameraId: number,
  video: () => HTMLVideoElement,
  onAimed?: () => void,
): { overlay: HTMLElement; zoom: HTMLInputElement } {
  const box = h('div', { class: 'aim-box', hidden: true });
  const overlay = h(
    'div',
    {
      class: 'aim-overlay',
      id: 'aim-overlay',
      title: tr('单击：居中该点；拖框：放大该区域', 'Click: centre that point; drag a box: zoom into it'),
    },
    box,
  );
  const zoom = h('input', {
    type: 'range',
    min: '0',
    max: '1',
    step: '0.01',
    value: '0',
    id: 'aim-zoom',
    title: tr('变倍', 'Zoom'),
  }) as HTMLInputElement;

  const send = (body: Record<string, number>) =>
    post(`/api/cameras/${cameraId}/ptz/aim`, body)
      .then(() => onAimed?.())
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 409)
          toast(`${tr('云台被占用', 'Camera is steered by someone else')}: ${err.message}`, 'error');
        else toast(err instanceof Error ? err.message : String(err), 'error');
      });

  let start: { x: number; y: number } | null = null;
  overlay.addEventListener('pointerdown', (e) => {
    start = { x: e.clientX, y: e.clientY };
    overlay.setPointerCapture(e.pointerId);
  });
  overlay.addEventListener('pointermove', (e) => {
    if (!start) return;
    const o = overlay.getBoundingClientRect();
    const left = Math.min(start.x, e.clientX) - o.left;
    const top = Math.min(start.y, e.clientY) - o.top;
    box.hidden = Math.hypot(e.clientX - start.x, e.clientY - start.y) < CLICK_PX;
    Object.assign(box.style, {
      left: `${left}px`,
      top: `${top}px`,
      width: `${Math.abs(e.clientX - start.x)}px`,
      height: `${Math.abs(e.clientY - start.y)}px`,
    });
  });
  overlay.addEventListener('pointerup', (e) => {
    if (!start) return;
    const from = start;
    start = null;
    box.hidden = true;
    const pic = pictureRect(video());
    const fx = (px: number) => clamp01((px - pic.left) / pic.width);
    const fy = (py: number) => clamp01((py - pic.top) / pic.height);
    if (Math.hypot(e.clientX - from.x, e.clientY - from.y) < CLICK_PX) {
      void send({ x: fx(e.clientX), y: fy(e.clientY) });
      return;
    }
    const x0 = fx(Math.min(from.x, e.clientX));
    const x1 = fx(Math.max(from.x, e.clientX));
    const y0 = fy(Math.min(from.y, e.clientY));
    const y1 = fy(Math.max(from.y, e.clientY));
    if (x1 - x0 <= 0 || y1 - y0 <= 0) return;
    void send({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 });
  });
  zoom.addEventListener('change', () => void send({ zoom: Number(zoom.value) }));
  return { overlay, zoom };
}
