// Camera alarms become alerts: normalised, de-duplicated (a burst is one alert with
// a count), tied to the camera's grid, with a snapshot, and handed to the incident
// pipeline through a BullMQ queue. PostgreSQL first (outbox), then the queue, so a
// lost Redis loses no alert: the sweep hands over whatever was not yet queued.
import type { Queue } from 'bullmq';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import type { MediaStore } from '../platform/media-store.js';
import type { CameraAlertJob } from './alert-queue.js';
import { AlertsRepository, type Alert } from './alerts.repository.js';
import { CamerasRepository, type Camera } from './cameras.repository.js';
import type { CredentialBox } from './credentials.js';
import type { CameraEvent } from './onvif/notification.js';
import { CameraPictures } from './camera-pictures.js';

const log = moduleLogger('alerts');
const SNAPSHOT_TIMEOUT_MS = 3000;
/** An alert waits for its picture before it is queued: a frame grab gets less time than a viewer's. */
const GRAB_DEADLINE_MS = 5000;

export class AlertsService {
  constructor(
    private readonly db: Db,
    private readonly queue: Queue<CameraAlertJob>,
    private readonly media: MediaStore,
    private readonly box: CredentialBox,
    private readonly live: LiveBus,
    private readonly dedupeMs: number,
    private readonly pictures = new CameraPictures(box, SNAPSHOT_TIMEOUT_MS, GRAB_DEADLINE_MS),
  ) {}

  /** What a camera event means: an alarm to record, or nothing (an alarm ending, a state report). */
  static isAlarm(event: CameraEvent): boolean {
    if (event.operation === 'Initialized' || event.kind === 'other') return false;
    return event.state !== false;
  }

  async handle(cameraId: number, event: CameraEvent): Promise<{ alert: Alert; isNew: boolean } | null> {
    if (!AlertsService.isAlarm(event)) return null;
    // A camera retired since the watcher's last sync: its alarms are no longer wanted.
    const camera = await new CamerasRepository(this.db).find(cameraId);
    if (!camera) return null;
    const result = await inTransaction(this.db, (tx) =>
      new AlertsRepository(tx).record(
        cameraId,
        event.kind,
        event.topic,
        event.time,
        { source: event.source, data: event.data },
        this.dedupeMs,
      ),
    );
    if (result.isNew) {
      await this.attachSnapshot(result.alert);
      await this.enqueue([result.alert]);
    }
    await this.live
      .publish([
        {
          topic: 'alerts',
          townId: camera.townId,
          data: { ...result.alert, cameraName: camera.name, isNew: result.isNew },
        },
      ])
      .catch(() => undefined);
    return result;
  }

  /** Hands alerts not yet queued to the queue; the job id makes it idempotent. */
  /** An alert and the camera that raised it (for the incidents made of alarms); null if either is gone. */
  async withCamera(alertId: number): Promise<{ alert: Alert; camera: Camera } | null> {
    const alert = await new AlertsRepository(this.db).find(alertId);
    const camera = alert ? await new CamerasRepository(this.db).find(alert.cameraId) : null;
    return alert && camera ? { alert, camera } : null;
  }

  async sweep(): Promise<number> {
    const pending = await new AlertsRepository(this.db).unqueued(500);
    await this.enqueue(pending);
    return pending.length;
  }

  async list(auth: AuthContext, cameraId: number | undefined) {
    return new AlertsRepository(this.db).list({ cameraId, townIds: auth.townFilter, limit: 200 });
  }

  private async enqueue(alerts: Alert[]): Promise<void> {
    if (!alerts.length) return;
    try {
      await this.queue.addBulk(
        alerts.map((a) => ({
          name: a.kind,
          data: { alertId: a.id, cameraId: a.cameraId, kind: a.kind },
          opts: { jobId: `alert-${a.id}` },
        })),
      );
      await new AlertsRepository(this.db).markQueued(alerts.map((a) => a.id));
    } catch (err) {
      log.warn({ err, alerts: alerts.length }, 'alerts not queued yet; the sweep will retry');
    }
  }

  private async attachSnapshot(alert: Alert): Promise<void> {
    const secret = await new CamerasRepository(this.db).secret(alert.cameraId);
    if (!secret) return;
    try {
      // The snapshot URI, else a frame from the stream (cameras without a snapshot endpoint).
      const { jpeg } = await this.pictures.take(secret);
      const name = await this.media.save(jpeg, 'jpg');
      await new AlertsRepository(this.db).setSnapshot(alert.id, name);
      alert.snapshot = name;
    } catch (err) {
      log.warn({ cameraId: alert.cameraId, err: (err as Error).message }, 'alert without snapshot');
    }
  }
}
