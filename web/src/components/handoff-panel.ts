// The 交办 part of the incident card: who holds the case (lead 主办, co-handlers 协办), its
// deadlines and cards, the steps so far, handing it on (suggested from the subcategory's
// platform; the county centre: 上报), and the command room's 终结 / 督办 / 撤回. Talks to
// the server on its own and draws itself again on the push stream's `handoffs` events.
import './orgs.css';
import { ApiError, get, post } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { live } from '../live';
import { countdownText } from './countdown';
import {
  HANDOFF_KIND,
  HANDOFF_STATE,
  KIND_LABEL,
  STEP_LABEL,
  dueOfHandoff,
  fill,
  timeText,
  type IncidentHandoffs,
} from './org-labels';

export function handoffPanel(incidentId: number, onChanged: () => void): HTMLElement {
  const box = h(
    'div',
    { id: 'handoff-panel', class: 'handoff-panel', 'data-incident': incidentId },
    h('div', { class: 'muted' }, '…'),
  );
  let drawn: IncidentHandoffs | null = null;
  const load = async () => {
    try {
      drawn = await get<IncidentHandoffs>(`/api/incidents/${incidentId}/handoffs`);
      draw(drawn);
    } catch (err) {
      box.replaceChildren(h('div', { class: 'muted' }, (err as Error).message));
    }
  };
  const off = live.on('handoffs', (data) => {
    if (!box.isConnected) return off();
    if ((data as { incidentId?: number }).incidentId === incidentId) void load();
  });
  // Steps the stream did not carry (the panel loaded before it opened, or while it was down).
  const offOpen = live.onOpen(() => (box.isConnected ? void load() : offOpen()));

  // The two writes a panel makes: hand off (交办) and steer a handoff (accept, close, …).
  async function send(what: 'handoff' | 'steer', body: unknown, done: string): Promise<void> {
    try {
      drawn =
        what === 'steer'
          ? await post<IncidentHandoffs>(`/api/incidents/${incidentId}/handoffs/steer`, body)
          : await post<IncidentHandoffs>(`/api/incidents/${incidentId}/handoffs`, body);
      toast(done, 'ok');
      draw(drawn);
      onChanged();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    }
  }

  function draw(d: IncidentHandoffs): void {
    box.dataset['loaded'] = '1';
    const offer = d.canOffer ? offerForm(d) : null;
    fill(
      box,
      d.handoffs.length === 0
        ? h('div', { class: 'muted' }, tr('尚未交办', 'Not handed to anyone yet'))
        : h(
            'table',
            { class: 'handoffs' },
            ...d.handoffs.map((x) => {
              const due = dueOfHandoff(x);
              const note = h('input', { class: 'steer-note', placeholder: tr('督办意见', 'Note') });
              return h(
                'tr',
                { 'data-handoff': x.id, 'data-state': x.state, 'data-org': x.org.code },
                h(
                  'td',
                  {},
                  `${HANDOFF_KIND[x.kind] ?? x.kind}${x.role === 'lead' ? tr('·主办', ' lead') : tr('·协办', ' helper')}`,
                ),
                h('td', {}, h('b', {}, x.org.name), h('div', { class: 'muted' }, KIND_LABEL[x.org.kind] ?? '')),
                h('td', { class: 'handoff-state' }, HANDOFF_STATE[x.state] ?? x.state),
                h(
                  'td',
                  { class: due && due.at < Date.now() ? 'late' : '' },
                  due ? `${due.label} ${countdownText(due.at - Date.now())}` : '',
                  x.cards.length ? h('span', { class: 'card-badge' }, `🟨×${x.cards.length}`) : null,
                ),
                h(
                  'td',
                  {},
                  x.feedback ? h('div', {}, `${tr('反馈', 'Feedback')}: ${x.feedback}`) : null,
                  x.returnReason
                    ? h('div', { class: 'muted' }, `${tr('退回理由', 'Returned')}: ${x.returnReason}`)
                    : null,
                  (d.actions[x.id] ?? []).length ? note : null,
                  ...(d.actions[x.id] ?? [])
                    .filter((a) => ['close', 'urge', 'withdraw'].includes(a))
                    .map((a) =>
                      h(
                        'button',
                        {
                          'data-steer': a,
                          class: a === 'close' ? 'primary' : '',
                          onclick: () =>
                            void send(
                              'steer',
                              { handoffId: x.id, action: a, note: note.value || undefined },
                              `${STEP_LABEL[a]} ✓`,
                            ),
                        },
                        STEP_LABEL[a] ?? a,
                      ),
                    ),
                ),
              );
            }),
          ),
      offer,
      d.events.length
        ? h(
            'details',
            { class: 'handoff-events' },
            h('summary', {}, `${tr('交办记录', 'Handoff steps')} (${d.events.length})`),
            h(
              'ul',
              { class: 'timeline', id: 'handoff-events' },
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
          )
        : null,
    );
  }

  // The form stays the same elements across redraws (live events draw the panel again):
  // what was chosen and typed stays.
  const lead = h('select', { id: 'handoff-lead' });
  const helpers = h('select', { id: 'handoff-helpers', multiple: true, size: 3 });
  const note = h('input', { id: 'handoff-note', placeholder: tr('交办意见', 'Instructions') });
  let options = '';
  const form = h(
    'div',
    { class: 'handoff-offer' },
    h('label', {}, tr('主办', 'Lead'), lead),
    h('label', { title: tr('按住 Ctrl 多选', 'Ctrl-click for several') }, tr('协办', 'Helpers'), helpers),
    note,
    h(
      'button',
      {
        id: 'handoff-offer',
        class: 'primary',
        onclick: () => {
          const chosen = [...helpers.selectedOptions].map((o) => o.value).filter((c) => c !== lead.value);
          const target = drawn?.suggestions.find((o) => o.code === lead.value);
          const verb = target?.kind === 'county_centre' ? STEP_LABEL['escalation'] : STEP_LABEL['handoff'];
          const body = { lead: lead.value, helpers: chosen.length ? chosen : undefined, note: note.value || undefined };
          void send('handoff', body, `${verb} ✓`).then(() => {
            note.value = '';
            for (const o of helpers.options) o.selected = false;
          });
        },
      },
      tr('交办 / 上报', 'Hand on'),
    ),
  );

  function offerForm(d: IncidentHandoffs): HTMLElement {
    const key = d.suggestions.map((o) => o.code).join(',');
    if (key !== options) {
      options = key;
      const keep = lead.value;
      const opt = (o: IncidentHandoffs['suggestions'][number]) =>
        h('option', { value: o.code }, `${o.name} · ${KIND_LABEL[o.kind] ?? o.kind}`);
      lead.replaceChildren(...d.suggestions.map(opt));
      if (d.suggestions.some((o) => o.code === keep)) lead.value = keep;
      helpers.replaceChildren(...d.suggestions.filter((o) => o.kind === 'department' || o.kind === 'village').map(opt));
    }
    return form;
  }

  void load();
  return box;
}
