// Dispatch: the incident queue by urgency and deadline (live; new ones flash, the shell
// chimes for them on every page), an incident's card with reports, photos, timeline and countdown, the nearest
// gridworkers to send, and the steps of the closed loop.
import { evidenceCard } from '../components/evidence-card';
import { api, ApiError, get, getToken } from '../api';
import type { AppContext } from '../context';
import { append, formatAge, h, toast } from '../dom';
import { lang, tr } from '../i18n';
import type { IncidentAction, IncidentState } from '../api/types';
import { CLOSED_DAYS, incidents, OPEN_STATES, STATE_LABEL, type Incident } from '../incidents-store';
import type { Page } from '../page';
import { mergePicker, photoUploader, type MergeUiState } from './card-extras';
import { placingPanel, UNLOCATED, unlocatedList } from './unlocated';
import { handoffPanel } from '../components/handoff-panel'; // orgs
import { describeReclassify, loadTaxonomy, reclassifyPicker } from './reclassify'; // orgs

const PLATFORM: Record<string, string> = {
  zongzhi: '综治工作',
  shichang: '市场监管',
  zhifa: '综合执法',
  bianmin: '便民服务',
};
const DUTY: Record<string, string> = {
  on_duty: tr('在岗', 'on duty'),
  busy: tr('忙碌', 'busy'),
  off_duty: tr('离岗', 'off duty'),
};
/** The citizen's rating asked for by the revisit (回访): the server refuses a revisit without it. */
const RATING_LABEL = ['', '很不满意', '不满意', '一般', '满意', '非常满意'];
const ACTION_LABEL: Record<IncidentAction, string> = {
  start: tr('开始处置', 'Start'),
  handle: tr('处置完成', 'Handled'),
  verify: tr('回访', 'Verify'),
  close: tr('办结', 'Close'),
  return: tr('退回', 'Return'),
  escalate: tr('上报', 'Escalate'),
  merge: tr('合并', 'Merge'),
};
/** Timeline entries that are not steps of the loop. */
const RECORD_LABEL: Record<string, string> = {
  media: tr('添加照片', 'Photo added'),
  dispatch: tr('派遣', 'Dispatch'),
  accept: tr('接单', 'Accept'),
  reclassify: tr('改类改级', 'Reclassified'), // orgs
};

interface Candidate {
  personId: number;
  name: string;
  dutyStatus: string;
  distanceM: number;
  positionAgeS: number;
  openTasks: number;
  ownGrid: boolean;
}
interface Detail {
  incident: Incident & { mergedInto?: number | null };
  mergedFrom?: number[];
  reports: { id: number; source: string; description: string; receivedAt: string }[];
  media: { id: number; kind: string; contentType: string }[];
  timeline: {
    id: number;
    at: string;
    action: string;
    toState: IncidentState;
    actor: { label: string };
    note: string | null;
    data?: unknown;
  }[];
  offers: { personId: number; outcome: string; offeredAt: string }[];
  actions: string[];
}

/** The deadline that matters now: accepting until someone takes it, then finishing. */
export function dueOf(i: Incident): { kind: string; at: number } {
  return i.acceptedAt || !['reported', 'dispatched', 'returned', 'escalated'].includes(i.state)
    ? { kind: tr('办结', 'finish'), at: Date.parse(i.finishDueAt) }
    : { kind: tr('受理', 'accept'), at: Date.parse(i.acceptDueAt) };
}

export function countdown(ms: number): string {
  const late = ms < 0;
  const s = Math.abs(Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const text =
    d > 0
      ? `${d}${tr('天', 'd')}${hh}${tr('时', 'h')}`
      : `${hh}:${String(mm).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return late ? `${tr('超时', 'late')} ${text}` : text;
}

export function createDispatchPage(ctx: AppContext): Page & { openIncident(id: number): void } {
  const rows = h('tbody', { id: 'queue-rows' });
  const onlyOpen = h('input', { type: 'checkbox', checked: true, id: 'queue-open' });
  const platform = h(
    'select',
    { id: 'queue-platform' },
    h('option', { value: '' }, tr('全部平台', 'All platforms')),
    ...Object.entries(PLATFORM).map(([k, v]) => h('option', { value: k }, v)),
  );
  const card = h(
    'div',
    { class: 'incident-card', id: 'incident-card' },
    h('div', { class: 'muted' }, tr('选择一个事件', 'Choose an incident')),
  );
  // 待定位 calls above the queue; the card of one shows the map to place it on.
  const waiting = unlocatedList((id) => void open(id));
  let placingUi: { incidentId: number; el: HTMLElement | null } = { incidentId: 0, el: null };
  const el = h(
    'section',
    { class: 'dispatch-page' },
    h(
      'div',
      { class: 'queue' },
      waiting.el,
      h(
        'div',
        { class: 'wall-toolbar' },
        h('b', {}, tr('事件队列', 'Incident queue')),
        h(
          'label',
          {
            title: tr(
              `不勾选时另列近 ${CLOSED_DAYS} 天内上报、已办结的事件`,
              `Unticked, closed incidents reported in the last ${CLOSED_DAYS} days are listed too`,
            ),
          },
          onlyOpen,
          tr('仅未办结', 'Open only'),
        ),
        platform,
        h('span', { class: 'muted', id: 'queue-count' }),
        h('span', { class: 'muted', id: 'queue-note' }),
      ),
      h(
        'div',
        { class: 'table-box' },
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
                '',
                tr('事件', 'Incident'),
                tr('网格', 'Grid'),
                tr('状态', 'State'),
                tr('处置人', 'Assignee'),
                tr('时限', 'Deadline'),
                tr('上报', 'Reported'),
              ].map((x) => h('th', {}, x)),
            ),
          ),
          rows,
        ),
      ),
    ),
    card,
  );
  let selected: number | null = null;
  /** The merge picker of the card on screen, kept open across live redraws of that card. */
  let mergeUi: MergeUiState & { incidentId: number } = { incidentId: 0, open: false, chosen: null };
  /** The note field of the card on screen: the same element across redraws, so what is half typed stays. */
  let noteUi: { incidentId: number; input: HTMLInputElement } = { incidentId: 0, input: noteInput() };
  /** The revisit's rating picker of the card on screen, kept across redraws like the note. */
  let ratingUi: { incidentId: number; select: HTMLSelectElement } = { incidentId: 0, select: ratingSelect() };
  /** orgs: the handoff panel of the card on screen, the same across redraws (it refreshes itself). */
  let handoffUi: { incidentId: number; el: HTMLElement | null } = { incidentId: 0, el: null };
  /** orgs: the 改类改级 picker of the card on screen, kept across live redraws (what is half chosen stays). */
  let reclassUi: { incidentId: number; picker: ReturnType<typeof reclassifyPicker> | null } = {
    incidentId: 0,
    picker: null,
  };
  /**
   * The photo uploader of each incident whose upload is still going, and of the card on
   * screen: put back into the card when it is drawn again, so progress and the answer stay.
   */
  const uploaders = new Map<number, { el: HTMLElement; busy(): boolean }>();
  /** Counts card requests: only the answer to the latest one is drawn. */
  let cardRequest = 0;
  /** A redraw of the card on screen asked for by live changes, drawn once they pause. */
  let redrawTimer: ReturnType<typeof setTimeout> | undefined;
  /** The incident this page changed itself last, as the server answered: its echo on the push stream draws nothing new. */
  const thumbs = createThumbs();
  const fresh = new Set<number>();

  function visible(): Incident[] {
    return incidents
      .all()
      .filter((i) => i.state !== UNLOCATED)
      .filter((i) => !onlyOpen.checked || OPEN_STATES.includes(i.state))
      .filter((i) => !platform.value || i.platform === platform.value)
      .sort((a, b) => b.severity - a.severity || dueOf(a).at - dueOf(b).at);
  }

  function render(): void {
    const list = visible();
    waiting.render(incidents.all(), selected);
    const now = Date.now();
    document.getElementById('queue-count')!.textContent = `${list.length}`;
    document.getElementById('queue-note')!.textContent = queueNote();
    rows.replaceChildren(
      ...list.map((i) => {
        const due = dueOf(i);
        return h(
          'tr',
          {
            class: `clickable${i.id === selected ? ' selected' : ''}${fresh.has(i.id) ? ' fresh' : ''}`,
            'data-incident': i.id,
            onclick: () => void open(i.id),
          },
          h('td', {}, h('span', { class: `sev sev-${i.severity}` }, String(i.severity))),
          h('td', {}, h('b', {}, i.subcategoryName), h('span', { class: 'muted' }, ` ${i.description.slice(0, 24)}`)),
          h('td', {}, i.gridCode ?? '—'),
          h('td', { 'data-state': i.state }, STATE_LABEL[i.state] ?? i.state),
          h('td', {}, i.assignee?.name ?? '—'),
          h('td', { class: due.at < now ? 'late' : '', 'data-due': due.at }, `${due.kind} ${countdown(due.at - now)}`),
          h('td', { class: 'muted' }, formatAge((now - Date.parse(i.reportedAt)) / 1000, lang)),
        );
      }),
    );
  }
  // Countdowns tick once a second; the table is small (the open queue).
  setInterval(() => {
    const now = Date.now();
    for (const td of rows.querySelectorAll<HTMLElement>('td[data-due]')) {
      const at = Number(td.dataset['due']);
      td.textContent = `${td.textContent!.split(' ')[0]} ${countdown(at - now)}`;
      td.classList.toggle('late', at < now);
    }
  }, 1000);
  onlyOpen.addEventListener('change', () => {
    render();
    void incidents.includeClosed(!onlyOpen.checked).catch((err: Error) => toast(err.message, 'error'));
  });
  platform.addEventListener('change', render);

  /** What the queue does not show: closed ones reported earlier than CLOSED_DAYS ago, and what the list's limit cut. */
  function queueNote(): string {
    const { open: o, closed: c } = incidents.loadCounts();
    const notes: string[] = [];
    if (o && o.total > o.loaded)
      notes.push(tr(`未办结共 ${o.total} 起，只载入了 ${o.loaded} 起`, `${o.total} open, only ${o.loaded} loaded`));
    if (!onlyOpen.checked) {
      notes.push(
        tr(`已办结的只列近 ${CLOSED_DAYS} 天内上报的`, `closed: only those reported in the last ${CLOSED_DAYS} days`),
      );
      if (c && c.total > c.loaded)
        notes.push(tr(`其中共 ${c.total} 起，只载入了 ${c.loaded} 起`, `${c.total} of them, only ${c.loaded} loaded`));
    }
    return notes.length ? ` · ${notes.join('；')}` : '';
  }

  /** Draws the card of `id` again soon, once for changes that come together (a step's answer and its echo). */
  function redrawSoon(id: number): void {
    clearTimeout(redrawTimer);
    redrawTimer = setTimeout(() => {
      if (selected === id) void open(id, false);
    }, 150);
  }

  incidents.subscribe((_list, changed) => {
    if (changed?.isNew) {
      fresh.add(changed.incident.id);
      setTimeout(() => {
        fresh.delete(changed.incident.id);
        render();
      }, 15_000);
    }
    render();
    // (The store does not repeat this tab's own change when the stream echoes it unchanged.)
    if (changed && changed.incident.id === selected) redrawSoon(selected);
  });
  void incidents.load(ctx.town.code).catch((err: Error) => toast(err.message, 'error'));
  // The timeline names the kinds a reclassify changed.
  void loadTaxonomy().catch(() => undefined);

  async function open(id: number, scroll = true): Promise<void> {
    const request = ++cardRequest;
    if (selected !== id) clearTimeout(redrawTimer);
    selected = id;
    render();
    let d: Detail;
    try {
      d = await get<Detail>(`/api/incidents/${id}`);
    } catch (err) {
      if (request !== cardRequest) return;
      card.replaceChildren(h('div', { class: 'login-error' }, (err as Error).message));
      return;
    }
    // An older answer than the card asked for last (another incident, or a later change of this one).
    if (request !== cardRequest || selected !== id) return;
    const i = d.incident;
    const due = dueOf(i);
    // 待定位: the deadlines start once it is placed.
    const waitingPlace = i.state === UNLOCATED;
    const countdownEl = h(
      'span',
      { id: 'card-countdown', class: !waitingPlace && due.at < Date.now() ? 'late' : '' },
      waitingPlace ? tr('定位后开始计时', 'starts once placed') : `${due.kind} ${countdown(due.at - Date.now())}`,
    );
    if (noteUi.incidentId !== i.id) noteUi = { incidentId: i.id, input: noteInput() };
    const note = noteUi.input;
    if (ratingUi.incidentId !== i.id) ratingUi = { incidentId: i.id, select: ratingSelect() };
    const rating = d.actions.includes('verify') ? ratingUi.select : null;
    if (handoffUi.incidentId !== i.id || !handoffUi.el)
      // orgs
      handoffUi = { incidentId: i.id, el: handoffPanel(i.id, () => redrawSoon(i.id)) };
    // Focus and caret come back after the redraw (taking the field out of the page blurs it).
    const typing = document.activeElement === note ? { start: note.selectionStart, end: note.selectionEnd } : null;
    let uploader = uploaders.get(i.id);
    if (!uploader) {
      uploader = photoUploader(i.id, (m) => {
        toast(`${tr('照片已添加', 'Photo added')}${selected === i.id ? '' : ` #${i.id}`}`, 'ok');
        if (selected === i.id)
          void open(i.id, false).then(() =>
            document.querySelector(`#incident-media [data-media="${m.id}"]`)?.scrollIntoView({ block: 'nearest' }),
          );
        else if (!uploaders.get(i.id)?.el.isConnected) uploaders.delete(i.id);
      });
      uploaders.set(i.id, uploader);
    }
    // Other incidents' uploaders are kept only while their upload goes on.
    for (const [other, u] of uploaders) if (other !== i.id && !u.busy()) uploaders.delete(other);
    const candidatesBox = h('div', { id: 'candidates' });
    // The server lists the steps it allows; merge needs a target, so it gets its own picker.
    const canMerge = d.actions.includes('merge');
    if (mergeUi.incidentId !== i.id) mergeUi = { incidentId: i.id, open: false, chosen: null };
    const merge = canMerge
      ? mergePicker(
          i,
          () => incidents.all(),
          (target) => act(i.id, 'merge', note.value, target),
          mergeUi,
        )
      : null;
    const unlocated = i.state === UNLOCATED;
    const canReclassify = ctx.has('operator', 'dispatcher') && !['closed', 'merged', UNLOCATED].includes(i.state);
    if (reclassUi.incidentId !== i.id || !reclassUi.picker)
      reclassUi = {
        incidentId: i.id,
        picker: reclassifyPicker(i, (changed) => {
          // Rebuilt from the new kind and severity at the next draw.
          reclassUi = { incidentId: 0, picker: null };
          answered(i.id, changed, 'reclassify');
        }),
      };
    const reclass = canReclassify ? reclassUi.picker : null;
    if (!unlocated || placingUi.incidentId !== i.id) {
      placingUi = {
        incidentId: i.id,
        el:
          unlocated && d.actions.includes('place')
            ? placingPanel(i, ctx.town.code, (inc) => answered(i.id, inc, 'place'))
            : null,
      };
    }
    card.replaceChildren();
    append(
      card,
      h(
        'div',
        { class: 'card-title' },
        h('span', { class: `sev sev-${i.severity}` }, String(i.severity)),
        `${i.subcategoryName} #${i.id}`,
        h('span', { class: 'status', id: 'card-state' }, STATE_LABEL[i.state] ?? i.state),
      ),
      h('div', {}, i.description),
      row(tr('平台', 'Platform'), PLATFORM[i.platform] ?? i.platform),
      row(tr('网格', 'Grid'), `${i.gridName ?? ''} ${i.gridCode ?? '—'}`),
      row(tr('地址', 'Address'), i.address ?? `${i.lon.toFixed(5)}, ${i.lat.toFixed(5)}`),
      row(tr('处置人', 'Assignee'), i.assignee?.name ?? '—'),
      row(tr('层级', 'Level'), i.level),
      i.mergedInto
        ? h(
            'div',
            { class: 'card-row', id: 'card-merged-into' },
            h('span', { class: 'muted' }, tr('已合并到', 'Merged into')),
            h('button', { class: 'link', onclick: () => void open(i.mergedInto!) }, `#${i.mergedInto}`),
          )
        : null,
      d.mergedFrom?.length
        ? h(
            'div',
            { class: 'card-row', id: 'card-merged-from' },
            h('span', { class: 'muted' }, tr('并入的事件', 'Merged here')),
            h(
              'span',
              {},
              ...d.mergedFrom.map((m) => h('button', { class: 'link', onclick: () => void open(m) }, `#${m}`)),
            ),
          )
        : null,
      h('div', { class: 'card-row' }, h('span', { class: 'muted' }, tr('时限', 'Deadline')), countdownEl),
      placingUi.el,
      unlocated
        ? null
        : h(
            'div',
            { class: 'card-actions' },
            h('button', { onclick: () => ctx.showOnMap(i.lon, i.lat) }, tr('地图定位', 'On the map')),
            ctx.has('operator', 'dispatcher')
              ? h(
                  'button',
                  { onclick: () => void ctx.lookHere(i.lon, i.lat).catch((e: Error) => toast(e.message, 'error')) },
                  tr('看现场', 'Look here'),
                )
              : null,
            i.cameraId ? h('button', { onclick: () => ctx.openCamera(i.cameraId!) }, tr('报警摄像机', 'Camera')) : null,
          ),
      h('h3', {}, tr('处置', 'Steps')),
      h('div', { class: 'row' }, note, rating),
      h(
        'div',
        { class: 'card-actions', id: 'card-actions' },
        ...d.actions
          .filter((a): a is IncidentAction => a !== 'merge' && a in ACTION_LABEL)
          .map((a) => h('button', { 'data-action': a, onclick: () => void act(i.id, a, note.value) }, ACTION_LABEL[a])),
        merge?.button,
        reclass?.button,
      ),
      merge?.panel,
      reclass?.panel,
      // orgs: who the case is handed to (交办 / 上报), drawn and refreshed by the panel itself
      unlocated ? null : h('h3', {}, tr('交办', 'Handoff')),
      unlocated ? null : handoffUi.el,
      h('h3', {}, tr('附近网格员', 'Nearest gridworkers')),
      candidatesBox,
      h('h3', {}, tr('照片与视频', 'Photos and video')),
      uploader.el,
      evidenceCard(i.id),
      h('div', { class: 'media', id: 'incident-media' }, ...d.media.map((m) => thumbs.show(i.id, m))),
      h('h3', {}, `${tr('上报', 'Reports')} (${d.reports.length})`),
      h(
        'ul',
        { class: 'timeline' },
        ...d.reports.map((r) =>
          h(
            'li',
            {},
            h(
              'span',
              { class: 'muted' },
              `${new Date(r.receivedAt).toLocaleString('zh-CN', { hour12: false })} · ${r.source} `,
            ),
            r.description,
          ),
        ),
      ),
      h('h3', {}, tr('流程记录', 'Timeline')),
      h(
        'ul',
        { class: 'timeline', id: 'timeline' },
        ...d.timeline.map((t) =>
          h(
            'li',
            {},
            h('span', { class: 'muted' }, new Date(t.at).toLocaleString('zh-CN', { hour12: false })),
            ` ${t.actor.label} · ${ACTION_LABEL[t.action as IncidentAction] ?? RECORD_LABEL[t.action] ?? t.action} → ${STATE_LABEL[t.toState] ?? t.toState}`,
            t.action === 'reclassify' ? h('div', { 'data-reclassified': '' }, describeReclassify(t.data)) : null,
            t.note ? h('div', { class: 'muted' }, t.note) : null,
          ),
        ),
      ),
    );
    // Thumbnails not on this card any more give their object URLs back.
    thumbs.keepOnly(d.media.map((m) => m.id));
    if (typing) {
      note.focus();
      note.setSelectionRange(typing.start, typing.end);
    }
    const tick = setInterval(() => {
      if (!countdownEl.isConnected) return clearInterval(tick);
      if (waitingPlace) return;
      countdownEl.textContent = `${due.kind} ${countdown(due.at - Date.now())}`;
    }, 1000);
    if (scroll) card.scrollTop = 0;
    if (ctx.has('operator', 'dispatcher') && OPEN_STATES.includes(i.state)) void loadCandidates(i, candidatesBox);
  }

  async function loadCandidates(i: Incident, box: HTMLElement): Promise<void> {
    try {
      const { candidates } = await get<{ candidates: Candidate[] }>(`/api/incidents/${i.id}/candidates`);
      const canSend = ctx.has('dispatcher');
      box.replaceChildren(
        h(
          'table',
          {},
          ...candidates.map((c) =>
            h(
              'tr',
              { 'data-person': c.personId },
              h('td', {}, c.name, c.ownGrid ? h('span', { class: 'muted' }, tr(' 本网格', ' own grid')) : null),
              h(
                'td',
                { class: `duty duty-${c.dutyStatus}`, 'data-duty': c.dutyStatus },
                DUTY[c.dutyStatus] ?? c.dutyStatus,
              ),
              h('td', {}, `${Math.round(c.distanceM)} m`),
              h(
                'td',
                { class: 'muted' },
                `${formatAge(c.positionAgeS, lang)} · ${c.openTasks} ${tr('件在办', 'open')}`,
              ),
              h(
                'td',
                {},
                canSend
                  ? h(
                      'button',
                      {
                        class: 'primary',
                        'data-dispatch': c.personId,
                        onclick: () => void dispatch(i.id, c.personId, c.name),
                      },
                      i.assignee ? tr('改派', 'Reassign') : tr('派遣', 'Send'),
                    )
                  : null,
              ),
            ),
          ),
        ),
      );
      if (candidates.length === 0)
        box.replaceChildren(h('div', { class: 'muted' }, tr('附近没有在岗网格员', 'Nobody on duty nearby')));
    } catch (err) {
      box.replaceChildren(h('div', { class: 'muted' }, (err as Error).message));
    }
  }

  async function dispatch(id: number, personId: number, name: string): Promise<void> {
    try {
      const { incident: inc } = await api.post('/api/incidents/{id}/dispatch', { path: { id }, body: { personId } });
      toast(`${tr('已派遣', 'Sent')} ${name}`, 'ok');
      answered(id, inc, 'dispatch');
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    }
  }

  async function act(id: number, action: IncidentAction, note: string, mergeInto?: number): Promise<void> {
    const rating = action === 'verify' && ratingUi.incidentId === id ? Number(ratingUi.select.value) : undefined;
    if (action === 'verify' && !rating) {
      toast(tr('回访请先选择群众评分（1–5）', "Choose the citizen's rating (1–5) first"), 'error');
      ratingUi.select.focus();
      return;
    }
    incidents.acting(id);
    try {
      const inc = await api.post('/api/incidents/{id}/actions', {
        path: { id },
        body: { action, note: note || undefined, mergeInto, rating },
      });
      // The note went with the step: the field is empty for the next one.
      if (noteUi.incidentId === id && noteUi.input.value === note) noteUi.input.value = '';
      toast(mergeInto ? `${tr('已合并到', 'Merged into')} #${mergeInto}` : `${ACTION_LABEL[action]} ✓`, 'ok');
      answered(id, inc, action);
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    }
  }

  /**
   * The server's answer to a step or a dispatch: into the store, whose subscriber draws
   * the card again (push stream up or not); the stream's echo of the same incident then
   * draws nothing. An answer without the incident draws the card from the server.
   */
  function answered(id: number, inc: Incident | undefined, action: string): void {
    if (inc?.id) incidents.upsert(inc, action);
    if (!inc?.id || incidents.get(id) !== inc) redrawSoon(id);
  }

  return { el, show: render, openIncident: (id: number) => void open(id) };
}

function ratingSelect(): HTMLSelectElement {
  return h(
    'select',
    { id: 'action-rating', title: tr('群众评分', "Citizen's rating") },
    h('option', { value: '' }, tr('回访评分…', 'Rating…')),
    ...[5, 4, 3, 2, 1].map((n) => h('option', { value: String(n) }, `${n} ${tr(RATING_LABEL[n]!, `${n}/5`)}`)),
  );
}

function noteInput(): HTMLInputElement {
  return h('input', { id: 'action-note', placeholder: tr('备注', 'Note') });
}

type MediaRef = { id: number; kind: string; contentType: string };

/**
 * The card's photos and videos, fetched with the token once per media id (a redraw
 * reuses the object URL) and given back (revoked) once no card shows them.
 */
function createThumbs(): { show(incidentId: number, m: MediaRef): HTMLElement; keepOnly(ids: number[]): void } {
  const urls = new Map<number, Promise<string | null>>();
  const release = (p: Promise<string | null>) => void p.then((url) => url && URL.revokeObjectURL(url));

  function urlOf(incidentId: number, id: number): Promise<string | null> {
    let p = urls.get(id);
    if (!p) {
      const fetched: Promise<string | null> = fetch(`/api/incidents/${incidentId}/media/${id}`, {
        headers: { authorization: `Bearer ${getToken() ?? ''}` },
      })
        .then((r) => (r.ok ? r.blob() : null))
        .then((blob) => (blob ? URL.createObjectURL(blob) : null))
        .catch(() => null);
      // A failed fetch is not kept: the next redraw tries again.
      void fetched.then((url) => {
        if (url === null && urls.get(id) === fetched) urls.delete(id);
      });
      urls.set(id, fetched);
      p = fetched;
    }
    return p;
  }

  return {
    show(incidentId, m) {
      const box = h('div', { class: 'thumb', 'data-media': m.id }, m.kind);
      const p = urlOf(incidentId, m.id);
      void p.then((url) => {
        // Not when it was given back meanwhile (the card moved on).
        if (!url || urls.get(m.id) !== p) return;
        box.replaceChildren(
          m.contentType.startsWith('video/')
            ? h('video', { src: url, controls: true })
            : h('img', { src: url, onclick: () => window.open(url) }),
        );
      });
      return box;
    },
    keepOnly(ids) {
      const shown = new Set(ids);
      for (const [id, p] of urls) {
        if (shown.has(id)) continue;
        urls.delete(id);
        release(p);
      }
    },
  };
}

function row(label: string, value: string): HTMLElement {
  return h('div', { class: 'card-row' }, h('span', { class: 'muted' }, label), h('span', {}, value));
}
