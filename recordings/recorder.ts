// The recorder loop (one per `recorder` process; any number of them on any hosts):
// every tick it renews its camera leases, plans what should be recorded, takes free
// cameras up to its fair share (cameras ÷ live recorders) and stops what it lost or no
// longer needs. The leader among recorders also sweeps storage and attaches evidence.
// Every recorder frees space at once when a write fails with ENOSPC, and says so in a
// disk_full alert; it watches its wall clock against the monotonic one and raises a
// clock_jump alert when the clock jumps (segment-clock.ts keeps the index in order).
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Db } from '../platform/db/pool.js';
import type { LiveBus, LiveEvent } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import type { CameraPort } from './camera-port.js';
import { CameraLeases } from './camera-lease.js';
import { CameraRecording, type RecordingState } from './camera-recording.js';
import type { Evidence, IncidentFacts, AlarmFacts } from './evidence.js';
import { planRecordings, type Want } from './recording-plan.js';
import { RecordingsRepository } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';
import { RecordingStorage } from './storage.js';

const log = moduleLogger('recorder');

export interface RecorderDeps {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  live: LiveBus;
  cameras: CameraPort;
  evidence: Evidence;
  cfg: RecordingsConfig;
  offsetHours: number;
  id: string;
  /** The host's wall clock (ms since the epoch); tests move it to jump the clock. */
  clock?: () => number;
}

interface Held {
  want: Want;
  rec: CameraRecording;
}

const SWEEP_MS = 10_000;
const STARTS_PER_TICK = 8;
/** ENOSPC frees space at most this often (every camera of a full disk fails at once). */
const DISK_FULL_SWEEP_MS = 1000;
/** A disk_full alert ends after this long without ENOSPC. */
const DISK_OK_MS = 30_000;
/** The wall clock moving this much against the monotonic clock between two looks is a jump. */
const CLOCK_JUMP_ALERT_MS = 2000;

export class Recorder {
  readonly leases: CameraLeases;
  private readonly held = new Map<number, Held>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private renewing = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private leading = false;
  private lastSweep = -Infinity;
  private startedAt = performance.now();
  private diskFullAt: number | null = null;
  private diskFullSweep: Promise<unknown> | null = null;
  private lastDiskFullSweep = -Infinity;
  private lastDiskFullAlert = -Infinity;
  private clockOffset: number | null = null;
  readonly storage: RecordingStorage;

  constructor(private readonly d: RecorderDeps) {
    this.leases = new CameraLeases(d.redis, d.redisPrefix, d.id, d.cfg.RECORDER_LEASE_MS);
    this.storage = new RecordingStorage(d.db, d.cfg);
  }

  private now(): number {
    return this.d.clock?.() ?? Date.now();
  }

  get tickMs(): number {
    return Math.max(200, Math.floor(this.d.cfg.RECORDER_LEASE_MS / 4));
  }

  /** Cameras this recorder records, with their ffmpeg pids. */
  get recordings(): { cameraId: number; pid: number | undefined; state: RecordingState; segments: number }[] {
    return [...this.held.values()].map((h) => ({
      cameraId: h.want.cameraId,
      pid: h.rec.pid,
      state: h.rec.currentState,
      segments: h.rec.segments,
    }));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Renewals run on their own timer: planning may be slow on a loaded machine (many
   * cameras, a slow database), and a lease must never lapse because of it.
   */
  private async renewAll(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = true;
    try {
      const lost = await this.leases.renew([...this.held.keys()]);
      for (const id of lost) {
        log.warn({ cameraId: id }, 'camera lease lost: another recorder records it now');
        void this.drop(id, false);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'camera leases not renewed');
    } finally {
      this.renewing = false;
    }
  }

  start(): void {
    this.startedAt = performance.now();
    this.renewTimer = setInterval(
      () => void this.renewAll(),
      Math.max(100, Math.floor(this.d.cfg.RECORDER_LEASE_MS / 3)),
    );
    const loop = async () => {
      await this.tick().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'recorder tick failed'));
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.tickMs);
    };
    void loop();
  }

  private events: Promise<void> = Promise.resolve();

  /** Follows incidents opened or closed and camera alarms on the live bus (the leader acts on them). */
  follow(): () => void {
    return this.d.live.add({
      topics: new Set(['incidents', 'alerts']),
      townIds: null,
      personId: null,
      send: (e) => {
        this.events = this.events.then(() => this.onLiveEvent(e));
      },
    });
  }

  async onLiveEvent(e: LiveEvent): Promise<void> {
    if (!this.leading) return;
    try {
      if (e.topic === 'incidents') {
        const data = e.data as { action?: string; incident?: IncidentFacts };
        if (data.action && data.incident) await this.d.evidence.incidentChanged(data.action, data.incident);
      } else if (e.topic === 'alerts') {
        const data = e.data as AlarmFacts & { isNew?: boolean };
        if (data.isNew !== false && data.cameraId) await this.d.evidence.alarm(data);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message, topic: e.topic }, 'evidence not attached');
    }
  }

  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const alive = await this.leases.heartbeat();

      this.leading = await this.leases.lead();
      const repo = new RecordingsRepository(this.d.db);
      await this.watchClock(repo);
      await this.diskRecovered(repo);
      const [cameras, policies] = await Promise.all([this.d.cameras.recordable(), repo.policies()]);
      const wants = planRecordings(cameras, new Map(policies.map((p) => [p.cameraId, p])), new Date(this.now()), {
        offsetHours: this.d.offsetHours,
        bufferS: this.d.cfg.RECORDING_BUFFER_S,
      });
      const wanted = new Map(wants.map((w) => [w.cameraId, w]));
      for (const [id, h] of this.held) {
        const w = wanted.get(id);
        if (!w) void this.drop(id, true);
        else if (w.url !== h.want.url || w.stream !== h.want.stream) void this.drop(id, true);
        else h.want = w; // kind and retention follow the policy without a restart
      }
      const share = Math.min(this.d.cfg.RECORDER_MAX_CAMERAS, Math.ceil(wants.length / alive));
      // Let the other recorders say they are alive before taking a first share.
      const settled = performance.now() - this.startedAt >= this.tickMs;
      if (settled) {
        // A few new cameras per tick: a hundred RTSP sessions opened at once fail at the
        // cameras (and at our own simulator) more than they succeed.
        let started = 0;
        for (const w of wants) {
          if (this.held.size >= share || started >= STARTS_PER_TICK) break;
          if (this.held.has(w.cameraId)) continue;
          if (await this.leases.acquire(w.cameraId)) {
            await this.take(w);
            started++;
          }
        }
        // Over the share (a recorder joined): hand one camera back per tick.
        if (this.held.size > share + 1) {
          const last = [...this.held.keys()].sort((a, b) => b - a)[0]!;
          void this.drop(last, true);
        }
      }
      if (this.leading && performance.now() - this.lastSweep >= SWEEP_MS) {
        this.lastSweep = performance.now();
        await this.storage.sweep();
      }
    } finally {
      this.ticking = false;
    }
  }

  private async take(w: Want): Promise<void> {
    const repo = new RecordingsRepository(this.d.db);
    const lastEnd = await repo.lastEnd(w.cameraId);
    const held: Held = { want: w, rec: undefined as unknown as CameraRecording };
    held.rec = new CameraRecording({
      cameraId: w.cameraId,
      url: w.url,
      root: this.d.cfg.dir,
      segmentSeconds: this.d.cfg.RECORDING_SEGMENT_S,
      onSegment: async (s) => {
        await repo.insertSegment({
          cameraId: w.cameraId,
          stream: held.want.stream,
          startedAt: s.startedAt,
          endedAt: s.endedAt,
          bytes: s.bytes,
          file: s.file,
          run: s.run,
          keepUntil: new Date(
            (held.want.kind === 'record' ? s.startedAt : s.endedAt).getTime() + held.want.keepS * 1000,
          ),
          recorder: this.d.id,
        });
      },
      onGap: (since, until, reason) => repo.insertGap(w.cameraId, since, until, reason),
      onState: (state, detail) => void this.announce(w, state, detail),
      onDiskFull: () => void this.onDiskFull(),
      ...(this.d.clock ? { now: this.d.clock } : {}),
    });
    this.held.set(w.cameraId, held);
    held.rec.start(lastEnd, lastEnd ? 'no recorder recorded the camera' : 'recording started');
    log.info({ cameraId: w.cameraId, kind: w.kind, stream: w.stream }, 'recording camera');
  }

  private async announce(w: Want, state: RecordingState, detail: string | null): Promise<void> {
    if (state === 'stopped') return;
    if (detail) log.warn({ cameraId: w.cameraId, state, detail }, 'recording trouble');
    await new RecordingsRepository(this.d.db).setStatus(w.cameraId, state, this.d.id, detail).catch(() => undefined);
    if (state === 'disk_full' || state === 'reconnecting' || state === 'recording') {
      await this.d.live
        .publish([{ topic: 'recordings', townId: w.townId, data: { cameraId: w.cameraId, state, detail } }])
        .catch(() => undefined);
    }
  }

  /**
   * A recording failed with ENOSPC: free the oldest unheld segments now (once for all the
   * cameras failing together) and count it in this recorder's disk_full alert. Every
   * recorder frees space for itself; the deletes are row-atomic, so two sweeps never clash.
   */
  private async onDiskFull(): Promise<void> {
    const t = performance.now();
    this.diskFullAt = t;
    if (!this.diskFullSweep && t - this.lastDiskFullSweep >= DISK_FULL_SWEEP_MS) {
      this.lastDiskFullSweep = t;
      this.diskFullSweep = this.storage
        .sweep({ diskFull: true })
        .then((r) =>
          log.error({ freedBytes: r.freedBytes, freeBytes: r.freeBytes }, 'recording disk full: space freed'),
        )
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'recording disk full: nothing freed'))
        .finally(() => (this.diskFullSweep = null));
    }
    if (t - this.lastDiskFullAlert < DISK_FULL_SWEEP_MS) return;
    this.lastDiskFullAlert = t;
    const detail = `${this.d.cfg.dir}: No space left on device (ENOSPC); the oldest unheld segments are deleted`;
    await new RecordingsRepository(this.d.db)
      .diskFullAlert(this.d.id, detail)
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'disk_full alert not written'));
  }

  private async diskRecovered(repo: RecordingsRepository): Promise<void> {
    if (this.diskFullAt === null || performance.now() - this.diskFullAt < DISK_OK_MS) return;
    this.diskFullAt = null;
    if (await repo.resolveDiskFull(this.d.id)) log.info('recording disk has room again');
  }

  /** The wall clock against the monotonic one: a step between two looks is a clock jump. */
  private async watchClock(repo: RecordingsRepository): Promise<void> {
    const offset = this.now() - performance.now();
    const before = this.clockOffset;
    this.clockOffset = offset;
    if (before === null || Math.abs(offset - before) < CLOCK_JUMP_ALERT_MS) return;
    const jump = offset - before;
    const detail =
      `the clock went ${jump > 0 ? 'forward' : 'back'} ${Math.round(Math.abs(jump) / 1000)} s: ` +
      (jump > 0
        ? 'recordings follow it, the skipped time is a gap'
        : 'recordings go on from where they ended until a break lets them rejoin the clock');
    log.warn({ jumpMs: Math.round(jump) }, `recorder clock jump: ${detail}`);
    await repo.clockJumpAlert(this.d.id, jump, detail).catch(() => undefined);
  }

  private async drop(cameraId: number, release: boolean): Promise<void> {
    const h = this.held.get(cameraId);
    if (!h) return;
    this.held.delete(cameraId);
    await h.rec.stop();
    if (release) await this.leases.release(cameraId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.renewTimer);
    await Promise.all([...this.held.keys()].map((id) => this.drop(id, true)));
    await this.leases.leave();
  }
}
