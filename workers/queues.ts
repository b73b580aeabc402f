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
