// 交办 queue: what the caller's organisations hold (a department's staff), or every
// handoff of the caller's towns (the command room; a county's staff over all their
// towns), with deadlines ticking; a case's details with the holder's steps: 受理, 反馈
// (what was done, with photos), 退回 (with the reason). Live on `handoffs` events.
import '../components/orgs.css';
import { ApiError, get, post, uploadRaw } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { live } from '../live';
import type { Page } from '../page';
import { countdownText } from '../components/countdown';
import {
  HANDOFF_KIND,
  HANDOFF_STATE,
  PLATFORM_LABEL,
  STEP_LABEL,
  dueOfHandoff,
  fill,
  timeText,
  type Handoff,
  type IncidentHandoffs,
} from '../components/org-labels';

interface QueueItem extends Handoff {
  incident: {
    id: number;
    subcategoryName: string;
    platform: string;
    severity: number;
    description: string;
    address: string | null;
    lon: number;
    lat: number;
    state: string;
    gridCode: string | null;
    townName: string;
    reportedAt: string;
  };
}
interface Queue {
  items: QueueItem[];
  orgs: { id: number; code: string; name: string; kind: string; duty: string }[];
}

export function createQueuePage(ctx: AppContext): Page {
  const rows = h('tbody', { id: 'handoff-rows' });
  const onlyOpen = h('input', { type: 'checkbox', checked: true, id: 'handoff-open' });
  const orgSelect = h('select', { id: 'handoff-org' }, h('option', { value: '' }, tr('我的全部', 'All mine')));
  const who = h('span', { class: 'muted', id: 'handoff-who' });
  const detail = h('section', { id: 'handoff-detail' }, h('div', { class: 'muted' }, tr('选择一件', 'Choose a case')));
  const el = h(
    'div',
    { class: 'handoff-queue' },
    h(
      'section',
      {},
      h(
        'div',
        { class: 'wall-toolbar' },
        h('b', {}, tr('交办事项', 'Cases handed to us')),
        who,
        orgSelect,
        h('label', {}, onlyOpen, tr('仅未办结', 'Open only')),
        h('span', { class: 'muted', id: 'handoff-count' }),
      ),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              tr('事件', 'Incident'),
              tr('乡镇', 'Town'),
              tr('承办', 'Holder'),
              tr('状态', 'State'),
              tr('时限', 'Deadline'),
            ].map((x) => h('th', {}, x)),
          ),
        ),
        rows,
      ),
    ),
    detail,
  );
  let items: QueueItem[] = [];
  let selected: number | null = null;
  /** The case shown on the right: it stays there after a step takes it out of the open queue. */
  let shown: QueueItem | null = null;
  let loaded = false;

  async function load(): Promise<void> {
    const q = new URLSearchParams({ open: String(onlyOpen.checked) });
    if (orgSelect.value) q.set('org', orgSelect.value);
    try {
      const queue = await get<Queue>(`/api/handoffs?${q}`);
      items = queue.items;
      if (!loaded) {
        loaded = true;
        orgSelect.append(...queue.orgs.map((o) => h('option', { value: o.code }, o.name)));
        who.textContent = queue.orgs.map((o) => o.name).join('、');
      }
      render();
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  function render(): void {
    const now = Date.now();
    document.getElementById('handoff-count')!.textContent = `${items.length}`;
    rows.replaceChildren(
      ...items.map((x) => {
        const due = dueOfHandoff(x);
        return h(
          'tr',
          {
            class: `clickable${x.id === selected ? ' selected' : ''}`,
            'data-queue-handoff': x.id,
            'data-queue-incident': x.incidentId,
            onclick: () => open(x.id),
          },
          h(
            'td',
            {},
            h('span', { class: `sev sev-${x.incident.severity}` }, String(x.incident.severity)),
            ' ',
            h('b', {}, x.incident.subcategoryName),
            h('span', { class: 'muted' }, ` #${x.incidentId} ${x.incident.description.slice(0, 24)}`),
          ),
          h('td', {}, x.incident.townName),
          h(
            'td',
            {},
            `${x.org.name}`,
            h('div', { class: 'muted' }, `${HANDOFF_KIND[x.kind]}·${x.role === 'lead' ? '主办' : '协办'}`),
          ),
          h('td', { 'data-state': x.state }, HANDOFF_STATE[x.state] ?? x.state),
          h(
            'td',
            { class: due && due.at < now ? 'late' : '', 'data-due': due?.at ?? '' },
            due ? `${due.label} ${countdownText(due.at - now)}` : '—',
            x.cards.length ? ` 🟨×${x.cards.length}` : '',
          ),
        );
      }),
    );
  }

  async function open(handoffId: number): Promise<void> {
    selected = handoffId;
    render();
    const x = items.find((i) => i.id === handoffId) ?? (shown?.id === handoffId ? shown : undefined);
    if (!x) return;
    shown = x;
    let d: IncidentHandoffs;
    try {
      d = await get<IncidentHandoffs>(`/api/incidents/${x.incidentId}/handoffs`);
    } catch (err) {
      detail.replaceChildren(h('div', { class: 'login-error' }, (err as Error).message));
      return;
    }
    const mine = d.handoffs.find((y) => y.id === handoffId) ?? x;
    const steps = (d.actions[handoffId] ?? []).filter((a) => ['accept', 'feedback', 'return'].includes(a));
    const note = h('textarea', {
      id: 'step-note',
      placeholder: tr('办理情况 / 退回理由', 'What was done / why returned'),
    });
    const photo = h('input', { type: 'file', accept: 'image/*', id: 'step-photo' });
    const photoStatus = h('span', { class: 'muted', id: 'step-photo-status' });
    photo.addEventListener('change', () => {
      const file = photo.files?.[0];
      if (!file) return;
      photoStatus.textContent = tr('上传中…', 'Uploading…');
      uploadRaw(`/api/incidents/${x.incidentId}/handoffs/photos`, file, () => undefined)
        .then(() => (photoStatus.textContent = tr('照片已上传', 'Photo uploaded')))
        .catch((err: Error) => (photoStatus.textContent = err.message));
    });
    fill(
      detail,
      h('h3', {}, `${x.incident.subcategoryName} #${x.incidentId}`),
      h('div', {}, x.incident.description),
      h(
        'div',
        { class: 'muted' },
        `${x.incident.townName} · ${x.incident.address ?? `${x.incident.lon.toFixed(5)}, ${x.incident.lat.toFixed(5)}`} · ${PLATFORM_LABEL[x.incident.platform] ?? ''}`,
      ),
      h(
        'div',
        {},
        `${HANDOFF_KIND[mine.kind]} ${tr('自', 'from')} ${mine.fromOrg?.name ?? '—'} · ${timeText(mine.offeredAt)}`,
      ),
      mine.note ? h('div', {}, `${tr('交办意见', 'Instructions')}: ${mine.note}`) : null,
      h('div', { id: 'step-state' }, `${tr('状态', 'State')}: ${HANDOFF_STATE[mine.state] ?? mine.state}`),
      h('button', { onclick: () => ctx.showOnMap(x.incident.lon, x.incident.lat) }, tr('地图定位', 'On the map')),
      steps.length
        ? h(
            'div',
            { class: 'step-box' },
            note,
            steps.includes('feedback') ? h('label', {}, tr('反馈照片 ', 'Photo '), photo, photoStatus) : null,
            h(
              'div',
              { class: 'card-actions' },
              ...steps.map((a) =>
                h(
                  'button',
                  {
                    'data-step': a,
                    class: a === 'return' ? '' : 'primary',
                    onclick: () => void step(x, a, note.value),
                  },
                  STEP_LABEL[a] ?? a,
                ),
              ),
            ),
          )
        : null,
      h('h3', {}, tr('交办记录', 'Steps')),
      h(
        'ul',
        { class: 'timeline' },
        ...d.events.map((e) =>
          h(
            'li',
            {},
            h('span', { class: 'muted' }, timeText(e.at)),
            ` ${e.actor.label}${e.actor.org ? `（${e.actor.org.name}）` : ''} · ${STEP_LABEL[e.action] ?? e.action}`,
            e.note ? h('div', { class: 'muted' }, e.note) : null,
          ),
        ),
      ),
    );
  }

  async function step(x: QueueItem, action: string, note: string): Promise<void> {
    try {
      await post(`/api/incidents/${x.incidentId}/handoffs/steps`, {
        action,
        note: note || undefined,
        org: x.org.code,
      });
      toast(`${STEP_LABEL[action]} ✓`, 'ok');
      await load();
      if (selected) await open(selected);
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    }
  }

  onlyOpen.addEventListener('change', () => void load());
  orgSelect.addEventListener('change', () => void load());
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void load(), 200);
  };
  live.on('handoffs', reloadSoon);
  // Handoffs the stream did not carry (loaded before it opened, or while it was down).
  live.onOpen(reloadSoon);
  setInterval(() => {
    const now = Date.now();
    for (const td of rows.querySelectorAll<HTMLElement>('td[data-due]')) {
      const at = Number(td.dataset['due']);
      if (!at) continue;
      td.firstChild!.textContent = `${td.textContent!.split(' ')[0]} ${countdownText(at - now)}`;
      td.classList.toggle('late', at < now);
    }
  }, 1000);
  return { el, show: () => void load() };
}
