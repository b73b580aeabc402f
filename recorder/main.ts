// The `recorder` process: records cameras into segment files (recordings/recorder.ts).
// Run any number of them, on any hosts sharing RECORDINGS_DIR, PostgreSQL and Redis:
// each camera is recorded by the one recorder holding its lease; a recorder that dies
// has its cameras taken over within one lease period. The api is not needed: an api
// restart never cuts a recording.
import { randomUUID } from 'node:crypto';
import { configOrExit } from '../platform/config.js';
import { guardProcess } from '../platform/process-guards.js';
import { rootLogger } from '../platform/logger.js';
import { createRedis } from '../platform/redis.js';
import { closePlatform, createPlatform } from '../platform/platform.js';
import { gisModule } from '../gis/module.js';
import { videoModule } from '../video/module.js';
import { recordingsModule, videoCameras } from '../recordings/module.js';

async function main(): Promise<void> {
  guardProcess('recorder');
  const cfg = configOrExit();
  const platform = createPlatform({ ...cfg, DB_POOL_SIZE: Math.min(cfg.DB_POOL_SIZE, 4) }, '', 'recorder');
  const gis = await gisModule(platform);
  const video = videoModule(platform, gis.services);
  const recordings = recordingsModule(platform, { cameras: videoCameras(video.services) });
  const id = process.env['RECORDER_ID'] ?? `recorder-${process.pid}-${randomUUID().slice(0, 8)}`;
  const recorder = recordings.recorder(id);
  const subscriber = createRedis(cfg.REDIS_URL, 'recorder-sub');
  await platform.live.listen(subscriber);
  recorder.follow();
  recorder.start();
  rootLogger.info({ id, dir: recordings.services.config.dir, pid: process.pid }, 'recorder running');
  const stop = async (signal: string) => {
    rootLogger.info({ signal }, 'recorder stopping');
    await recorder.stop();
    subscriber.disconnect();
    await video.stop?.();
    await closePlatform(platform);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  rootLogger.fatal({ err }, 'recorder failed to start');
  process.exit(1);
});
