// The BullMQ queues, named in one place. Jobs carry ids of rows in PostgreSQL (the
// truth); a lost job is made again from the database by a sweep.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const CAMERA_ALERTS = 'camera-alerts';

export interface CameraAlertJob {
  alertId: number;
  cameraId: number;
  kind: string;
}

export function cameraAlertsQueue(connection: Redis, prefix: string): Queue<CameraAlertJob> {
  return new Queue<CameraAlertJob>(CAMERA_ALERTS, { connection, prefix: `${prefix}:bull`, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
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
  return new Queue<DispatchJob>(INCIDENT_DISPATCH, { connection, prefix: `${prefix}:bull`, defaultJobOptions: { removeOnComplete: true, removeOnFail: 5000, attempts: 5, backoff: { type: 'exponential', delay: 200 } } });
}

export function deadlineQueue(connection: Redis, prefix: string): Queue<DeadlineJob> {
  return new Queue<DeadlineJob>(INCIDENT_DEADLINES, { connection, prefix: `${prefix}:bull`, defaultJobOptions: { removeOnComplete: true, removeOnFail: 5000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } } });
}
