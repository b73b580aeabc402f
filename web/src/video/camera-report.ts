// 上报事件 from the enlarged view: an incident "from what a camera shows". The incident is
// placed where the camera stands (its placement) and the server attaches the camera's
// picture of the moment. The form floats over the video, which keeps playing.
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { h } from '../dom';
import { tr } from '../i18n';
import { reportForm } from '../components/report-form';
import './camera-report.css';

/**
 * The bar's 上报事件 button for this camera (null for roles that may not report), or a
 * note saying why there is none when the camera has not been placed on the map.
 * `host` is the positioned box the form floats in.
 */
export function cameraReportButton(ctx: AppContext, cameraId: number, host: HTMLElement): HTMLElement | null {
  if (!ctx.has('operator', 'dispatcher')) return null;
  const placement = cameras.get(cameraId)?.placement;
  if (!placement) {
    return h(
      'span',
      {
        class: 'muted',
        id: 'enlarged-report-unplaced',
        title: tr('安装人员在地图上放置摄像机后才能从画面上报', 'An installer must place the camera on the map first'),
      },
      tr('摄像机未标定位置，不能上报事件', 'Camera not placed: cannot report'),
    );
  }
  let panel: HTMLElement | null = null;
  const button = h(
    'button',
    { class: 'link', id: 'enlarged-report', 'data-action': 'report-from-camera' },
    tr('上报事件', 'Report'),
  );
  const closePanel = () => {
    panel?.remove();
    panel = null;
    button.classList.remove('active');
  };
  button.addEventListener('click', () => {
    if (panel) return closePanel();
    // The camera's placement now (an installer may have moved it since the view opened).
    const at = cameras.get(cameraId)?.placement ?? placement;
    const name = cameras.get(cameraId)?.name ?? `#${cameraId}`;
    panel = h(
      'div',
      { class: 'camera-report', id: 'camera-report' },
      h(
        'div',
        { class: 'camera-report-head' },
        h('strong', {}, tr('从画面上报事件', 'Report what the camera shows')),
        h(
          'button',
          { class: 'link', id: 'camera-report-close', title: tr('取消', 'Cancel'), onclick: closePanel },
          '✕',
        ),
      ),
      h(
        'div',
        { class: 'muted', id: 'camera-report-where' },
        `${name} · ${tr('位置取摄像机安装处', "at the camera's position")} ${at.lat.toFixed(5)}, ${at.lon.toFixed(5)}${at.gridCode ? ` · ${tr('网格', 'grid')} ${at.gridCode}` : ''}`,
      ),
      reportForm(at.lon, at.lat, closePanel, { cameraId, openIncident: (id) => ctx.openIncident(id) }),
    );
    host.appendChild(panel);
    button.classList.add('active');
    panel.querySelector<HTMLSelectElement>('#report-type')?.focus();
  });
  return button;
}
