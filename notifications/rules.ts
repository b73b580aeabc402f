// The rules: which live event calls for which message to whom. Pure: the events in,
// what to schedule or cancel out; the service finds the people and sends.
import type { Rule } from './templates.js';

export type Recipients =
  | { person: number }
  | { gridHeadsOf: number }
  | { contact: 'town_leader' | 'county_duty_officer'; townId: number }
  /** An organisation holding a case: each of its accounts in the app, its own phone by SMS. */
  | { org: number };

export type Intent =
  | {
      kind: 'schedule';
      rule: Rule;
      /** What it is about; a later event cancels what is still scheduled for it. */
      subject: string;
      /** Makes the dedupe key: the same event heard twice writes nothing new. */
      occasion: string;
      townId: number;
      to: Recipients[];
      params: Record<string, string | number>;
      /** Sent even in quiet hours (someone is on duty and waiting). */
      urgent: boolean;
      delayMs: number;
      /** Held through the quiet hours only while that ends before this (a deadline does not wait). */
      notAfter?: Date;
    }
  | { kind: 'cancel'; subject: string; reason: string };

interface LiveEventLike {
  topic: string;
  townId: number;
  personId?: number;
  data: unknown;
}

interface IncidentLike {
  id: number;
  townId: number;
  level: string;
  subcategoryName: string;
  address: string | null;
  gridName: string | null;
}

const STEP: Record<string, string> = { accept: '受理', finish: '办结' };
const PLATFORM: Record<string, string> = {
  zongzhi: '综治工作平台',
  shichang: '市场监管平台',
  zhifa: '综合执法平台',
  bianmin: '便民服务平台',
};

const place = (inc: IncidentLike) => inc.address ?? inc.gridName ?? '见地图';

/** A time as the town reads it: 12-07 14:30. */
function townTime(at: Date, utcOffsetHours: number): string {
  const local = new Date(at.getTime() + utcOffsetHours * 3_600_000).toISOString();
  return `${local.slice(5, 10)} ${local.slice(11, 16)}`;
}

/** Steps of a handoff that end what a reminder was about: accepting ends the accept deadline's. */
const ENDS: Record<string, string[]> = {
  accept: ['accept'],
  feedback: ['accept', 'finish'],
  return: ['accept', 'finish'],
  withdraw: ['accept', 'finish'],
  close: ['accept', 'finish'],
};

/**
 * The handoffs' events (organisations): a reminder before a deadline (催办, the sweep) and
 * the command room's 督办 reach the holding organisation; a step that ends what a held
 * reminder was about cancels it.
 */
function handoffRules(e: LiveEventLike, d: Record<string, unknown>, utcOffsetHours: number): Intent[] {
  const action = d['action'];
  if (action === 'remind' && typeof d['id'] === 'number' && typeof d['orgId'] === 'number') {
    const kind = String(d['kind']);
    const due = new Date(String(d['dueAt']));
    return [
      {
        kind: 'schedule',
        rule: 'handoff_reminder',
        subject: `handoff:${d['id']}:${kind}`,
        occasion: `remind:${d['id']}:${kind}`,
        townId: e.townId,
        to: [{ org: d['orgId'] }],
        params: {
          org: String(d['orgName'] ?? ''),
          incident: Number(d['incidentId']),
          title: String(d['title'] ?? ''),
          step: STEP[kind] ?? kind,
          due: Number.isNaN(due.getTime()) ? '' : townTime(due, utcOffsetHours),
        },
        urgent: false,
        delayMs: 0,
        notAfter: Number.isNaN(due.getTime()) ? undefined : due,
      },
    ];
  }
  if (action === 'urge' && typeof d['eventId'] === 'number' && Array.isArray(d['orgIds'])) {
    return (d['orgIds'] as unknown[])
      .filter((id): id is number => typeof id === 'number')
      .map((orgId) => ({
        kind: 'schedule' as const,
        rule: 'handoff_urged' as const,
        subject: `handoff:${String(d['handoffId'])}:urge`,
        occasion: `urge:${d['eventId']}:${orgId}`,
        townId: e.townId,
        to: [{ org: orgId }],
        params: {
          org: String(d['orgName'] ?? ''),
          incident: Number(d['incidentId']),
          title: String(d['title'] ?? ''),
          note: typeof d['note'] === 'string' && d['note'] ? d['note'] : '请尽快办理',
        },
        // The command room is waiting on it, now.
        urgent: true,
        delayMs: 0,
      }));
  }
  if (typeof action === 'string' && ENDS[action] && typeof d['handoffId'] === 'number')
    return ENDS[action].map((kind) => ({
      kind: 'cancel' as const,
      subject: `handoff:${d['handoffId']}:${kind}`,
      reason: `handoff ${action}`,
    }));
  return [];
}

export function rulesFor(events: LiveEventLike[], offerUnansweredMs: number, utcOffsetHours = 8): Intent[] {
  const out: Intent[] = [];
  for (const e of events) {
    const d = (e.data ?? {}) as Record<string, unknown>;
    if (e.topic === 'handoffs') {
      out.push(...handoffRules(e, d, utcOffsetHours));
      continue;
    }
    if (e.topic === 'offers') {
      const offerId = d['offerId'];
      if (typeof offerId !== 'number') continue;
      if (typeof d['outcome'] === 'string') {
        out.push({ kind: 'cancel', subject: `offer:${offerId}`, reason: `offer ${d['outcome']}` });
        continue;
      }
      const inc = d['incident'] as IncidentLike | undefined;
      if (!inc || e.personId === undefined) continue;
      out.push({
        kind: 'schedule',
        rule: 'offer_unanswered',
        subject: `offer:${offerId}`,
        occasion: `offer:${offerId}`,
        townId: inc.townId,
        to: [{ person: e.personId }],
        params: { title: inc.subcategoryName, place: place(inc) },
        urgent: true,
        delayMs: offerUnansweredMs,
      });
      continue;
    }
    if (e.topic !== 'incidents') continue;
    const action = d['action'];
    if ((action === 'accepted' || action === 'offer_declined') && typeof d['offerId'] === 'number') {
      out.push({ kind: 'cancel', subject: `offer:${d['offerId']}`, reason: `offer ${action}` });
    } else if (action === 'yellow_card') {
      const card = d['card'] as {
        id: number;
        incidentId: number;
        kind: string;
        platform: string;
        gridId: number | null;
      };
      out.push({
        kind: 'schedule',
        rule: 'yellow_card',
        subject: `card:${card.id}`,
        occasion: `card:${card.id}`,
        townId: e.townId,
        to: [
          ...(card.gridId !== null ? [{ gridHeadsOf: card.gridId }] : []),
          { contact: 'town_leader', townId: e.townId },
        ],
        params: {
          gridId: card.gridId ?? 0,
          incident: card.incidentId,
          step: STEP[card.kind] ?? card.kind,
          platform: PLATFORM[card.platform] ?? card.platform,
        },
        urgent: false,
        delayMs: 0,
      });
    } else if (action === 'grid_flagged' && typeof d['gridId'] === 'number') {
      out.push({
        kind: 'schedule',
        rule: 'grid_flagged',
        subject: `grid:${d['gridId']}`,
        occasion: `flag:${d['gridId']}:${String(d['cards'])}`,
        townId: e.townId,
        to: [{ contact: 'town_leader', townId: e.townId }],
        params: { gridId: d['gridId'], cards: Number(d['cards']) },
        urgent: false,
        delayMs: 0,
      });
    } else if (action === 'escalate') {
      const inc = d['incident'] as IncidentLike | undefined;
      // Above the town: the county's 社会治理中心 takes it (levels grid → village → town → city).
      if (!inc || inc.level !== 'city') continue;
      out.push({
        kind: 'schedule',
        rule: 'escalated',
        subject: `incident:${inc.id}`,
        occasion: `escalate:${inc.id}`,
        townId: inc.townId,
        to: [{ contact: 'county_duty_officer', townId: inc.townId }],
        params: { incident: inc.id, title: inc.subcategoryName, place: place(inc) },
        urgent: true,
        delayMs: 0,
      });
    }
  }
  return out;
}
