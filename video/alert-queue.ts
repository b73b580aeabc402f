// Camera alerts waiting to become incidents: the video domain fills this queue, the
// incidents domain's workers empty it. Jobs carry ids of rows in PostgreSQL (the truth).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { logErrors, queueOptions } from '../platform/queues.js';

export const CAMERA_ALERTS = 'camera-alerts';

export interface CameraAlertJob {
  alertId: number;
  cameraId: number;
  kind: string;
}

export function cameraAlertsQueue(connection: Redis, prefix: string): Queue<CameraAlertJob> {
  return logErrors(
    new Queue<CameraAlertJob>(CAMERA_ALERTS, {
      ...queueOptions(connection, prefix),
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    }),
  );
}
