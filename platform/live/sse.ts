import type { Request, Response } from 'express';
import type { LiveBus, LiveEvent } from './live-bus.js';

const HEARTBEAT_MS = 15_000;
// A browser that cannot keep up is cut off rather than buffered without bound.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * How a stream checks, every `everyMs`, that whoever opened it may still listen (the
 * session or device token not revoked, the account not disabled); when not, the
 * stream ends with an `event: revoked` so the client logs in again instead of retrying.
 */
export interface StreamRecheck {
  everyMs: number;
  stillAllowed(): Promise<boolean>;
}

/** Streams live events as Server-Sent Events until the client goes away or loses its right to. */
export function streamEvents(
  bus: LiveBus,
  req: Request,
  res: Response,
  filter: {
    topics: Set<string>;
    townIds: Set<number> | null;
    personId: number | null;
    accountId?: number | null;
    owner?: string;
  },
  recheck?: StreamRecheck,
): void {
  let id = 0;
  // Subscribed before the head is written, so a refused stream (too many) is a plain 429.
  const remove = bus.add({
    ...filter,
    send(event: LiveEvent) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        return;
      }
      res.write(`id: ${++id}\nevent: ${event.topic}\ndata: ${JSON.stringify(event.data)}\n\n`);
    },
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 2000\n: connected ${new Date().toISOString()}\n\n`);
  const heartbeat = setInterval(() => res.write(`: ping\n\n`), HEARTBEAT_MS);
  let checking = false;
  const check = recheck
    ? setInterval(() => {
        if (checking) return;
        checking = true;
        recheck
          .stillAllowed()
          // A failed check (the database briefly gone) keeps the stream; the next one decides.
          .then(
            (allowed) => {
              if (allowed || res.destroyed) return;
              end();
              res.end(`event: revoked\ndata: {"reason":"session_ended"}\n\n`);
            },
            () => undefined,
          )
          .finally(() => (checking = false));
      }, recheck.everyMs)
    : undefined;
  const end = () => {
    clearInterval(heartbeat);
    clearInterval(check);
    remove();
  };
  req.on('close', end);
  res.on('error', end);
}
