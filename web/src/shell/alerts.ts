// Camera alarms (motion, line crossing, intrusion, tamper) pushed live: a counter in the
// top bar, a list of the latest, and a toast that opens the camera on the wall.
import { h } from '../dom';
import { tr } from '../i18n';
import { live } from '../live';

interface AlertEvent {
  id: number;
  cameraId: number;
  cameraName: string;
  kind: string;
  count: number;
  gridCode: string | null;
  lastAt: string;
  isNew: boolean;
}

const KIND: Record<string, string> = {
  motion: tr('移动侦测', 'motion'),
  line_crossing: tr('越线', 'line crossing'),
  intrusion: tr('区域入侵', 'intrusion'),
  tamper: tr('遮挡破坏', 'tamper'),
};

export function alertsBadge(openCamera: (id: number) => void): HTMLElement {
  const count = h('span', { class: 'alerts-count', id: 'alerts-count' }, '0');
  const list = h('ul', { class: 'alerts-list', id: 'alerts-list', hidden: true });
  const badge = h(
    'button',
    {
      class: 'link alerts-badge',
      id: 'alerts-badge',
      title: tr('摄像机报警', 'Camera alarms'),
      onclick: () => (list.hidden = !list.hidden),
    },
    '🔔',
    count,
  );
  const latest: AlertEvent[] = [];
  let unseen = 0;
  live.on('alerts', (data) => {
    const a = data as AlertEvent;
    const i = latest.findIndex((x) => x.id === a.id);
    if (i >= 0) latest.splice(i, 1);
    latest.unshift(a);
    latest.length = Math.min(latest.length, 30);
    if (a.isNew) {
      unseen++;
      showToast(a);
    }
    count.textContent = String(unseen);
    badge.classList.toggle('hot', unseen > 0);
    list.replaceChildren(
      ...latest.map((x) =>
        h(
          'li',
          {
            'data-alert': x.id,
            onclick: () => {
              openCamera(x.cameraId);
              list.hidden = true;
            },
          },
          h('b', {}, KIND[x.kind] ?? x.kind),
          ` ${x.cameraName}`,
          x.count > 1 ? ` ×${x.count}` : '',
          h(
            'div',
            { class: 'muted' },
            `${new Date(x.lastAt).toLocaleTimeString('zh-CN', { hour12: false })} · ${tr('网格', 'grid')} ${x.gridCode ?? '—'}`,
          ),
        ),
      ),
    );
  });
  list.addEventListener('click', () => {
    unseen = 0;
    count.textContent = '0';
    badge.classList.remove('hot');
  });

  function showToast(a: AlertEvent): void {
    let box = document.getElementById('toasts');
    if (!box) {
      box = h('div', { id: 'toasts' });
      document.body.appendChild(box);
    }
    const t = h(
      'div',
      { class: 'toast toast-error alert-toast', 'data-alert': a.id },
      `${tr('报警', 'Alarm')}: ${KIND[a.kind] ?? a.kind} · ${a.cameraName} `,
      h(
        'button',
        {
          class: 'link',
          'data-action': 'watch-alert',
          onclick: () => {
            openCamera(a.cameraId);
            t.remove();
          },
        },
        tr('查看画面', 'Watch'),
      ),
    );
    box.appendChild(t);
    setTimeout(() => t.remove(), 15_000);
  }

  return h('span', { class: 'alerts' }, badge, list);
}
