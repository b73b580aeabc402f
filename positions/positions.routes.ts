import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { Unauthorized } from '../platform/errors.js';
import { Code, IdParams } from '../gis/module.js';
import type { IngestService } from './ingest.service.js';
import type { TrackingService } from './tracking.service.js';
import type { RawFix } from './fix.js';
import type { RejectionCounter } from './rejections.js';
import type { PositionWriter } from './position-writer.js';
import { COMMAND_ROOM, DEVICE_ROLES, EVERYONE } from '../platform/auth/roles.js';

const Time = z
  .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
  .describe('ISO 8601 or epoch milliseconds');
const Fix = z.strictObject({
  time: Time,
  lat: z.number(),
  lon: z.number(),
  speed: z.number().nullable().optional().describe('m/s; negative = unknown'),
  heading: z.number().nullable().optional(),
  altitude: z.number().nullable().optional(),
  accuracy: z.number().nullable().optional(),
  battery: z.number().min(0).max(100).nullable().optional().describe('percent'),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
const Batch = z.strictObject({ fixes: z.array(Fix).min(1).max(1000, 'at most 1,000 fixes a request') });
const Range = z.strictObject({
  from: z.coerce.date(),
  to: z.coerce.date(),
  simplify: z.coerce.number().min(0).max(500).optional(),
});
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(d);
  }, 'a day that exists (not 2026-02-30)');

const FlagName = z.enum(['late', 'clock_ahead', 'fast', 'outlier', 'no_fix', 'marked_invalid', 'expired']);
const BatchAnswer = z.object({
  accepted: z.number().int().describe('new fixes stored (flagged ones included)'),
  duplicates: z.number().int().describe('fixes already stored (a resend)'),
  rejected: z
    .array(z.object({ index: z.number().int(), reason: z.string(), detail: z.string() }))
    .describe('fixes that could not be read'),
  flagged: z
    .array(
      z.object({
        index: z.number().int(),
        flags: z.array(FlagName),
        stored: z.boolean().describe('false: counted only (no_fix, marked_invalid, expired)'),
        detail: z.string(),
      }),
    )
    .describe('per fix, what the checks flagged'),
});
const Rejections = z.object({
  day: z.string(),
  devices: z.array(
    z.object({
      deviceRef: z.string().describe('what the phone sent as its id'),
      deviceId: z.number().int().nullable(),
      personId: z.number().int().nullable(),
      personName: z.string().nullable(),
      townId: z.number().int().nullable(),
      total: z.number().int(),
      lastAt: z.iso.datetime(),
      reasons: z.record(
        z.string(),
        z.object({
          kind: z.enum(['flagged', 'counted', 'refused']),
          count: z.number().int(),
          lastAt: z.iso.datetime(),
          lastDetail: z.string().nullable(),
          lastExample: z
            .record(z.string(), z.unknown())
            .nullable()
            .describe('what the phone sent: deviceTime, storedAt, lat, lon, speed, accuracy'),
        }),
      ),
      advice: z.array(z.string()).describe('what to tell the phone owner'),
    }),
  ),
  sinceStart: z
    .record(z.string(), z.number())
    .optional()
    .describe('this process, every town: only for all-town accounts'),
  writer: z.record(z.string(), z.unknown()).optional(),
});

const unknownIsNull = (n: number | null | undefined) => (n === undefined || n === null || n < 0 ? null : n);

export function positionsRoutes(
  ingest: IngestService,
  tracking: TrackingService,
  stats: { rejections: RejectionCounter; writer: PositionWriter },
): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/positions/batch',
      summary:
        "The phone app's batch of fixes; idempotent on (device, time). Authorization: Bearer <device token>. Every readable fix is kept: `rejected` lists the unreadable ones, `flagged` per fix what the checks flagged (late, clock_ahead, fast, outlier; or no_fix, marked_invalid, expired: counted, not stored)",
      tag: 'positions',
      access: 'device',
      body: Batch,
      bodyLimit: '512kb', // up to 1,000 fixes
      responses: {
        200: {
          description: 'Every readable fix is kept; per fix what could not be read or was flagged',
          schema: BatchAnswer,
        },
      },
      handler: async ({ body, device }) => {
        if (!device) throw new Unauthorized('Send the device token as "Authorization: Bearer …"');
        const raws: RawFix[] = body.fixes.map((f) => ({
          deviceRef: device.identifier,
          time: new Date(f.time),
          lat: f.lat,
          lon: f.lon,
          speedMps: unknownIsNull(f.speed),
          heading: unknownIsNull(f.heading),
          altitude: f.altitude ?? null,
          accuracy: unknownIsNull(f.accuracy),
          battery: f.battery ?? null,
          attributes: f.attributes ?? null,
          source: 'batch',
        }));
        return ingest.ingestBatch(device, raws);
      },
    }),
    route({
      method: 'get',
      path: '/api/towns/:code/on-duty',
      summary: 'Everyone on duty in a town now, with position and its age',
      tag: 'positions',
      access: EVERYONE,
      params: z.strictObject({ code: Code }),
      // Sent as the text the roster keeps ready: encoding 2,000 people per call is most of the time.
      handler: async ({ auth, params, res }) =>
        void res.type('json').send(await tracking.onDutyJson(auth, params.code)),
    }),
    route({
      method: 'get',
      path: '/api/people/:id/trace',
      summary: "A person's trace between two times as a GeoJSON LineString",
      tag: 'positions',
      access: ['dispatcher'],
      ownerAccess: ['gridworker'],
      params: IdParams,
      query: Range,
      handler: ({ auth, params, query, ownerOnly }) =>
        tracking.trace(auth, params.id, query.from, query.to, query.simplify, ownerOnly),
    }),
    route({
      method: 'get',
      path: '/api/people/:id/grid-events',
      summary: "A person's grid enter / exit events",
      tag: 'positions',
      access: ['dispatcher'],
      ownerAccess: ['gridworker'],
      params: IdParams,
      query: Range.omit({ simplify: true }),
      handler: ({ auth, params, query, ownerOnly }) =>
        tracking.gridEvents(auth, params.id, query.from, query.to, ownerOnly),
    }),
    route({
      method: 'get',
      path: '/api/grids/:code/coverage',
      summary: 'Patrol time and street (or area) coverage of a grid on a day',
      tag: 'positions',
      access: [...COMMAND_ROOM, 'planner'],
      params: z.strictObject({ code: Code }),
      query: z.strictObject({ day: Day }),
      handler: ({ auth, params, query }) => tracking.coverage(auth, params.code, query.day),
    }),
    route({
      method: 'get',
      path: '/api/positions/rejections',
      summary:
        "Per device of the caller's towns, the fixes of a day (UTC) that were refused, flagged (late, clock_ahead, fast, outlier) or only counted (no_fix, marked_invalid, expired): count, last time, last detail and example, and advice",
      tag: 'positions',
      access: [...COMMAND_ROOM, ...DEVICE_ROLES],
      query: z.strictObject({ day: Day.optional() }),
      responses: { 200: { description: 'Per device, most first', schema: Rejections } },
      handler: async ({ auth, query }) => {
        const day = query.day ?? new Date().toISOString().slice(0, 10);
        const devices = await tracking.rejections(auth, day);
        // Process-wide figures cover every town: only for those who see every town.
        if (auth.townFilter !== null) return { day, devices };
        return { day, devices, sinceStart: stats.rejections.snapshot(), writer: stats.writer.stats };
      },
    }),
  ];
}
