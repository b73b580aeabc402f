// What every BullMQ queue shares: its key prefix and where its connection errors go.
// The queues themselves belong to their domains (incidents/queues.ts, video/alert-queue.ts).
import type { QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { moduleLogger } from './logger.js';

const log = moduleLogger('queues');

/**
 * BullMQ re-emits its connections' errors (ECONNRESET when Redis restarts) on the queue or
 * worker; with no listener it prints them raw on stderr. They go to the structured log.
 */
export function logErrors<T extends { name: string; on(event: 'error', fn: (err: Error) => void): unknown }>(q: T): T {
  q.on('error', (err: Error) => log.warn({ queue: q.name, err: err.message }, 'queue connection error'));
  return q;
}

/** Every queue of a deployment lives under `<REDIS_PREFIX>:bull`. */
export function queueOptions(connection: Redis, prefix: string): Pick<QueueOptions, 'connection' | 'prefix'> {
  return { connection, prefix: `${prefix}:bull` };
}
