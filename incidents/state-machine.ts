// The closed loop (任务发起→派遣→处置→反馈→跟踪→终结) as a table: which action moves an
// incident from which states to which, and who may take it. Pure, and the one place the
// rules are written: migrate copies them into the incident_transitions table that the
// SQL functions read (incidents/loop-rules-sql.ts), and test/incidents/loop-rules.test.ts
// asks both sides every question to prove they agree.
import type { Actor, IncidentState } from './model.js';

export const ACTIONS = [
  'dispatch',
  'accept',
  'start',
  'handle',
  'verify',
  'close',
  'return',
  'escalate',
  'merge',
  'settle',
  'place',
] as const;
export type IncidentAction = (typeof ACTIONS)[number];

/** Who may act: the command room (dispatchers, operators), the person it is offered to or assigned to, the system. */
export const PARTIES = ['command_room', 'offeree', 'assignee', 'system'] as const;
export type Party = (typeof PARTIES)[number];

/**
 * States in which a gridworker holds an incident: it counts towards their workload when
 * dispatch picks someone, and keeps them busy. SQL reads it as incident_open_task_states().
 */
export const OPEN_TASK_STATES = ['accepted', 'in_progress', 'returned'] as const satisfies readonly IncidentState[];

interface Rule {
  from: readonly IncidentState[];
  to: IncidentState;
  by: readonly Party[];
  /** A party that may act from fewer of the `from` states than the others. */
  only?: Partial<Record<Party, readonly IncidentState[]>>;
}

const RULES: Record<IncidentAction, Rule> = {
  dispatch: {
    from: ['reported', 'dispatched', 'escalated', 'returned'],
    to: 'dispatched',
    by: ['system', 'command_room'],
    // The dispatcher worker offers what is new or on offer; an escalated or returned
    // incident is the command room's to send again.
    only: { system: ['reported', 'dispatched'] },
  },
  accept: { from: ['dispatched'], to: 'accepted', by: ['offeree'] },
  start: { from: ['accepted', 'returned'], to: 'in_progress', by: ['assignee'] },
  // An escalated incident is handled by the village, the town or a city department: the command room records it.
  handle: { from: ['accepted', 'in_progress', 'escalated'], to: 'handled', by: ['assignee', 'command_room'] },
  // The revisit: the gridworker asks the citizen and records the rating.
  verify: { from: ['handled'], to: 'verified', by: ['assignee', 'command_room'] },
  close: { from: ['verified'], to: 'closed', by: ['command_room'] },
  return: { from: ['handled', 'verified'], to: 'returned', by: ['command_room'] },
  escalate: {
    from: ['reported', 'dispatched', 'accepted', 'in_progress', 'returned', 'escalated'],
    to: 'escalated',
    by: ['assignee', 'command_room', 'system'],
  },
  merge: {
    from: ['reported', 'dispatched', 'accepted', 'in_progress', 'escalated', 'returned', 'unlocated'],
    to: 'merged',
    by: ['command_room', 'system'],
  },
  // 就地化解: settled on the spot by the gridworker who reported it.
  settle: { from: ['reported'], to: 'closed', by: ['assignee', 'command_room', 'system'] },
  // 待定位 → on the map: the command room puts a call whose address named no single place where it is.
  place: { from: ['unlocated'], to: 'reported', by: ['command_room'] },
};

export interface TransitionContext {
  state: IncidentState;
  assigneePersonId: number | null;
  /** The person the pending offer is for, if any. */
  offereePersonId: number | null;
}

export type TransitionVerdict =
  { ok: true; to: IncidentState } | { ok: false; reason: 'illegal' | 'not_allowed'; message: string };

function partiesOf(actor: Actor, ctx: TransitionContext): Set<Party> {
  const parties = new Set<Party>();
  if (actor.kind === 'system') parties.add('system');
  if (actor.kind === 'account' && actor.commandRoom) parties.add('command_room');
  const personId = actor.kind === 'account' || actor.kind === 'phone' ? actor.personId : null;
  if (personId !== null && personId === ctx.assigneePersonId) parties.add('assignee');
  if (personId !== null && personId === ctx.offereePersonId) parties.add('offeree');
  return parties;
}

/** Whether `actor` may take `action` now, and the state it leads to. */
export function decide(action: IncidentAction, actor: Actor, ctx: TransitionContext): TransitionVerdict {
  const rule = RULES[action];
  if (!rule.from.includes(ctx.state)) {
    return {
      ok: false,
      reason: 'illegal',
      message: `An incident that is ${ctx.state} cannot be ${action === 'settle' ? 'settled' : `given "${action}"`}; allowed from: ${rule.from.join(', ')}`,
    };
  }
  const parties = partiesOf(actor, ctx);
  const entitled = rule.by.filter((p) => (rule.only?.[p] ?? rule.from).includes(ctx.state));
  if (!entitled.some((p) => parties.has(p))) {
    return {
      ok: false,
      reason: 'not_allowed',
      message: `"${action}" is for: ${entitled.join(', ').replace('_', ' ')}`,
    };
  }
  return { ok: true, to: rule.to };
}

export interface Transition {
  action: IncidentAction;
  from: IncidentState;
  party: Party;
  to: IncidentState;
}

/** The rules as rows, one per action, from-state and party: what the incident_transitions table holds. */
export function transitions(): Transition[] {
  return ACTIONS.flatMap((action) => {
    const rule = RULES[action];
    return rule.by.flatMap((party) =>
      (rule.only?.[party] ?? rule.from).map((from) => ({ action, from, party, to: rule.to })),
    );
  });
}

/** The actions an actor could take now (the buttons the web app and the phone show). */
export function availableActions(actor: Actor, ctx: TransitionContext): IncidentAction[] {
  // Settling happens only at intake; merge is listed (the web app asks for the incident to merge into).
  return ACTIONS.filter((a) => a !== 'settle' && decide(a, actor, ctx).ok);
}
