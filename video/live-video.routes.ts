import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { route, type AnyRoute } from '../server/http/route.js';
import { IdParams } from '../gis/gis.schemas.js';
import type { LiveVideoService } from './live-video.service.js';
import { ServiceUnavailable } from '../server/errors.js';

const Stream = z.enum(['main', 'sub']).describe('sub for small tiles, main for the enlarged view');

export function liveVideoRoutes(video: LiveVideoService): AnyRoute[] {
  return [
    route({
      method: 'post', path: '/api/cameras/:id/live', summary: 'Watch a camera: starts or joins its HLS relay, answers when the first segment is ready', tag: 'video',
      access: 'authenticated', params: IdParams, body: z.strictObject({ stream: Stream.default('sub') }),
      handler: ({ auth, params, body }) => video.watch(auth, params.id, body.stream),
    }),
    route({
      method: 'get', path: '/api/cameras/:id/live', summary: "State of the camera's relays", tag: 'video', access: 'authenticated', params: IdParams,
      handler: ({ auth, params }) => video.status(auth, params.id),
    }),
    route({
      method: 'get', path: '/api/cameras/:id/live/:stream/:file', summary: 'HLS playlist and segments (authorised viewers only)', tag: 'video',
      access: 'authenticated', params: z.strictObject({ id: z.coerce.number().int().positive(), stream: Stream, file: z.string().regex(/^[\w.-]{1,64}$/) }),
      query: z.strictObject({ access_token: z.string().optional() }),
      handler: async ({ auth, params, req, res }) => {
        const found = await video.file(auth, params.id, params.stream, params.file, req.originalUrl);
        if (!found.local) {
          // Another instance relays this stream: fetch from it with the caller's own
          // credentials, once (a proxied request is never proxied again).
          if (req.headers['x-wangge-proxied']) throw new ServiceUnavailable('The relay is changing hands; try again', 1);
          const headers: Record<string, string> = { 'x-wangge-proxied': '1' };
          if (req.headers.authorization) headers['authorization'] = req.headers.authorization;
          const upstream = await fetch(found.url, { headers });
          res.status(upstream.status).type(upstream.headers.get('content-type') ?? 'application/octet-stream');
          res.send(Buffer.from(await upstream.arrayBuffer()));
          return;
        }
        res.status(200).type(found.file.contentType).setHeader('Cache-Control', found.file.cacheControl);
        await new Promise<void>((resolve, reject) => {
          createReadStream(found.file.path).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
        });
      },
    }),
  ];
}
