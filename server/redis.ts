import { Redis } from 'ioredis';
import { config } from './config.js';
import { moduleLogger } from './logger.js';

const log = moduleLogger('redis');

export function createRedis(url = config().REDIS_URL, name = 'main'): Redis {
  // BullMQ needs maxRetriesPerRequest null on its connections; harmless elsewhere.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false, connectionName: `wangge-${name}` });
  redis.on('error', (err: Error) => log.warn({ err: err.message, name }, 'redis connection error'));
  return redis;
}
