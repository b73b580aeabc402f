// The workers process: periodic and queued work that no request waits for: camera
// health checks, the cameras' event subscriptions (alarms → alerts) and the alert
// outbox sweep. Several worker processes may run; a Redis lease makes one of them
// the leader that does this.
import { randomUUID } from 'node:crypto';
import { config } from '../server/config.js';
import { rootLogger } from '../server/logger.js';
import { createServices } from '../server/composition.js';
import { AlertWatcher } from '../video/alert-watcher.js';

async function main(): Promise<void> {
  const cfg = config();
  const services = await createServices(cfg);
  const me = randomUUID();
  const leaseKey = `${cfg.REDIS_PREFIX}:lease:workers-leader`;
  const watcher = new AlertWatcher(services.db, services.box, services.alerts, cfg.CAMERA_TIMEOUT_MS);
  let watching = false;
  const intervalMs = cfg.CAMERA_HEALTH_INTERVAL_S * 1000;
  const round = async () => {
    // Whoever holds the lease checks; it lapses if that worker dies.
    const got = await services.redis.set(leaseKey, me, 'PX', intervalMs * 2, 'NX');
    const mine = got === 'OK' || (await services.redis.get(leaseKey)) === me;
    if (!mine) return;
    await services.redis.pexpire(leaseKey, intervalMs * 2);
    if (!watching) {
      watching = true;
      watcher.start(intervalMs);
    }
    await services.alerts.sweep();
    const result = await services.cameraHealth.checkAll();
    rootLogger.info(result, 'camera health round');
  };
  const timer = setInterval(() => void round().catch((err: unknown) => rootLogger.error({ err }, 'health round failed')), intervalMs);
  void round();
  rootLogger.info({ intervalS: cfg.CAMERA_HEALTH_INTERVAL_S }, 'workers running');
  const stop = async () => {
    clearInterval(timer);
    await watcher.stop();
    await services.alertsQueue.close();
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
