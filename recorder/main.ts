// The `recorder` process: records cameras into segment files (recordings/recorder.ts).
// Run any number of them, on any hosts sharing RECORDINGS_DIR, PostgreSQL and Redis:
// each camera is recorded by the one recorder holding its lease; a recorder that dies
// has its cameras taken over within one lease period. The api is not needed: an api
// restart never cuts a recording.
import { randomUUID } from 'node:crypto';
import { configOrExit } from '../platform/config.js';
import { guardProcess } from '../platform/process-guards.js';
import { rootLogger } from '../platform/logger.js';
import { createPool } from '../platform/db/pool.js';
import { createRedis } from '../platform/redis.js';
import { LiveBus } from '../platform/live/live-bus.js';
import { MediaStore } from '../platform/media-store.js';
import { GridMap } from '../gis/map-revision.js';
import { CredentialBox } from '../video/credentials.js';
import { CamerasService } from '../video/cameras.service.js';
import { CameraNetworkPolicy, parseNetworks, setCameraNetworks } from '../video/camera-network.js';
import { recordingsModule } from '../recordings/module.js';
import { videoCameras } from '../recordings/video-cameras.js';

async function main(): Promise<void> {
  guardProcess('recorder');
  const cfg = configOrExit();
  const db = createPool(cfg.DATABASE_URL, 4);
  const redis = createRedis(cfg.REDIS_URL, 'recorder');
  const subscriber = createRedis(cfg.REDIS_URL, 'recorder-sub');
  const live = new LiveBus(redis, cfg.REDIS_PREFIX);
  setCameraNetworks(
    new CameraNetworkPolicy({
      networks: parseNetworks(cfg.CAMERA_NETWORKS),
      production: cfg.NODE_ENV === 'production',
    }),
  );
  const box = new CredentialBox(cfg.SECRET_KEY);
  const cameras = new CamerasService(db, new GridMap(db, null, cfg.REDIS_PREFIX), box, cfg.CAMERA_TIMEOUT_MS);
  const recordings = recordingsModule(
    { config: cfg, db, redis, live, media: new MediaStore(cfg.MEDIA_DIR), baseUrl: '' },
    { cameras: videoCameras(db, box, cameras) },
  );
  const id = process.env['RECORDER_ID'] ?? `recorder-${process.pid}-${randomUUID().slice(0, 8)}`;
  const recorder = recordings.recorder(id);
  await live.listen(subscriber);
  recorder.follow();
  recorder.start();
  rootLogger.info({ id, dir: recordings.services.config.dir, pid: process.pid }, 'recorder running');
  const stop = async (signal: string) => {
    rootLogger.info({ signal }, 'recorder stopping');
    await recorder.stop();
    subscriber.disconnect();
    redis.disconnect();
    await db.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  rootLogger.fatal({ err }, 'recorder failed to start');
  process.exit(1);
});
