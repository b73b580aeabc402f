// What a gridworker's phone does with incidents, authenticated by its device token
// (the one it sends positions with): report (一键上报) with photos, hear offers on its
// own push stream, accept or decline them, and carry its tasks through the loop.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { bearerToken, type AuthenticatedDevice } from '../platform/http/auth-middleware.js';
import { readRawBody } from '../platform/http/raw-body.js';
import { IdempotentRequests } from '../platform/http/idempotency.js';
import { streamEvents } from '../platform/live/sse.js';
import { FixRejected } from '../positions/module.js';
import { convertPoint } from '../gis/module.js';
import type { IncidentRouteDeps } from './route-deps.js';
import { AnswerBody, IncidentParams, OfferParams, PhoneActionBody, PhoneReportBody } from './incidents.schemas.js';
import type { Actor } from './model.js';

export function phoneRoutes(services: IncidentRouteDeps): AnyRoute[] {
  const { intake, incidents, dispatch } = services.incidents;
  const requests = new IdempotentRequests(services.db);
  const maxBytes = Math.round(services.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);

  // `access: 'device'` let in only a known, enabled device: this is the phone as an actor.
  const phoneOf = (device: AuthenticatedDevice | null): Actor & { kind: 'phone'; townId: number } => {
    if (!device) throw new Error('phone route declared without device access');
    return {
      kind: 'phone',
      personId: device.personId,
      deviceId: device.deviceId,
      label: `device ${device.identifier}`,
      townId: device.townId,
    };
  };

  // Every write takes an Idempotency-Key (the app's offline queue sends again until answered).
  return [
    route({
      method: 'post',
      path: '/api/phone/incidents',
      tag: 'phone',
      access: 'device',
      status: 201,
      body: PhoneReportBody,
      summary: '一键上报: a gridworker reports what they found; "settledOnSpot" records it closed without dispatch',
      handler: async ({ req, res, body, device }) => {
        const phone = phoneOf(device);
        const [lon, lat] = convertPoint(body.lon, body.lat, body.crs, 'WGS84');
        return requests.once(req, res, `device:${phone.deviceId}`, () =>
          intake.report(
            {
              source: 'gridworker',
              subcategoryCode: body.subcategory,
              description: body.description,
              lon,
              lat,
              address: body.address ?? null,
              settledOnSpot: body.settledOnSpot,
              reporterPersonId: phone.personId,
              townIds: [phone.townId],
            },
            phone,
          ),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/phone/incidents/:id/media',
      tag: 'phone',
      access: 'device',
      params: IncidentParams,
      status: 201,
      summary: 'A photo or video from the reporter or the assignee (body: the file)',
      handler: async ({ req, res, params, device }) => {
        const phone = phoneOf(device);
        return requests.once(req, res, `device:${phone.deviceId}`, async () => {
          const body = await readRawBody(req, maxBytes);
          return incidents.addMedia(phone, params.id, req.headers['content-type'] ?? '', body, [phone.townId]);
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/phone/tasks',
      tag: 'phone',
      access: 'device',
      summary: "Offers waiting for this phone's answer and the tasks it holds",
      handler: async ({ device }) => incidents.tasksOf(phoneOf(device).personId),
    }),
    route({
      method: 'post',
      path: '/api/phone/offers/:id/accept',
      tag: 'phone',
      access: 'device',
      params: OfferParams,
      body: AnswerBody,
      summary: 'Take the offered incident (409 when it was taken back, ran out or went to someone else)',
      handler: async ({ req, res, params, body, device }) => {
        const phone = phoneOf(device);
        return requests.once(req, res, `device:${phone.deviceId}`, () =>
          dispatch.answer(phone, params.id, true, body?.note ?? null),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/phone/offers/:id/decline',
      tag: 'phone',
      access: 'device',
      params: OfferParams,
      body: AnswerBody,
      summary: 'Decline the offer; the next gridworker is asked',
      handler: async ({ req, res, params, body, device }) => {
        const phone = phoneOf(device);
        return requests.once(req, res, `device:${phone.deviceId}`, () =>
          dispatch.answer(phone, params.id, false, body?.note ?? null),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/phone/incidents/:id/actions',
      tag: 'phone',
      access: 'device',
      params: IncidentParams,
      body: PhoneActionBody,
      summary: "Start, handle (with feedback), verify (the revisit, with the citizen's rating) or escalate a task",
      handler: async ({ req, res, params, body, device }) => {
        const phone = phoneOf(device);
        return requests.once(req, res, `device:${phone.deviceId}`, () =>
          incidents.act(phone, params.id, body, [phone.townId]),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/phone/live',
      tag: 'phone',
      access: 'device',
      query: z.strictObject({ access_token: z.string().optional() }),
      summary: "Server-Sent Events for this phone: its offers (topic 'offers'); token in the header or ?access_token=",
      handler: async ({ req, res, device }) => {
        const phone = phoneOf(device);
        const token = bearerToken(req)!;
        // A device disabled or given a new token loses its stream within the recheck.
        const stillAllowed = async () => {
          try {
            return (await services.devices.deviceByToken(token))?.deviceId === phone.deviceId;
          } catch (err) {
            // Disabled: refused. Anything else (the database briefly away) keeps the stream.
            if (err instanceof FixRejected) return false;
            throw err;
          }
        };
        streamEvents(
          services.live,
          req,
          res,
          {
            topics: new Set(['offers']),
            townIds: new Set([phone.townId]),
            personId: phone.personId,
            owner: `phone:${phone.personId}`,
          },
          {
            everyMs: services.config.SESSION_RECHECK_S * 1000,
            stillAllowed,
          },
        );
      },
    }),
  ];
}
