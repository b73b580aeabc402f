// The incident queues. Jobs carry ids of rows in PostgreSQL (the truth); a lost job
// is made again from the database by the sweep.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { logErrors, queueOptions } from '../platform/queues.js';

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
      ...queueOptions(connection, prefix),
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
      ...queueOptions(connection, prefix),
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 5000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      },
    }),
  );
}
