// The platform a process hands its domains: one pool, one Redis command connection, the
// live bus and the media store. Made once per process, closed last.
import type { Config } from './config.js';
import { createPool } from './db/pool.js';
import { createRedis } from './redis.js';
import { LiveBus } from './live/live-bus.js';
import { MediaStore } from './media-store.js';
import type { Platform } from './module.js';

export function createPlatform(config: Config, baseUrl: string, processName: string): Platform {
  const db = createPool(config.DATABASE_URL, config.DB_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, processName, { failFast: true });
  const live = new LiveBus(redis, config.REDIS_PREFIX);
  live.maxPerOwner = config.SSE_PER_ACCOUNT;
  return { config, db, redis, live, media: new MediaStore(config.MEDIA_DIR), baseUrl };
}

export async function closePlatform(p: Platform): Promise<void> {
  p.redis.disconnect();
  await p.db.end();
}
