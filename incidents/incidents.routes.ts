// The command room's incident API: the taxonomy, intake by an operator, the queue, an
// incident's card and timeline, its photos, the nearest gridworkers, dispatch by hand
// and the steps of the closed loop. Phones have their own routes (phone.routes.ts).
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { readRawBody } from '../platform/http/raw-body.js';
import { IdempotentRequests } from '../platform/http/idempotency.js';
import { convertPoint } from '../gis/module.js';
import type { IncidentRouteDeps } from './route-deps.js';
import {
  ActionBody,
  DispatchAnswer,
  IncidentAnswer,
  IncidentListAnswer,
  IncidentParams,
  IntakeAnswer,
  ListQuery,
  MediaParams,
  NewIncidentBody,
  SubcategoryPatch,
} from './incidents.schemas.js';
import { phoneRoutes } from './phone.routes.js';
import { placementRoutes } from './placement.routes.js';
import { statsRoutes } from './stats.routes.js';

import { COMMAND_ROOM, EVERYONE } from '../platform/auth/roles.js';
import { assertEveryTown } from '../platform/auth/account-scope.js';

export function incidentRoutes(services: IncidentRouteDeps): AnyRoute[] {
  const requests = new IdempotentRequests(services.db);
  const { taxonomy, intake, incidents } = services.incidents;
  const maxBytes = Math.round(services.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);
  return [
    ...placementRoutes(services), // before /api/incidents/:id
    route({
      method: 'get',
      path: '/api/incident-types',
      tag: 'incidents',
      access: EVERYONE,
      summary: 'The taxonomy: categories and subcategories with platform, severity, deadlines and merge rules',
      handler: () => taxonomy.categories(),
    }),
    route({
      method: 'patch',
      path: '/api/incident-types/:code',
      tag: 'incidents',
      access: ['admin'],
      summary: "Change a subcategory's routing, severity, deadlines or merge rules",
      params: z.strictObject({ code: z.string() }),
      body: SubcategoryPatch,
      handler: ({ auth, params, body }) => {
        assertEveryTown(auth, 'the taxonomy every town shares'); // a town's admin changes nothing of other towns
        return taxonomy.update(params.code, body);
      },
    }),
    route({
      method: 'post',
      path: '/api/incidents',
      tag: 'incidents',
      access: [...COMMAND_ROOM, 'gridworker'],
      status: 201,
      summary:
        'Report an incident from the map or from what a camera shows (merged into a matching open incident nearby)',
      body: NewIncidentBody,
      responses: { 201: { description: 'The incident, new or merged into', schema: IntakeAnswer } },
      // A form sent again after a lost answer (a dropped connection, a double click) names
      // itself with Idempotency-Key: the retry gets the first answer and files nothing.
      handler: ({ req, res, auth, body }) =>
        requests.once(req, res, `account:${auth.account?.id}`, async () => {
          const [lon, lat] = convertPoint(body.lon, body.lat, body.crs, 'WGS84');
          const actor = await incidents.actorOf(auth);
          const picture = body.cameraId ? await incidents.snapshotFrom(auth, body.cameraId) : null;
          return intake.report(
            {
              source: actor.commandRoom ? 'operator' : 'gridworker',
              subcategoryCode: body.subcategory,
              description: body.description,
              lon,
              lat,
              address: body.address ?? null,
              cameraId: body.cameraId ?? null,
              settledOnSpot: body.settledOnSpot,
              reporterAccountId: actor.accountId,
              reporterPersonId: actor.personId,
              townIds: auth.townFilter,
              snapshotFile: picture?.file ?? null,
              snapshotBytes: picture?.bytes ?? 0,
            },
            actor,
          );
        }),
    }),
    route({
      method: 'get',
      path: '/api/incidents',
      tag: 'incidents',
      access: [...COMMAND_ROOM, 'planner'],
      query: ListQuery,
      summary: 'Incidents, most severe and nearest deadline first',
      responses: { 200: { description: 'A page of incidents and how many match', schema: IncidentListAnswer } },
      handler: ({ auth, query }) =>
        incidents.list(auth, {
          townCode: query.town,
          gridCode: query.grid,
          states: query.state,
          open: query.open,
          platform: query.platform,
          source: query.source,
          since: query.since,
          until: query.until,
          limit: query.limit,
          offset: query.offset,
        }),
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id',
      tag: 'incidents',
      access: COMMAND_ROOM,
      ownerAccess: ['gridworker'],
      params: IncidentParams,
      summary: "An incident's card: reports, photos, timeline, offers, deadlines and the actions you may take",
      handler: ({ auth, params, ownerOnly }) => incidents.detail(auth, params.id, ownerOnly),
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/timeline',
      tag: 'incidents',
      access: COMMAND_ROOM,
      ownerAccess: ['gridworker'],
      params: IncidentParams,
      summary: 'Every step of the closed loop: who, when, from where and why',
      handler: async ({ auth, params, ownerOnly }) => ({
        timeline: (await incidents.detail(auth, params.id, ownerOnly)).timeline,
      }),
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/candidates',
      tag: 'incidents',
      access: COMMAND_ROOM,
      params: IncidentParams,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
      summary: 'The nearest gridworkers with distance, duty state, position age and open tasks',
      handler: async ({ auth, params, query }) => ({
        candidates: await incidents.candidates(auth, params.id, query.limit),
      }),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/dispatch',
      tag: 'incidents',
      access: ['dispatcher'],
      params: IncidentParams,
      body: z.strictObject({ personId: z.number().int().positive() }),
      summary: 'Send a gridworker chosen by hand (any pending offer is taken back)',
      responses: { 200: { description: 'The incident and the offer made', schema: DispatchAnswer } },
      handler: ({ auth, params, body }) => incidents.dispatchByHand(auth, params.id, body.personId),
    }),
    // orgs: reclassify / regrade (改类改级) with history
    route({
      method: 'post',
      path: '/api/incidents/:id/reclassify',
      tag: 'incidents',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: z.strictObject({
        subcategory: z.string().max(90).optional(),
        severity: z.number().int().min(1).max(4).optional(),
        note: z.string().trim().max(2000).optional(),
      }),
      summary:
        "Change an incident's subcategory (and so its platform) or severity; the before and after go in the timeline",
      handler: async ({ auth, params, body }) =>
        incidents.reclassify(await incidents.actorOf(auth), params.id, body, auth.townFilter),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/actions',
      tag: 'incidents',
      access: [...COMMAND_ROOM, 'gridworker'],
      params: IncidentParams,
      body: ActionBody,
      summary: 'A step of the closed loop: start, handle, verify (with rating), close, return, escalate, merge',
      responses: { 200: { description: 'The incident after the step', schema: IncidentAnswer } },
      handler: async ({ auth, params, body }) =>
        incidents.act(await incidents.actorOf(auth), params.id, body, auth.townFilter),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/live-sources',
      tag: 'incidents',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: z.strictObject({ liveSourceId: z.number().int().positive() }),
      summary: 'Attach a pushed live stream (a phone at the scene, a drone) to the incident',
      handler: ({ auth, params, body }) => incidents.attachLiveSource(auth, params.id, body.liveSourceId),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/media',
      tag: 'incidents',
      access: [...COMMAND_ROOM, 'gridworker'],
      params: IncidentParams,
      status: 201,
      summary: 'Attach a photo or video: the body is the file (image/jpeg, image/png, image/webp, video/mp4)',
      handler: async ({ auth, params, req }) => {
        const body = await readRawBody(req, maxBytes);
        return incidents.addMedia(
          await incidents.actorOf(auth),
          params.id,
          req.headers['content-type'] ?? '',
          body,
          auth.townFilter,
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/media/:mediaId',
      tag: 'incidents',
      access: COMMAND_ROOM,
      ownerAccess: ['gridworker'],
      params: MediaParams,
      summary: 'A photo, video or snapshot of an incident',
      handler: async ({ auth, params, res, ownerOnly }) => {
        const { media, body } = await incidents.readMedia(auth, params.id, params.mediaId, ownerOnly);
        res.set('content-type', media.contentType).set('cache-control', 'private, max-age=86400').send(body);
      },
    }),
    ...phoneRoutes(services),
    ...statsRoutes(services),
  ];
}
