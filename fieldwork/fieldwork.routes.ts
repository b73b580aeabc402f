// The phone's patrol log and household visits (device token), the taxonomy the phone's
// 一键上报 picks from, and the command room's view of the field work.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { readRawBody } from '../platform/http/raw-body.js';
import { COMMAND_ROOM } from '../platform/auth/roles.js';
import type { FieldworkService } from './fieldwork.service.js';

const ClientKey = z.string().regex(/^[\w-]{8,100}$/, "the phone's own key: 8–100 letters, digits, _ or -");
const Lon = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);
const When = z.coerce.date().refine((d) => d.getTime() <= Date.now() + 5 * 60_000, 'not in the future');
const MediaNames = z
  .array(z.string().regex(/^[0-9a-f]{64}\.(jpg|png|webp|mp4)$/, 'a name from POST /api/phone/uploads'))
  .max(20)
  .default([]);
const KeyParams = z.strictObject({ key: ClientKey });

export function fieldworkRoutes(
  service: FieldworkService,
  incidentTypes: () => Promise<unknown>,
  maxUploadBytes: number,
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/phone/incident-types',
      tag: 'phone',
      access: 'device',
      summary: 'The taxonomy for 一键上报 (device token)',
      handler: () => incidentTypes(),
    }),
    route({
      method: 'post',
      path: '/api/phone/uploads',
      tag: 'phone',
      access: 'device',
      status: 201,
      rawBody: {
        description: 'A photo or short video',
        contentTypes: ['image/jpeg', 'image/png', 'image/webp', 'video/mp4'],
      },
      summary: 'A photo or video for a patrol note or a visit; named by its content (the same file twice is one)',
      handler: async ({ req }) => {
        return service.upload(req.headers['content-type'] ?? '', await readRawBody(req, maxUploadBytes));
      },
    }),
    route({
      method: 'post',
      path: '/api/phone/patrols',
      tag: 'phone',
      access: 'device',
      status: 201,
      body: z.strictObject({ clientKey: ClientKey, startedAt: When, lon: Lon.optional(), lat: Lat.optional() }),
      summary: 'Starts a patrol (巡查); the same clientKey again returns the patrol already started',
      handler: ({ body, device }) => service.startPatrol(device!, body.clientKey, body.startedAt, body.lon, body.lat),
    }),
    route({
      method: 'post',
      path: '/api/phone/patrols/:key/stop',
      tag: 'phone',
      access: 'device',
      params: KeyParams,
      body: z.strictObject({ endedAt: When }),
      summary: 'Ends the patrol (once; a second stop keeps the first end)',
      handler: ({ params, body, device }) => service.stopPatrol(device!, params.key, body.endedAt),
    }),
    route({
      method: 'post',
      path: '/api/phone/patrols/:key/notes',
      tag: 'phone',
      access: 'device',
      params: KeyParams,
      status: 201,
      body: z.strictObject({
        clientKey: ClientKey,
        at: When,
        note: z.string().trim().min(1, 'write what you saw').max(2000),
        lon: Lon.optional(),
        lat: Lat.optional(),
        media: MediaNames,
      }),
      summary: 'A note on the way, with photos already uploaded',
      handler: ({ params, body, device }) => service.addNote(device!, params.key, body),
    }),
    route({
      method: 'post',
      path: '/api/phone/visits',
      tag: 'phone',
      access: 'device',
      status: 201,
      body: z.strictObject({
        clientKey: ClientKey,
        at: When,
        household: z.string().trim().min(1, 'which household (户主或门牌)').max(100),
        address: z.string().trim().max(200).optional(),
        note: z.string().trim().min(1, 'write what was said or seen').max(2000),
        lon: Lon.optional(),
        lat: Lat.optional(),
        media: MediaNames,
      }),
      summary: 'A household visit (走访); the same clientKey again returns the visit already recorded',
      handler: ({ body, device }) => service.addVisit(device!, body),
    }),
    route({
      method: 'get',
      path: '/api/phone/fieldwork',
      tag: 'phone',
      access: 'device',
      summary: "This phone's gridworker's recent patrols and visits",
      handler: ({ device }) => service.mine(device!),
    }),
    route({
      method: 'get',
      path: '/api/fieldwork',
      tag: 'fieldwork',
      access: COMMAND_ROOM,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      summary: 'Recent patrols (with their notes) and household visits of the towns one may see',
      handler: ({ auth, query }) => service.list(auth, query.limit),
    }),
  ];
}
