// Each camera is checked periodically: its ONVIF clock (GetSystemDateAndTime) and
// whether its RTSP service answers. Status changes are stored and pushed live.
import type { Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import { CamerasRepository, type CameraSecret, type CameraStatus } from './cameras.repository.js';
import type { CameraSessions } from './camera-sessions.js';
import { publicMessage } from '../platform/mask-url.js';
import { rtspAnswers } from './rtsp-probe.js';

const log = moduleLogger('camera-health');

export interface HealthRound {
  checked: number;
  online: number;
  changed: number;
  ms: number;
}

export class CameraHealth {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<HealthRound> | null = null;

  constructor(
    private readonly db: Db,
    private readonly sessions: CameraSessions,
    private readonly live: LiveBus,
    private readonly options: { concurrency: number; timeoutMs: number },
  ) {}

  /** Checks every camera once, `concurrency` at a time. */
  async checkAll(): Promise<HealthRound> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => (this.running = null));
    return this.running;
  }

  start(intervalMs: number): void {
    const tick = () =>
      this.checkAll()
        .then((r) => log.debug(r, 'health round'))
        .catch((err: unknown) => log.error({ err }, 'health round failed'));
    void tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async round(): Promise<HealthRound> {
    const started = performance.now();
    const cameras = await new CamerasRepository(this.db).allSecrets();
    let next = 0;
    let online = 0;
    let changed = 0;
    const worker = async () => {
      while (next < cameras.length) {
        const camera = cameras[next++]!;
        const result = await this.check(camera);
        if (result.status === 'online') online++;
        if (result.changed) changed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, cameras.length) }, worker));
    return { checked: cameras.length, online, changed, ms: Math.round(performance.now() - started) };
  }

  async checkOne(cameraId: number): Promise<void> {
    const camera = await new CamerasRepository(this.db).secret(cameraId);
    if (camera) await this.check(camera);
  }

  async check(camera: CameraSecret): Promise<{ status: CameraStatus; changed: boolean }> {
    let status: CameraStatus = 'online';
    let error: string | null = null;
    let clockOffsetMs: number | null = null;
    try {
      clockOffsetMs = Math.round((await this.sessions.use(camera.id, (s) => s.systemClock())).clockOffsetMs);
      const stream = camera.subStreamUri ?? camera.mainStreamUri;
      if (stream) {
        const rtsp = await rtspAnswers(stream, this.options.timeoutMs);
        if (!rtsp.ok) [status, error] = ['error', publicMessage(rtsp.error ?? 'RTSP did not answer')];
      }
    } catch (err) {
      status = 'offline';
      // Stored for the installer and pushed to browsers: masked, and without URLs.
      error = publicMessage((err as Error).message);
    }
    const before = await new CamerasRepository(this.db).recordHealth(camera.id, status, error, clockOffsetMs);
    // null: the camera was retired while being checked; nothing to announce.
    const changed = before !== null && before !== status;
    if (changed) {
      await this.live
        .publish([
          {
            topic: 'cameras',
            townId: camera.townId,
            data: { cameraId: camera.id, status, lastError: error, at: new Date().toISOString() },
          },
        ])
        .catch(() => undefined);
    }
    return { status, changed };
  }
}
