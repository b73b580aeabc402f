// Runs tours and guard positions (in the workers process; one runner at a time through a
// Redis lease). Each second, per camera: while an operator holds the PTZ lock its tour is
// paused; without the lock the tour goes on (from the stop it was at); a camera left
// idle for the guard's idle_s goes back to its guard preset, or resumes the guard's tour.
// What each camera is doing is kept in Redis, where the api reads it.
import type { Redis } from 'ioredis';
import type { Db } from '../../platform/db/pool.js';
import { moduleLogger } from '../../platform/logger.js';
import type { CameraSessions } from '../camera-sessions.js';
import { CamerasRepository } from '../cameras.repository.js';
import type { PtzLocks } from '../ptz-lock.js';
import { ToursRepository, type Guard, type Tour } from './tours.repository.js';

const log = moduleLogger('ptz-tours');
const TICK_MS = 1000;

export interface TourRunState {
  mode: 'tour' | 'guard';
  state: 'running' | 'paused' | 'at_guard';
  tourId: number | null;
  /** Index of the stop the camera is at (or going to). */
  index: number;
  presetToken: string | null;
  /** ms since epoch the camera was sent to the current stop. */
  since: number;
  pausedBy: string | null;
}

export function runStateKey(prefix: string, cameraId: number): string {
  return `${prefix}:ptz:tour-run:${cameraId}`;
}

/** Whether `minutes` (since town midnight) is inside a daily window "HH:MM"–"HH:MM". */
export function inWindow(from: string | null, to: string | null, minutes: number): boolean {
  if (!from || !to) return true;
  const m = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const a = m(from);
  const b = m(to);
  return a <= b ? minutes >= a && minutes < b : minutes >= a || minutes < b;
}

export class TourRunner {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastActive = new Map<number, number>();
  private readonly me = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly sessions: CameraSessions,
    private readonly locks: PtzLocks,
    private readonly utcOffsetHours: number,
  ) {}

  start(tickMs = TICK_MS): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((err: unknown) => log.warn({ err }, 'tour round failed'))
        .finally(() => (this.running = undefined));
    }, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over every camera with a tour or a guard (public for tests). */
  async tick(now = Date.now()): Promise<void> {
    const leaseKey = `${this.prefix}:lease:ptz-tours`;
    const got = await this.redis.set(leaseKey, this.me, 'PX', TICK_MS * 5, 'NX');
    if (got !== 'OK') {
      if ((await this.redis.get(leaseKey)) !== this.me) return;
      await this.redis.pexpire(leaseKey, TICK_MS * 5);
    }
    const repo = new ToursRepository(this.db);
    const [tours, guards] = await Promise.all([repo.runnable(), repo.guards()]);
    const cameras = new Set([...tours.map((t) => t.cameraId), ...guards.map((g) => g.cameraId)]);
    const town = new Date(now + this.utcOffsetHours * 3_600_000);
    const minutes = town.getUTCHours() * 60 + town.getUTCMinutes();
    await Promise.all(
      [...cameras].map((cameraId) =>
        this.step(
          cameraId,
          tours.filter((t) => t.cameraId === cameraId),
          guards.find((g) => g.cameraId === cameraId),
          minutes,
          now,
        ).catch((err: unknown) => log.warn({ err, cameraId }, 'tour step failed')),
      ),
    );
  }

  private async step(cameraId: number, tours: Tour[], guard: Guard | undefined, minutes: number, now: number) {
    const key = runStateKey(this.prefix, cameraId);
    const raw = await this.redis.get(key);
    const run = raw ? (JSON.parse(raw) as TourRunState) : null;
    const lock = await this.locks.holder(cameraId);
    if (!this.lastActive.has(cameraId)) this.lastActive.set(cameraId, now);
    const scheduled = tours.find((t) => t.enabled && t.stops.length > 0 && inWindow(t.activeFrom, t.activeTo, minutes));
    if (lock) {
      // An operator steers: the tour waits where it is; idle time counts from the release.
      this.lastActive.set(cameraId, now);
      if (run && run.state !== 'paused') await this.save(key, { ...run, state: 'paused', pausedBy: lock.username });
      return;
    }
    const idleMs = now - this.lastActive.get(cameraId)!;
    let tour = scheduled;
    if (!tour && guard?.enabled && idleMs >= guard.idleS * 1000) {
      if (guard.tourId) tour = tours.find((t) => t.id === guard.tourId && t.stops.length > 0);
      else if (guard.presetToken && !(run?.mode === 'guard' && run.state === 'at_guard')) {
        await this.goto(cameraId, guard.presetToken, 1, { tour: null, guard: true });
        await this.save(key, {
          mode: 'guard',
          state: 'at_guard',
          tourId: null,
          index: 0,
          presetToken: guard.presetToken,
          since: now,
          pausedBy: null,
        });
        return;
      }
    }
    if (!tour) {
      if (run && run.mode === 'tour') await this.redis.del(key);
      return;
    }
    const mode = tour === scheduled ? 'tour' : 'guard';
    if (!run || run.tourId !== tour.id) return this.go(key, cameraId, tour, 0, mode, now);
    // Back from a pause: the current stop again, its dwell afresh.
    if (run.state === 'paused') return this.go(key, cameraId, tour, run.index % tour.stops.length, mode, now);
    const stop = tour.stops[run.index % tour.stops.length]!;
    if (now - run.since >= stop.dwellS * 1000)
      await this.go(key, cameraId, tour, (run.index + 1) % tour.stops.length, mode, now);
  }

  private async go(key: string, cameraId: number, tour: Tour, index: number, mode: 'tour' | 'guard', now: number) {
    const stop = tour.stops[index]!;
    await this.save(key, {
      mode,
      state: 'running',
      tourId: tour.id,
      index,
      presetToken: stop.presetToken,
      since: now,
      pausedBy: null,
    });
    await this.goto(cameraId, stop.presetToken, tour.speed, { tour: tour.id, stop: index });
  }

  private async goto(cameraId: number, token: string, speed: number, why: Record<string, unknown>) {
    const started = performance.now();
    const repo = new CamerasRepository(this.db);
    try {
      await this.sessions.use(cameraId, (s) => s.gotoPreset(token, speed));
      await repo.logPtz(cameraId, null, 'goto_preset', { token, ...why }, true, null, performance.now() - started);
    } catch (err) {
      await repo.logPtz(
        cameraId,
        null,
        'goto_preset',
        { token, ...why },
        false,
        (err as Error).message,
        performance.now() - started,
      );
      throw err;
    }
  }

  private async save(key: string, state: TourRunState): Promise<void> {
    await this.redis.set(key, JSON.stringify(state), 'PX', 24 * 3_600_000);
  }
}
