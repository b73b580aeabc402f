// Prometheus metrics (prom-client) at /metrics on the api port: request rates and
// latencies by route, the OsmAnd port's answers, queue depths, relays, live streams, the
// position writer, and dispatch latency. Readable by admins (a session) or by a scraper
// with METRICS_TOKEN as its bearer token; nobody else.
import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import client from 'prom-client';
import type { AuthContext } from './auth/auth-context.js';
import { Forbidden, Unauthorized } from './errors.js';
import type { Queue } from 'bullmq';

export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({
    name: 'wangge_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new client.Histogram({
    name: 'wangge_http_request_duration_seconds',
    help: 'HTTP answer time by route',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  readonly osmand = new client.Counter({
    name: 'wangge_osmand_requests_total',
    help: 'OsmAnd port answers by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly dispatchLatency = new client.Histogram({
    name: 'wangge_dispatch_latency_seconds',
    help: 'From an incident being reported to its offer (workers process)',
    registers: [this.registry],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'wangge_' });
  }

  /** Gauges read when scraped. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new client.Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** Queue depth by queue and state, read from Redis when scraped (0s while Redis is away). */
  queues(queues: Queue[]): void {
    new client.Gauge({
      name: 'wangge_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (q) => {
            const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => null);
            if (counts) for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
          }),
        );
      },
    });
  }

  /** Offers made (in the workers process): reported → offered. */
  observeDispatch(offers: { reportedAt: Date; offeredAt: Date }[]): void {
    for (const o of offers) {
      const seconds = (o.offeredAt.getTime() - o.reportedAt.getTime()) / 1000;
      if (seconds >= 0) this.dispatchLatency.observe(seconds);
    }
  }

  /** Text for a scrape, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Guards /metrics: a bearer METRICS_TOKEN (a scraper; compared in constant time) or an
   * admin's session; anybody else gets 401/403 like any API route.
   */
  handler(token: string | undefined) {
    const expected = token ? Buffer.from(token) : null;
    return async (req: Request, res: Response): Promise<void> => {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? Buffer.from(header.slice(7).trim()) : null;
      const scraper =
        expected !== null && given !== null && given.length === expected.length && timingSafeEqual(given, expected);
      if (!scraper) {
        const auth = res.locals['auth'] as AuthContext | undefined;
        if (!auth?.isAuthenticated)
          throw new Unauthorized('Send METRICS_TOKEN or an admin session as "Authorization: Bearer …"');
        if (!auth.account?.roles.includes('admin'))
          throw new Forbidden('Metrics are for admins and the metrics scraper');
      }
      const { contentType, body } = await this.scrape();
      res.setHeader('Content-Type', contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.end(body);
    };
  }

  /** Counts and times every HTTP answer by its route pattern (not its URL: ids would explode the labels). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const pattern = (req.route as { path?: string } | undefined)?.path;
        const route =
          pattern ??
          (req.path.startsWith('/api/') ? 'unmatched' : req.path.startsWith('/tiles/') ? '/tiles' : 'static');
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
        this.latency.observe({ method: req.method, route }, seconds);
      });
      next();
    };
  }
}
