import type { Request, Response } from 'express';
import type { LiveBus, LiveEvent } from './live-bus.js';

const HEARTBEAT_MS = 15_000;
// A browser that cannot keep up is cut off rather than buffered without bound.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Streams live events as Server-Sent Events until the client goes away. */
export function streamEvents(
  bus: LiveBus,
  req: Request,
  res: Response,
  filter: { topics: Set<string>; townIds: Set<number> | null; personId: number | null; owner?: string },
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
  const end = () => {
    clearInterval(heartbeat);
    remove();
  };
  req.on('close', end);
  res.on('error', end);
}
