// The workers process: queued and periodic work that no request waits for. It builds the
// same domains as the api and runs each one's work(): every workers process runs the
// incident queues (dispatch, offer timeouts, deadlines, camera alerts → incidents); a
// lease makes one of them the leader that also checks camera health, keeps the cameras'
// event subscriptions, sweeps the alert and offer outboxes and re-creates lost jobs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { config } from '../platform/config.js';
import { guardProcess } from '../platform/process-guards.js';
import { rootLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { Leases } from '../platform/lease.js';
import { closePlatform } from '../platform/platform.js';
import type { Running } from '../platform/module.js';
import { compose, type Composed } from '../server/composition.js';
import { assertSafeForProduction, UnsafeProductionSettings } from '../accounts/module.js';

/**
 * The workers' own /metrics (dispatch latency, queue depths, process): on its own port,
 * with METRICS_TOKEN as bearer; without a token, on loopback only.
 */
async function serveWorkerMetrics(
  { modules, services }: Composed,
  port: number,
  token: string | undefined,
): Promise<http.Server> {
  const metrics = new Metrics();
  services.incidents.dispatch.onOffered = (offers) => metrics.observeDispatch(offers);
  metrics.queues(modules.flatMap((m) => m.queues ?? []));
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

async function main(): Promise<void> {
  guardProcess('workers');
  const cfg = config();
  await assertSafeForProduction(cfg).catch((err: unknown) => {
    if (!(err instanceof UnsafeProductionSettings)) throw err;
    console.error(err.message);
    process.exit(2);
  });
  const composed = await compose(cfg, undefined, 'workers');
  const { platform, modules } = composed;
  // Whoever holds the lease leads; it lapses if that worker dies (or Redis forgets it).
  const leases = new Leases(platform.redis);
  const me = randomUUID();
  const leaseKey = `${cfg.REDIS_PREFIX}:lease:workers-leader`;
  const leaseMs = cfg.CAMERA_HEALTH_INTERVAL_S * 1000 * 2;
  const leading = async (): Promise<boolean> => (await leases.acquire(leaseKey, me, leaseMs)).acquired;
  const running: Running[] = [];
  for (const m of modules) if (m.work) running.push(await m.work(leading));
  const metricsServer =
    cfg.WORKERS_METRICS_PORT > 0
      ? await serveWorkerMetrics(composed, cfg.WORKERS_METRICS_PORT, cfg.METRICS_TOKEN)
      : null;
  rootLogger.info({ intervalS: cfg.CAMERA_HEALTH_INTERVAL_S }, 'workers running');
  const stop = async () => {
    metricsServer?.close();
    for (const r of running.reverse()) await r.stop();
    for (const m of [...modules].reverse()) await m.stop?.();
    await leases.release(leaseKey, me).catch(() => undefined);
    await closePlatform(platform);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  rootLogger.fatal({ err }, 'workers failed to start');
  process.exit(1);
});
