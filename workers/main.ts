// The workers process: queued and periodic work that no request waits for. Every
// worker process runs the incident queues (dispatch, offer timeouts, deadlines, camera
// alerts → incidents). Several may run; a Redis lease makes one of them the leader that
// also checks camera health, keeps the cameras' event subscriptions (alarms → alerts),
// sweeps the alert outbox, and re-creates lost incident jobs and missed deadlines.
import { randomUUID } from 'node:crypto';
import { config } from '../platform/config.js';
import { guardProcess } from '../platform/process-guards.js';
import { rootLogger } from '../platform/logger.js';
import http from 'node:http';
import { createServices, type Services } from '../server/composition.js';
import { Metrics } from '../platform/metrics.js';
import { AlertWatcher } from '../video/alert-watcher.js';
import { startIncidentWorkers } from './incident-workers.js';
import { assertSafeForProduction, UnsafeProductionSettings } from '../accounts/production-guard.js';

/**
 * The workers' own /metrics (dispatch latency, queue depths, process): on its own port,
 * with METRICS_TOKEN as bearer; without a token, on loopback only.
 */
async function serveWorkerMetrics(services: Services, port: number, token: string | undefined): Promise<http.Server> {
  const metrics = new Metrics();
  services.incidents.dispatch.onOffered = (offers) => metrics.observeDispatch(offers);
  metrics.queues([services.alertsQueue, services.incidents.jobs.dispatch, services.incidents.jobs.deadlines]);
  const server = http.createServer((req, res) => {
    const ok = !token || req.headers.authorization === `Bearer ${token}`;
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    if (!ok)
      return void res.writeHead(401, { 'content-type': 'text/plain' }).end('send METRICS_TOKEN as a bearer token\n');
    metrics.scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(port, token ? '0.0.0.0' : '127.0.0.1', resolve),
  );
  return server;
}

/** How often the leader looks for offers committed but never pushed. */
const OUTBOX_SWEEP_MS = 1000;

async function main(): Promise<void> {
  guardProcess('workers');
  const cfg = config();
  await assertSafeForProduction(cfg).catch((err: unknown) => {
    if (!(err instanceof UnsafeProductionSettings)) throw err;
    console.error(err.message);
    process.exit(2);
  });
  const services = await createServices(cfg);
  const me = randomUUID();
  const leaseKey = `${cfg.REDIS_PREFIX}:lease:workers-leader`;
  const watcher = new AlertWatcher(services.db, services.box, services.alerts, cfg.CAMERA_TIMEOUT_MS);
  let watching = false;
  const intervalMs = cfg.CAMERA_HEALTH_INTERVAL_S * 1000;
  // Whoever holds the lease leads; it lapses if that worker dies (or Redis forgets it).
  const leading = async (): Promise<boolean> => {
    const got = await services.redis.set(leaseKey, me, 'PX', intervalMs * 2, 'NX');
    const mine = got === 'OK' || (await services.redis.get(leaseKey)) === me;
    if (mine) await services.redis.pexpire(leaseKey, intervalMs * 2);
    return mine;
  };
  const round = async () => {
    if (!(await leading())) return;
    if (!watching) {
      watching = true;
      watcher.start(intervalMs);
    }
    await services.alerts.sweep();
    const result = await services.cameraHealth.checkAll();
    rootLogger.info(result, 'camera health round');
  };
  const timer = setInterval(
    () => void round().catch((err: unknown) => rootLogger.error({ err }, 'health round failed')),
    intervalMs,
  );
  void round();
  const incidentWorkers = startIncidentWorkers(services.incidents, services.db, cfg.REDIS_URL, cfg.REDIS_PREFIX);
  const sweep = async () => {
    if (!(await leading())) return;
    const swept = await incidentWorkers.sweep();
    if (swept.redispatched + swept.cards > 0) rootLogger.info(swept, 'incident sweep');
  };
  const sweepTimer = setInterval(
    () => void sweep().catch((err: unknown) => rootLogger.error({ err }, 'incident sweep failed')),
    cfg.INCIDENT_SWEEP_S * 1000,
  );
  // The offer outbox, more often than the sweep: a phone should hear of its offer within seconds.
  const pushUnsent = async () => {
    if (!(await leading())) return;
    await services.incidents.dispatch.pushUnsent();
  };
  const outboxTimer = setInterval(
    () =>
      void pushUnsent().catch((err: unknown) =>
        rootLogger.warn({ err: (err as Error).message }, 'offer outbox sweep failed'),
      ),
    OUTBOX_SWEEP_MS,
  );
  const notifications = await services.notifications.work!(leading);
  const metricsServer =
    cfg.WORKERS_METRICS_PORT > 0
      ? await serveWorkerMetrics(services, cfg.WORKERS_METRICS_PORT, cfg.METRICS_TOKEN)
      : null;
  rootLogger.info({ intervalS: cfg.CAMERA_HEALTH_INTERVAL_S }, 'workers running');
  const stop = async () => {
    clearInterval(timer);
    clearInterval(sweepTimer);
    clearInterval(outboxTimer);
    metricsServer?.close();
    await incidentWorkers.close();
    await notifications.stop();
    await watcher.stop();
    await services.alertsQueue.close();
    await services.incidents.jobs.close();
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
