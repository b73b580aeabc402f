// The low-latency view: a never-ending fragmented MP4 answer for MediaSource, started
// with the init segment and the current GOP. The codec comes in X-Codec.
import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { COMMAND_ROOM } from '../../platform/auth/roles.js';
import type { LowLatencyService } from './low-latency.service.js';

/** A viewer further behind than this (a stalled tab, a slow link) is dropped: it reconnects at the live edge. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

export function lowLatencyRoutes(service: LowLatencyService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/cameras/:id/low-latency/:stream',
      summary:
        'Low-latency live view (fragmented MP4 for MediaSource, one fragment per frame); 422 low_latency_codec when not H.264: use HLS',
      tag: 'video',
      access: COMMAND_ROOM,
      ownerAccess: ['installer'],
      params: z.strictObject({ id: z.coerce.number().int().positive(), stream: z.enum(['main', 'sub']) }),
      handler: async ({ auth, params, req, res, ownerOnly }) => {
        const opened = await service.open(auth, params.id, params.stream, ownerOnly);
        res.status(200).type('video/mp4').setHeader('Cache-Control', 'no-store').setHeader('X-Codec', opened.codec);
        res.flushHeaders();
        res.socket?.setNoDelay(true);
        let open = true;
        await new Promise<void>((resolve) => {
          const leave = opened.join({
            write: (chunk) => {
              if (!open) return;
              if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
              else res.write(chunk);
            },
            end: () => res.end(),
          });
          const done = () => {
            if (!open) return;
            open = false;
            leave();
            resolve();
          };
          req.once('close', done);
          res.once('close', done);
        });
      },
    }),
  ];
}
