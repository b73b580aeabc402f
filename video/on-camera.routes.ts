// Recordings on the cameras (ONVIF Profile G): listed, and replayed through the relay
// as HLS. The command room only (no installer access: this is footage, not set-up).
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { COMMAND_ROOM } from '../platform/auth/roles.js';
import { sendLiveFile } from './live-file-reply.js';
import type { OnCameraService } from './on-camera.service.js';

const Id = z.coerce.number().int().positive();
const Instant = z.coerce.date({ error: 'an ISO 8601 instant, e.g. 2026-12-05T06:00:00Z' });
const DAY_MS = 86_400_000;

export function onCameraRoutes(onCamera: OnCameraService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/cameras/:id/on-camera/recordings',
      summary:
        'Recordings kept on the camera (ONVIF Profile G: SD card, NVR) and their spans between two instants (at most 7 days); error says why the camera could not answer',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: z.strictObject({ id: Id }),
      query: z
        .strictObject({ from: Instant, to: Instant })
        .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] })
        .refine((q) => q.to.getTime() - q.from.getTime() <= 7 * DAY_MS, {
          message: 'at most 7 days',
          path: ['to'],
        }),
      handler: ({ auth, params, query }) => onCamera.list(auth, params.id, query.from, query.to),
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/on-camera/replay',
      summary:
        "Play the camera's own recording from an instant: its replay stream relayed to HLS (404 no_footage when the camera has none then)",
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: z.strictObject({ id: Id }),
      body: z.strictObject({ at: Instant }),
      handler: ({ auth, params, body }) => onCamera.replay(auth, params.id, body.at),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/on-camera/:stream/:file',
      summary: 'HLS playlist and segments of a replay from the camera',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: z.strictObject({
        id: Id,
        stream: z.string().regex(/^replay-\d{1,12}-[0-9a-f]{8}$/, 'a replay stream name from POST …/on-camera/replay'),
        file: z.string().regex(/^[\w.-]{1,64}$/),
      }),
      query: z.strictObject({ access_token: z.string().optional() }),
      handler: async ({ auth, params, req, res }) =>
        sendLiveFile(await onCamera.file(auth, params.id, params.stream, params.file, req.originalUrl), req, res),
    }),
  ];
}
