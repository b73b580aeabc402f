// The BullMQ queues, named in one place. Jobs carry ids of rows in PostgreSQL (the
// truth); a lost job is made again from the database by a sweep.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { moduleLogger } from './logger.js';

const log = moduleLogger('queues');

/**
 * BullMQ re-emits its connections' errors (ECONNRESET when Redis restarts) on the queue or
 * worker; with no listener it prints them raw on stderr. They go to the structured log.
 */
export function logErrors<T extends { name: string; on(event: 'error', fn: (err: Error) => void): unknown }>(q: T): T {
  q.on('error', (err: Error) => log.warn({ queue: q.name, err: err.message }, 'queue connection error'));
  return q;
}

export const CAMERA_ALERTS = 'camera-alerts';

export interface CameraAlertJob {
  alertId: number;
  cameraId: number;
  kind: string;
}

export function cameraAlertsQueue(connection: Redis, prefix: string): Queue<CameraAlertJob> {
  return logErrors(
    new Queue<CameraAlertJob>(CAMERA_ALERTS, {
      connection,
      prefix: `${prefix}:bull`,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    }),
  );
}

export const INCIDENT_DISPATCH = 'incident-dispatch';
export const INCIDENT_DEADLINES = 'incident-deadlines';

/** `dispatch`: find the next gridworker for these incidents; `offer-timeout`: their offers ran out. */
export interface DispatchJob {
  incidentIds: number[];
}
export interface DeadlineJob {
  deadlineId: number;
}

export function dispatchQueue(connection: Redis, prefix: string): Queue<DispatchJob> {
  return logErrors(
    new Queue<DispatchJob>(INCIDENT_DISPATCH, {
      connection,
      prefix: `${prefix}:bull`,
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 5000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 200 },
      },
    }),
  );
}

export function deadlineQueue(connection: Redis, prefix: string): Queue<DeadlineJob> {
  return logErrors(
    new Queue<DeadlineJob>(INCIDENT_DEADLINES, {
      connection,
      prefix: `${prefix}:bull`,
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 5000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      },
    }),
  );
}
