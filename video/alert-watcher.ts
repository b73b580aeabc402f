// Keeps an ONVIF PullPoint subscription open to every registered camera and hands
// its events to the alerts service. Cameras added, retired or given new credentials
// are picked up by sync().
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import { CamerasRepository, type CameraSecret } from './cameras.repository.js';
import type { CredentialBox } from './credentials.js';
import type { AlertsService } from './alerts.service.js';
import { subscribeEvents, type EventSubscription } from './onvif/event-subscriber.js';

const log = moduleLogger('alert-watcher');

export class AlertWatcher {
  private readonly subscriptions = new Map<number, EventSubscription>();
  // What each subscription logged in with: new credentials mean a new subscription.
  private readonly loggedInAs = new Map<number, string>();
  private timer: NodeJS.Timeout | null = null;
  // Alarms being recorded, awaited on stop so none is cut half-way.
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly alerts: AlertsService,
    private readonly timeoutMs: number,
  ) {}

  async sync(): Promise<void> {
    const cameras = await new CamerasRepository(this.db).allSecrets();
    const wanted = new Map(cameras.map((c) => [c.id, credentialsOf(c)]));
    for (const [id, sub] of this.subscriptions) {
      if (wanted.get(id) !== this.loggedInAs.get(id)) {
        this.subscriptions.delete(id);
        this.loggedInAs.delete(id);
        await sub.stop();
      }
    }
    for (const camera of cameras) {
      if (this.subscriptions.has(camera.id)) continue;
      this.loggedInAs.set(camera.id, credentialsOf(camera));
      const connect = {
        host: camera.host,
        port: camera.port,
        username: camera.username,
        password: this.box.open(camera.passwordEnc),
        timeoutMs: this.timeoutMs,
      };
      this.subscriptions.set(
        camera.id,
        subscribeEvents(connect, {
          onEvent: (event) => {
            const p = this.alerts
              .handle(camera.id, event)
              .catch((err: unknown) => log.error({ err, cameraId: camera.id }, 'alarm not recorded'));
            this.inFlight.add(p);
            void p.finally(() => this.inFlight.delete(p));
          },
          onState: (state) => log.debug({ cameraId: camera.id, state }, 'event subscription'),
        }),
      );
    }
  }

  start(intervalMs: number): void {
    const tick = () => void this.sync().catch((err: unknown) => log.warn({ err }, 'camera list sync failed'));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  status(cameraId: number) {
    return this.subscriptions.get(cameraId)?.status() ?? null;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
    this.loggedInAs.clear();
    await Promise.all(this.inFlight);
  }
}

/** Compared, never opened: the sealed password changes whenever the credentials are set. */
function credentialsOf(camera: CameraSecret): string {
  return `${camera.username}\n${camera.passwordEnc.toString('base64')}`;
}
