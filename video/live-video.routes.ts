import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { IdParams } from '../gis/module.js';
import { RELAY_NAMES, type LiveVideoService, type RelayName } from './live-video.service.js';
import { sendLiveFile } from './live-file-reply.js';
import type { LiveSourcesService } from './live-sources.service.js';
import type { CamerasService } from './cameras.service.js';
import { COMMAND_ROOM } from '../platform/auth/roles.js';

// Live video: the command room, and the installer of that camera (ownerAccess).

const Stream = z.enum(['main', 'sub']).describe('sub for small tiles, main for the enlarged view');
const Relay = z
  .enum(RELAY_NAMES as [RelayName, ...RelayName[]])
  .describe('a camera stream, or its on-demand H.264 transcode (main-h264, sub-h264)');
const Decodes = z
  .array(z.enum(['h264', 'h265']))
  .min(1)
  .default(['h264'])
  .describe(
    'codecs the player decodes; without h265 an H.265 stream is replaced by the H.264 sub stream or an H.264 transcode',
  );

export function liveVideoRoutes(
  video: LiveVideoService,
  sources: LiveSourcesService,
  snapshots: CamerasService,
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/cameras/:id/snapshot.jpg',
      summary: 'A JPEG from the camera now: its snapshot URI, else one frame grabbed from its stream',
      tag: 'video',
      access: COMMAND_ROOM,
      ownerAccess: ['installer'],
      params: IdParams,
      query: z.strictObject({ access_token: z.string().optional() }),
      handler: async ({ auth, params, res, ownerOnly }) => {
        const picture = await snapshots.snapshot(auth, params.id, ownerOnly);
        res
          .status(200)
          .type('image/jpeg')
          .setHeader('Cache-Control', 'no-store')
          .setHeader('X-Snapshot-Source', picture.from);
        res.send(picture.jpeg);
      },
    }),
    route({
      method: 'post',
      path: '/api/live-sources',
      summary: 'Register a pushed stream (a phone, a drone); answers its RTMP push URL once',
      tag: 'video',
      access: ['operator', 'dispatcher', 'gridworker'],
      status: 201,
      body: z.strictObject({ name: z.string().min(1).max(100), townCode: z.string().min(1).max(40) }),
      handler: ({ auth, body }) => sources.create(auth, body.name, body.townCode),
    }),
    route({
      method: 'get',
      path: '/api/live-sources',
      summary: 'Pushed streams and whether they are live',
      tag: 'video',
      access: COMMAND_ROOM,
      handler: ({ auth }) => sources.list(auth),
    }),
    route({
      method: 'post',
      path: '/api/live-sources/:id/live',
      summary: 'Watch a pushed stream through HLS',
      tag: 'video',
      access: COMMAND_ROOM,
      params: IdParams,
      handler: ({ auth, params }) => sources.watch(auth, params.id),
    }),
    route({
      method: 'get',
      path: '/api/live-sources/:id/live/:file',
      summary: 'HLS of a pushed stream',
      tag: 'video',
      access: COMMAND_ROOM,
      params: z.strictObject({ id: z.coerce.number().int().positive(), file: z.string().regex(/^[\w.-]{1,64}$/) }),
      query: z.strictObject({ access_token: z.string().optional() }),
      handler: async ({ auth, params, res }) => {
        const file = await sources.file(auth, params.id, params.file);
        res.status(200).type(file.contentType).setHeader('Cache-Control', file.cacheControl);
        await new Promise<void>((resolve, reject) => {
          createReadStream(file.path).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
        });
      },
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/live',
      summary: 'Watch a camera: starts or joins its HLS relay, answers when the first segment is ready',
      tag: 'video',
      access: COMMAND_ROOM,
      ownerAccess: ['installer'],
      params: IdParams,
      body: z.strictObject({ stream: Stream.default('sub'), decodes: Decodes }),
      handler: ({ auth, params, body, ownerOnly }) =>
        video.watch(auth, params.id, body.stream, body.decodes, ownerOnly),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/live',
      summary: "State of the camera's relays",
      tag: 'video',
      access: COMMAND_ROOM,
      ownerAccess: ['installer'],
      params: IdParams,
      handler: ({ auth, params, ownerOnly }) => video.status(auth, params.id, ownerOnly),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/live/:stream/:file',
      summary: 'HLS playlist and segments (authorised viewers only)',
      tag: 'video',
      access: COMMAND_ROOM,
      ownerAccess: ['installer'],
      params: z.strictObject({
        id: z.coerce.number().int().positive(),
        stream: Relay,
        file: z.string().regex(/^[\w.-]{1,64}$/),
      }),
      query: z.strictObject({ access_token: z.string().optional() }),
      handler: async ({ auth, params, req, res, ownerOnly }) => {
        // Another instance may relay this stream: then it is fetched from there.
        await sendLiveFile(
          await video.file(auth, params.id, params.stream, params.file, req.originalUrl, ownerOnly),
          req,
          res,
        );
      },
    }),
  ];
}
