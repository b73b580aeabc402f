// 交办 queue: what the caller's organisations hold (a department's staff), or every
// handoff of the caller's towns (the command room; a county's staff over all their
// towns), with deadlines ticking; a case's details with the holder's steps: 受理, 反馈
// (what was done, with photos), 退回 (with the reason). Live on `handoffs` events.
// The server filters, orders and pages it: one page of PAGE_SIZE rows is drawn, and a
// county's thousands of cases never travel at once.
import '../components/orgs.css';
import { ApiError, get, post, uploadRaw } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { everyTown, live } from '../live';
import { atMostEvery } from '../at-most-every';
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

const PAGE_SIZE = 50;
/** Live changes reload the page on screen at most this often. */
const RELOAD_MIN_MS = 2000;

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
  total: number;
  limit: number;
  offset: number;
  orgs: { id: number; code: string; name: string; kind: string; duty: string }[];
}

/** The orders the server offers, as the select shows them. */
const SORTS: [string, string][] = [
  ['due:asc', tr('时限最近', 'Deadline soonest')],
  ['offered:desc', tr('最新交办', 'Newest')],
  ['severity:desc', tr('最紧急', 'Most severe')],
  ['town:asc', tr('按乡镇', 'By town')],
];

export function createQueuePage(ctx: AppContext): Page & { openIncident(id: number): void } {
  const rows = h('tbody', { id: 'handoff-rows' });
  const onlyOpen = h('input', { type: 'checkbox', checked: true, id: 'handoff-open' });
  const onlyLate = h('input', { type: 'checkbox', id: 'handoff-overdue' });
  const orgSelect = h('select', { id: 'handoff-org' }, h('option', { value: '' }, tr('我的全部', 'All mine')));
  const stateSelect = h(
    'select',
    { id: 'handoff-state' },
    h('option', { value: '' }, tr('全部状态', 'Any state')),
    ...Object.entries(HANDOFF_STATE).map(([k, v]) => h('option', { value: k }, v)),
  );
  // A county's staff choose a town; a town's staff have one.
  const townSelect =
    ctx.towns.length > 1
      ? h(
          'select',
          { id: 'handoff-town' },
          h('option', { value: '' }, tr('全部乡镇', 'All towns')),
          ...ctx.towns.map((t) => h('option', { value: t.code }, t.name)),
        )
      : null;
  const sortSelect = h('select', { id: 'handoff-sort' }, ...SORTS.map(([v, l]) => h('option', { value: v }, l)));
  const search = h('input', {
    type: 'search',
    id: 'handoff-search',
    placeholder: tr('#编号或描述、地址', '#id or words'),
  });
  const who = h('span', { class: 'muted', id: 'handoff-who' });
  const count = h('span', { class: 'muted', id: 'handoff-count' });
  const prev = h('button', { id: 'handoff-prev', disabled: true }, '‹');
  const next = h('button', { id: 'handoff-next', disabled: true }, '›');
  const pageText = h('span', { class: 'muted', id: 'handoff-page' });
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
        townSelect,
        stateSelect,
        h('label', {}, onlyOpen, tr('仅未办结', 'Open only')),
        h('label', {}, onlyLate, tr('仅超时', 'Overdue only')),
        search,
        sortSelect,
      ),
      h('div', { class: 'wall-toolbar queue-pager' }, count, prev, pageText, next),
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
  let total = 0;
  let offset = 0;
  let selected: number | null = null;
  /** The case shown on the right: it stays there after a step takes it out of the open queue. */
  let shown: QueueItem | null = null;
  let loaded = false;
  /** Counts page requests: only the answer to the latest one is drawn. */
  let request = 0;

  function query(): URLSearchParams {
    const [sort, order] = sortSelect.value.split(':') as [string, string];
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), sort, order });
    if (stateSelect.value) q.set('state', stateSelect.value);
    else q.set('open', String(onlyOpen.checked));
    if (onlyLate.checked) q.set('overdue', 'true');
    if (orgSelect.value) q.set('org', orgSelect.value);
    if (townSelect?.value) q.set('town', townSelect.value);
    if (search.value.trim()) q.set('q', search.value.trim());
    return q;
  }

  /** The newest load: a live reload may supersede one that a caller waits for. */
  let latest: Promise<void> = Promise.resolve();
  function load(): Promise<void> {
    latest = fetchPage();
    return latest;
  }
  /** Resolves once the newest load has drawn its page. */
  async function settled(): Promise<void> {
    let waited: Promise<void>;
    do {
      waited = latest;
      await waited;
    } while (waited !== latest);
  }

  async function fetchPage(): Promise<void> {
    const mine = ++request;
    try {
      const queue = await get<Queue>(`/api/handoffs?${query()}`);
      if (mine !== request) return;
      // The page emptied under us (cases closed meanwhile): step back to the last one.
      if (queue.items.length === 0 && queue.total > 0 && offset > 0) {
        offset = Math.max(0, Math.floor((queue.total - 1) / PAGE_SIZE) * PAGE_SIZE);
        return fetchPage();
      }
      items = queue.items;
      total = queue.total;
      if (!loaded) {
        loaded = true;
        orgSelect.append(...queue.orgs.map((o) => h('option', { value: o.code }, o.name)));
        who.textContent = queue.orgs.map((o) => o.name).join('、');
      }
      render();
    } catch (err) {
      if (mine === request) toast((err as Error).message, 'error');
    }
  }

  /** Filters changed: back to the first page. */
  function reload(): void {
    offset = 0;
    void load();
  }

  function render(): void {
    const now = Date.now();
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const pageNo = Math.floor(offset / PAGE_SIZE) + 1;
    count.textContent = tr(`共 ${total} 件`, `${total} in all`);
    count.dataset['total'] = String(total);
    pageText.textContent = tr(`第 ${pageNo}/${pages} 页`, `page ${pageNo} of ${pages}`);
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE_SIZE >= total;
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
    // The same case drawn again (clicked again, a step, a live change): what was typed stays.
    const before = detail.querySelector<HTMLTextAreaElement>('#step-note');
    const typing = before && document.activeElement === before;
    if (before && detail.dataset['handoff'] === String(handoffId)) note.value = before.value;
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
    detail.dataset['handoff'] = String(handoffId);
    if (typing && detail.contains(note)) note.focus();
  }

  /**
   * One incident's cases, closed ones too (a message's link, `#/handoffs?incident=12`):
   * the queue searched for it, and its case opened (the open one first: they come by deadline).
   */
  async function openIncident(incidentId: number): Promise<void> {
    search.value = `#${incidentId}`;
    for (const select of [stateSelect, orgSelect, townSelect]) if (select) select.value = '';
    onlyOpen.checked = false;
    onlyLate.checked = false;
    offset = 0;
    void load();
    await settled();
    const x = items.find((i) => i.incidentId === incidentId);
    if (x) await open(x.id);
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

  for (const control of [onlyOpen, onlyLate, orgSelect, stateSelect, sortSelect, townSelect])
    control?.addEventListener('change', reload);
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(reload, 300);
  });
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    void load();
  });
  next.addEventListener('click', () => {
    if (offset + PAGE_SIZE < total) offset += PAGE_SIZE;
    void load();
  });
  // Live changes reload the page on screen, not more often than RELOAD_MIN_MS.
  const reloadSoon = atMostEvery(RELOAD_MIN_MS, () => void load());
  // A county's staff see every town's cases: their own stream over all of them, while
  // the page is shown (the top bar's stream carries its town only).
  const stream = ctx.towns.length > 1 ? everyTown : live;
  stream.on('handoffs', reloadSoon);
  // Handoffs the stream did not carry (loaded before it opened, or while it was down).
  stream.onOpen(reloadSoon);
  let release: (() => void) | null = null;
  setInterval(() => {
    const now = Date.now();
    for (const td of rows.querySelectorAll<HTMLElement>('td[data-due]')) {
      const at = Number(td.dataset['due']);
      if (!at) continue;
      td.firstChild!.textContent = `${td.textContent!.split(' ')[0]} ${countdownText(at - now)}`;
      td.classList.toggle('late', at < now);
    }
  }, 1000);
  return {
    el,
    show: () => {
      if (stream === everyTown) release ??= everyTown.need();
      void load();
    },
    hide: () => {
      release?.();
      release = null;
    },
    openIncident: (id) => void openIncident(id),
  };
}
