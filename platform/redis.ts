import { Redis } from 'ioredis';
import { config } from './config.js';
import { moduleLogger } from './logger.js';

const log = moduleLogger('redis');

/**
 * `failFast`: a command fails within seconds while Redis is gone (one reconnect attempt,
 * a 3 s deadline), so a request is answered (the work is in PostgreSQL, a sweep catches
 * up) instead of waiting in the offline queue until Redis is back. For connections that
 * serve requests; BullMQ workers and subscribers keep waiting (they must).
 */
export function createRedis(url = config().REDIS_URL, name = 'main', options: { failFast?: boolean } = {}): Redis {
  // BullMQ workers need maxRetriesPerRequest null on their connections; queues do not.
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    ...(options.failFast ? { commandTimeout: 3000 } : {}),
    lazyConnect: false,
    connectionName: `wangge-${name}`,
  });
  redis.on('error', (err: Error) => log.warn({ err: err.message, name }, 'redis connection error'));
  return redis;
}
