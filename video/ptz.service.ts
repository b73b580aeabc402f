// Steering: every command checks the control lock, goes to the camera through its
// kept session, and is recorded (who, which camera, what, when, did it work).
// A continuous move from a browser carries a lease that the browser renews while the
// button is held; when renewals stop, the camera is stopped.
import type { Redis } from 'ioredis';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, Conflict, NotFound, Unprocessable } from '../platform/errors.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import { CamerasRepository, type Camera } from './cameras.repository.js';
import type { CameraSessions } from './camera-sessions.js';
import { aimAt } from './look-at.js';
import { publicMessage } from '../platform/mask-url.js';
import { isOnvifError } from './onvif/errors.js';
import type { PtzLocks } from './ptz-lock.js';
import { SecurityLog } from '../platform/auth/security-log.js';

const log = moduleLogger('ptz');
const LEASE_CHECK_MS = 100;

export type Vector = { x: number; y: number; zoom: number };

export type PtzCommand =
  | { type: 'continuous'; velocity: Vector; leaseMs: number }
  | { type: 'renew'; leaseMs: number }
  | { type: 'stop' }
  | { type: 'absolute'; position: Vector; speed?: number }
  | { type: 'relative'; translation: Vector; speed?: number }
  | { type: 'goto_preset'; token: string }
  | { type: 'set_preset'; name: string }
  | { type: 'remove_preset'; token: string }
  | { type: 'home' }
  | { type: 'set_home' }
  | { type: 'look_at'; lon: number; lat: number };

export class PtzService {
  // Cameras this instance set moving under a lease, watched until it lapses.
  private readonly leased = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly sessions: CameraSessions,
    private readonly locks: PtzLocks,
    private readonly live: LiveBus,
  ) {}

  async command(auth: AuthContext, cameraId: number, cmd: PtzCommand): Promise<Record<string, unknown>> {
    const camera = await this.camera(auth, cameraId);
    if (!camera.ptz)
      throw new Unprocessable(`${camera.name} is a fixed camera: it cannot pan, tilt or zoom`, undefined, 'no_ptz');
    await this.takeLock(auth, camera);
    const started = performance.now();
    const repo = new CamerasRepository(this.db);
    try {
      const result = await this.run(camera, cmd);
      await repo.logPtz(cameraId, auth.me.id, cmd.type, this.params(cmd), true, null, performance.now() - started);
      return { ok: true, command: cmd.type, ...result };
    } catch (err) {
      await repo.logPtz(
        cameraId,
        auth.me.id,
        cmd.type,
        this.params(cmd),
        false,
        (err as Error).message,
        performance.now() - started,
      );
      throw cameraFailure(err);
    }
  }

  async presets(auth: AuthContext, cameraId: number) {
    const camera = await this.camera(auth, cameraId);
    if (!camera.ptz) return [];
    return this.sessions.use(cameraId, (s) => s.presets()).catch((err: unknown) => Promise.reject(cameraFailure(err)));
  }

  async status(auth: AuthContext, cameraId: number) {
    const camera = await this.camera(auth, cameraId);
    if (!camera.ptz) throw new Unprocessable(`${camera.name} is a fixed camera`, undefined, 'no_ptz');
    const [position, lock] = await Promise.all([
      this.sessions.use(cameraId, (s) => s.status()).catch((err: unknown) => Promise.reject(cameraFailure(err))),
      this.locks.holder(cameraId),
    ]);
    return { position, lock };
  }

  async lock(auth: AuthContext, cameraId: number) {
    await this.camera(auth, cameraId);
    return { lock: await this.locks.holder(cameraId) };
  }

  async releaseLock(auth: AuthContext, cameraId: number): Promise<void> {
    await this.camera(auth, cameraId);
    await this.locks.release(cameraId, auth.me.id);
    await this.announceLock(cameraId, (await this.camera(auth, cameraId)).townId);
  }

  async log(auth: AuthContext, cameraId: number) {
    await this.camera(auth, cameraId);
    return new CamerasRepository(this.db).ptzLog(cameraId, 200);
  }

  stopAll(): void {
    for (const timer of this.leased.values()) clearInterval(timer);
    this.leased.clear();
  }

  private async run(camera: Camera, cmd: PtzCommand): Promise<Record<string, unknown>> {
    const id = camera.id;
    switch (cmd.type) {
      case 'continuous':
        await this.redis.set(this.leaseKey(id), '1', 'PX', cmd.leaseMs);
        await this.sessions.use(id, (s) => s.continuousMove(cmd.velocity));
        this.watchLease(id);
        return { leaseMs: cmd.leaseMs };
      case 'renew': {
        const renewed = await this.redis.pexpire(this.leaseKey(id), cmd.leaseMs);
        if (!renewed)
          throw new Conflict(
            'The move already stopped: its lease ran out before this renewal',
            undefined,
            'lease_expired',
          );
        return { leaseMs: cmd.leaseMs };
      }
      case 'stop':
        await this.redis.del(this.leaseKey(id));
        await this.sessions.use(id, (s) => s.stop());
        return {};
      case 'absolute':
        await this.sessions.use(id, (s) => s.absoluteMove(cmd.position, cmd.speed));
        return {};
      case 'relative':
        await this.sessions.use(id, (s) => s.relativeMove(cmd.translation, cmd.speed));
        return {};
      case 'goto_preset':
        await this.sessions.use(id, (s) => s.gotoPreset(cmd.token));
        return {};
      case 'set_preset':
        return { token: await this.sessions.use(id, (s) => s.setPreset(cmd.name)) };
      case 'remove_preset':
        await this.sessions.use(id, (s) => s.removePreset(cmd.token));
        return {};
      case 'home':
        await this.sessions.use(id, (s) => s.gotoHome());
        return {};
      case 'set_home':
        await this.sessions.use(id, (s) => s.setHome());
        return {};
      case 'look_at': {
        if (!camera.placement)
          throw new Unprocessable(`${camera.name} has not been placed on the map yet`, undefined, 'not_placed');
        const ptz = camera.ptz!;
        const range = (r: { min: number; max: number } | null, fallback: [number, number]): [number, number] =>
          r ? [r.min, r.max] : fallback;
        const aim = aimAt(camera.placement, cmd, {
          pan: range(ptz.panRange, [-1, 1]),
          tilt: range(ptz.tiltRange, [-1, 1]),
          zoom: range(ptz.zoomRange, [0, 1]),
        });
        await this.sessions.use(id, (s) => s.absoluteMove({ x: aim.x, y: aim.y, zoom: aim.zoom }));
        return { aim };
      }
    }
  }

  /** Stops the camera once its lease is gone (the browser stopped renewing). */
  private watchLease(cameraId: number): void {
    if (this.leased.has(cameraId)) return;
    const timer = setInterval(() => {
      this.redis
        .exists(this.leaseKey(cameraId))
        .then(async (alive) => {
          if (alive) return;
          clearInterval(timer);
          this.leased.delete(cameraId);
          await this.sessions.use(cameraId, (s) => s.stop());
          await new CamerasRepository(this.db).logPtz(
            cameraId,
            null,
            'stop',
            { reason: 'lease expired' },
            true,
            null,
            0,
          );
          log.info({ cameraId }, 'continuous move stopped: its lease expired');
        })
        .catch((err: unknown) => log.warn({ err, cameraId }, 'lease check failed'));
    }, LEASE_CHECK_MS);
    timer.unref();
    this.leased.set(cameraId, timer);
  }

  private leaseKey(cameraId: number): string {
    return `${this.prefix}:ptz:lease:${cameraId}`;
  }

  private async takeLock(auth: AuthContext, camera: Camera): Promise<void> {
    const me = auth.me;
    const before = await this.locks.holder(camera.id);
    const holder = await this.locks.take(camera.id, { accountId: me.id, username: me.username, rank: auth.rank });
    if (holder) {
      throw new Conflict(
        `${holder.username} is steering ${camera.name}; the control passes when they are idle`,
        { holder },
        'ptz_locked',
      );
    }
    if (before && before.accountId !== me.id) {
      // A higher role took the control from someone steering: who lost it to whom is kept.
      await new SecurityLog(this.db).record({
        kind: 'ptz.taken_over',
        actor: me,
        townIds: [camera.townId],
        subject: `camera ${camera.id} ${camera.name}`,
        details: {
          cameraId: camera.id,
          from: { accountId: before.accountId, username: before.username },
          fromRank: before.rank,
          rank: auth.rank,
        },
      });
    }
    if (before?.accountId !== me.id) await this.announceLock(camera.id, camera.townId);
  }

  private async announceLock(cameraId: number, townId: number): Promise<void> {
    const lock = await this.locks.holder(cameraId);
    await this.live.publish([{ topic: 'cameras', townId, data: { cameraId, lock } }]).catch(() => undefined);
  }

  private async camera(auth: AuthContext, id: number): Promise<Camera> {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }

  private params(cmd: PtzCommand): unknown {
    const { type: _type, ...rest } = cmd;
    return Object.keys(rest).length ? rest : undefined;
  }
}

/** A camera's refusal as an answer that says why (422 when it cannot do it, else 502), never a 500. */
function cameraFailure(err: unknown): unknown {
  if (isOnvifError(err))
    return new AppError(err.kind === 'unsupported' ? 422 : 502, `camera_${err.kind}`, publicMessage(err.message));
  return err;
}
