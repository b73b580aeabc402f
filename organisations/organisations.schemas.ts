// Request shapes of the organisation and handoff routes, and the county comparison's answer.
import { z } from 'zod';
import { answer } from '../platform/http/answer.js';
import type { TownComparison } from './county.service.js';
import { DUTIES, HANDOFF_KINDS, HANDOFF_STATES, ORG_KINDS, PLATFORMS } from './model.js';

const Code = z.string().regex(/^[A-Za-z0-9_.-]{2,64}$/, 'letters, digits, _ . - (2–64)');
const Name = z.string().trim().min(1).max(80);
const Minutes = z.number().positive().max(525_600);
const Note = z.string().trim().max(2000);

export const OrgParams = z.strictObject({ id: z.coerce.number().int().positive() });
export const IncidentParams = z.strictObject({ id: z.coerce.number().int().positive() });

export const OrgListQuery = z.strictObject({
  kind: z.enum(ORG_KINDS).optional(),
  town: z.string().max(40).optional(),
});

export const NewOrgBody = z.strictObject({
  code: Code,
  name: Name,
  kind: z.enum(ORG_KINDS),
  areaCode: z.string().min(1).max(40).describe('its town, its village, or the county/district it serves'),
  parentCode: Code.nullable().optional(),
  platform: z.enum(PLATFORMS).nullable().optional(),
  categories: z
    .array(z.string().regex(/^[a-z_]{2,40}$/))
    .max(40)
    .optional(),
  acceptMinutes: Minutes.optional(),
  finishMinutes: Minutes.optional(),
  phone: z.string().trim().max(40).nullable().optional(),
});

export const OrgPatch = z.strictObject({
  name: Name.optional(),
  parentCode: Code.nullable().optional(),
  platform: z.enum(PLATFORMS).nullable().optional(),
  categories: z
    .array(z.string().regex(/^[a-z_]{2,40}$/))
    .max(40)
    .optional(),
  acceptMinutes: Minutes.optional(),
  finishMinutes: Minutes.optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  active: z.boolean().optional(),
});

export const MemberBody = z.strictObject({
  accountId: z.number().int().positive(),
  duty: z.enum(DUTIES).nullable().describe('受理 intake, 处置 handler, 负责人 head; null takes the account out'),
});

export const OfferBody = z.strictObject({
  lead: Code.describe('the lead (主办) organisation; a county centre: 上报; a town command room: 下派'),
  helpers: z.array(Code).max(10).optional().describe('co-handlers (协办)'),
  note: Note.optional(),
});

export const HolderStepBody = z.strictObject({
  action: z.enum(['accept', 'feedback', 'return']),
  note: Note.optional().describe('what was done (反馈), why it is not ours (退回)'),
  org: Code.optional().describe('which of your organisations, when several hold it'),
});

export const SteerBody = z.strictObject({
  handoffId: z.number().int().positive(),
  action: z.enum(['close', 'withdraw', 'urge']),
  note: Note.optional(),
});

/** How a queue page is ordered: next deadline, newest handed, most severe, town by name. */
export const QUEUE_SORTS = ['due', 'offered', 'severity', 'town'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const QueueQuery = z.strictObject({
  open: Flag.default(true).describe('only what is still open (ignored when a state is given)'),
  org: Code.optional(),
  kind: z.enum(HANDOFF_KINDS).optional(),
  state: z.enum(HANDOFF_STATES).optional(),
  town: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a town code')
    .optional(),
  overdue: Flag.optional().describe('only what is past a deadline now (not accepted, or not fed back, in time)'),
  q: z.string().trim().max(100).optional().describe('#incident id, or words of the description or address'),
  sort: z.enum(QUEUE_SORTS).default('due'),
  order: z.enum(['asc', 'desc']).optional().describe('due and town: asc by default; offered and severity: desc'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('rows of this page'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('rows before this page'),
});

export const RangeQuery = z.strictObject({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export const DeadlineRuleBody = z.strictObject({ acceptMinutes: Minutes, finishMinutes: Minutes });

export const ConveneBody = z.strictObject({
  orgs: z.array(Code).min(1).max(20).describe('the organisations convened'),
  topic: z.string().trim().min(1).max(200),
});

export const ConsultPostBody = z.strictObject({
  consultationId: z.number().int().positive(),
  body: z.string().trim().min(1).max(2000).optional(),
  close: z.boolean().optional(),
});

// ---- What the routes answer (OpenAPI, and the web app's generated types) ----

const Count = z.number().int();
const Share = z.number().nullable();
const Seconds = z.number().nullable();

/** A town's figures over the period, or all of them summed (`totals`). */
const TownFigures = {
  received: Count.describe('Incidents reported in the period'),
  closed: Count.describe('Of those, closed (终结)'),
  closureRate: Share.describe('closed / received, 0..1; null when nothing was received'),
  openNow: Count,
  overdueNow: Count,
  acceptP50S: Seconds.describe('Median seconds to accept'),
  closeP50S: Seconds.describe('Median seconds to close'),
  satisfaction: Share.describe("Citizens' mean rating (1–5) at the revisit"),
  rated: Count,
  gridCards: Count.describe('Yellow cards to its grids'),
  orgCards: Count.describe('Yellow cards to its organisations'),
  yellowCards: Count.describe('Grid and organisation cards together'),
  handoffs: Count.describe('Handoffs (交办, 上报, 下派) offered in the period'),
  escalated: Count.describe('Of those, escalated to the county (上报)'),
  handoffsOverdue: Count.describe('Handoffs open now and past a deadline'),
};
const Box = z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('[west, south, east, north], WGS-84');

export const TownComparisonAnswer = answer<TownComparison>()(
  z
    .object({
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      towns: z.array(
        z
          .object({
            id: z.number().int(),
            code: z.string(),
            name: z.string(),
            bbox: Box,
            centre: z.tuple([z.number(), z.number()]).describe('A point inside the town, for its label'),
            ...TownFigures,
          })
          .meta({ id: 'TownLine' }),
      ),
      totals: z.object(TownFigures).meta({ id: 'TownTotals' }),
      bbox: Box.nullable().describe('Around every town: where the map opens'),
    })
    .meta({ id: 'TownComparison' }),
);
