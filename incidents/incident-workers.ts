// The incident processors: dispatch (and offer timeouts), deadlines, and camera alerts
// turned into incidents; plus the sweep that re-creates from PostgreSQL whatever a lost
// job missed. Thin: each job calls one service method, which is idempotent.
import { Worker } from 'bullmq';
import type { IncidentServices } from './services.js';
import { IncidentsRepository } from './incidents.repository.js';
import { DispatchRepository } from './dispatch.repository.js';
import { CAMERA_ALERTS, type CameraAlertJob } from '../video/module.js';
import type { Db } from '../platform/db/pool.js';
import { createRedis } from '../platform/redis.js';
import { moduleLogger } from '../platform/logger.js';
import { logErrors } from '../platform/queues.js';
import { INCIDENT_DEADLINES, INCIDENT_DISPATCH, type DeadlineJob, type DispatchJob } from './queues.js';

const log = moduleLogger('incident-workers');

export interface RunningIncidentWorkers {
  /** One pass of the sweep (the leader runs it every INCIDENT_SWEEP_S). */
  sweep(now?: Date): Promise<{ redispatched: number; cards: number }>;
  close(): Promise<void>;
}

export function startIncidentWorkers(
  s: IncidentServices,
  db: Db,
  redisUrl: string,
  prefix: string,
  options: { dispatchConcurrency?: number } = {},
): RunningIncidentWorkers {
  const connection = createRedis(redisUrl, 'incident-workers');
  const bull = `${prefix}:bull`;
  const workers = [
    new Worker<DispatchJob>(
      INCIDENT_DISPATCH,
      async (job) => Object.fromEntries(await s.dispatch.dispatch(job.data.incidentIds)),
      { connection, prefix: bull, concurrency: options.dispatchConcurrency ?? 16 },
    ),
    new Worker<DeadlineJob>(INCIDENT_DEADLINES, async (job) => (await s.deadlines.expire(job.data.deadlineId)).length, {
      connection,
      prefix: bull,
      concurrency: 8,
    }),
    new Worker<CameraAlertJob>(
      CAMERA_ALERTS,
      async (job) => (await s.cameraAlertIntake.handle(job.data))?.incident.id ?? null,
      { connection, prefix: bull, concurrency: 4 },
    ),
  ];
  for (const w of workers) logErrors(w);
  for (const w of workers)
    w.on('failed', (job, err) => log.warn({ queue: w.name, jobId: job?.id, err: err.message }, 'job failed'));

  return {
    async sweep(now = new Date()) {
      const lost = await new IncidentsRepository(db).wantingDispatch(1000);
      const expired = await new DispatchRepository(db).incidentsWithExpiredOffers(1000);
      const ids = [...new Set([...lost, ...expired])];
      await s.jobs.wantDispatch(ids);
      const cards = await s.deadlines.sweep(now);
      return { redispatched: ids.length, cards };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    },
  };
}
