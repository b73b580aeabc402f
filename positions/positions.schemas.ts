// What the positions routes answer, for the OpenAPI document and the web app's generated types.
import { z } from 'zod';
import { answer } from '../platform/http/answer.js';
import type { RosterEntry } from './live-roster.js';

/** One person of GET /api/towns/:code/on-duty, as the roster encodes them (live-roster.ts). */
const OnDutyPerson = answer<Omit<RosterEntry, 'townId'> & { ageSeconds: number | null }>()(
  z
    .object({
      personId: z.number().int(),
      name: z.string(),
      roles: z.array(z.string()),
      dutyStatus: z.string().describe('on_duty or busy (off duty people are left out)'),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      fixTime: z.iso.datetime({ offset: true }).nullable(),
      ageSeconds: z.number().nullable().describe('Age of the last fix when answered; null without one'),
      gridCode: z.string().nullable(),
      accuracy: z.number().nullable(),
      battery: z.number().nullable(),
      speedMps: z.number().nullable(),
    })
    .meta({ id: 'OnDutyPerson' }),
);

export const OnDutyAnswer = z.object({
  town: z.string(),
  at: z.iso.datetime({ offset: true }),
  count: z.number().int(),
  people: z.array(OnDutyPerson),
});
