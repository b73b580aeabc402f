import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { COMMAND_ROOM } from '../../platform/auth/roles.js';
import type { PatrolService } from './patrol.service.js';

const TownQuery = z.string().min(1).max(40).describe('town code');
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export function patrolRoutes(patrol: PatrolService): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/patrol/views',
      summary: 'Record that a camera was watched (视频巡查) for some seconds, on the wall or enlarged',
      tag: 'video',
      access: COMMAND_ROOM,
      status: 201,
      body: z.strictObject({
        cameraId: z.number().int().positive(),
        mode: z.enum(['tile', 'enlarged']),
        seconds: z.number().min(1).max(86_400).describe('how long it was on screen and playing, ending now'),
      }),
      handler: ({ auth, body }) => patrol.recordView(auth, body),
    }),
    route({
      method: 'post',
      path: '/api/patrol/findings',
      summary: 'Note what was found watching a camera (with the incident reported from it, if any)',
      tag: 'video',
      access: COMMAND_ROOM,
      status: 201,
      body: z.strictObject({
        cameraId: z.number().int().positive(),
        note: z.string().trim().min(1).max(2000),
        incidentId: z.number().int().positive().nullable().default(null),
      }),
      handler: ({ auth, body }) => patrol.addFinding(auth, body),
    }),
    route({
      method: 'get',
      path: '/api/patrol/stats',
      summary: "A town's cameras: watched how long, how often, findings; and the ones never patrolled",
      tag: 'video',
      access: COMMAND_ROOM,
      query: z.strictObject({
        town: TownQuery,
        from: z.coerce.date().optional().describe('default: 7 days ago'),
        to: z.coerce.date().optional().describe('default: now'),
      }),
      handler: ({ auth, query }) =>
        patrol.stats(auth, query.town, query.from ?? new Date(Date.now() - 7 * 86_400_000), query.to ?? new Date()),
    }),
    route({
      method: 'get',
      path: '/api/patrol/checklist',
      summary: "The town's patrol checklist and, for the shift now, which cameras are done",
      tag: 'video',
      access: COMMAND_ROOM,
      query: z.strictObject({ town: TownQuery }),
      handler: ({ auth, query }) => patrol.checklist(auth, query.town),
    }),
    route({
      method: 'put',
      path: '/api/patrol/checklist',
      summary: "Set the town's patrol checklist: cameras every shift must watch for minSeconds",
      tag: 'video',
      access: COMMAND_ROOM,
      query: z.strictObject({ town: TownQuery }),
      body: z.strictObject({
        cameraIds: z.array(z.number().int().positive()).min(1).max(500),
        shiftStarts: z.array(HHMM).min(1).max(6).describe('daily shift starts, town time'),
        minSeconds: z.number().int().min(1).max(3600).default(10),
      }),
      handler: ({ auth, query, body }) => patrol.saveChecklist(auth, query.town, body),
    }),
  ];
}
