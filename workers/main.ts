// The workers process: periodic and queued work that no request waits for. Today:
// the camera health checks. Several worker processes may run; a Redis lease makes
// sure only one of them checks the cameras in a given round.
import { randomUUID } from 'node:crypto';
import { config } from '../server/config.js';
import { rootLogger } from '../server/logger.js';
import { createServices } from '../server/composition.js';

async function main(): Promise<void> {
  const cfg = config();
  const services = await createServices(cfg);
  const me = randomUUID();
  const leaseKey = `${cfg.REDIS_PREFIX}:lease:camera-health`;
  const intervalMs = cfg.CAMERA_HEALTH_INTERVAL_S * 1000;
  const round = async () => {
    // Whoever holds the lease checks; it lapses if that worker dies.
    const got = await services.redis.set(leaseKey, me, 'PX', intervalMs * 2, 'NX');
    const mine = got === 'OK' || (await services.redis.get(leaseKey)) === me;
    if (!mine) return;
    await services.redis.pexpire(leaseKey, intervalMs * 2);
    const result = await services.cameraHealth.checkAll();
    rootLogger.info(result, 'camera health round');
  };
  const timer = setInterval(() => void round().catch((err: unknown) => rootLogger.error({ err }, 'health round failed')), intervalMs);
  void round();
  rootLogger.info({ intervalS: cfg.CAMERA_HEALTH_INTERVAL_S }, 'workers running');
  const stop = async () => {
    clearInterval(timer);
    services.cameraSessions.closeAll();
    services.redis.disconnect();
    await services.db.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  rootLogger.fatal({ err }, 'workers failed to start');
  process.exit(1);
});
