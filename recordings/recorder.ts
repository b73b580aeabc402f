// The recorder loop (one per `recorder` process; any number of them on any hosts):
// every tick it renews its camera leases, plans what should be recorded, takes free
// cameras up to its fair share (cameras ÷ live recorders) and stops what it lost or no
// longer needs. The leader among recorders also sweeps storage and attaches evidence.
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
}

interface Held {
  want: Want;
  rec: CameraRecording;
}

const SWEEP_MS = 10_000;
const STARTS_PER_TICK = 8;

export class Recorder {
  readonly leases: CameraLeases;
  private readonly held = new Map<number, Held>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private renewing = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private leading = false;
  private lastSweep = 0;
  private startedAt = Date.now();
  readonly storage: RecordingStorage;

  constructor(private readonly d: RecorderDeps) {
    this.leases = new CameraLeases(d.redis, d.redisPrefix, d.id, d.cfg.RECORDER_LEASE_MS);
    this.storage = new RecordingStorage(d.db, d.cfg);
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
    this.startedAt = Date.now();
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
      const [cameras, policies] = await Promise.all([this.d.cameras.recordable(), repo.policies()]);
      const wants = planRecordings(cameras, new Map(policies.map((p) => [p.cameraId, p])), new Date(), {
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
      const settled = Date.now() - this.startedAt >= this.tickMs;
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
      if (this.leading && Date.now() - this.lastSweep >= SWEEP_MS) {
        this.lastSweep = Date.now();
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
    });
    this.held.set(w.cameraId, held);
    held.rec.start(lastEnd, lastEnd ? 'no recorder recorded the camera' : 'recording started');
    log.info({ cameraId: w.cameraId, kind: w.kind, stream: w.stream }, 'recording camera');
  }

  private async announce(w: Want, state: RecordingState, detail: string | null): Promise<void> {
    if (state === 'stopped') return;
    if (detail) log.warn({ cameraId: w.cameraId, state, detail }, 'recording trouble');
    await new RecordingsRepository(this.d.db).setStatus(w.cameraId, state, this.d.id, detail).catch(() => undefined);
    if (state === 'disk_full') {
      log.error({ cameraId: w.cameraId }, 'recording disk full: sweeping storage');
      // Every recorder frees space for itself; the deletes are row-atomic, so two sweeps never clash.
      void this.storage.sweep().catch(() => undefined);
    }
    if (state === 'disk_full' || state === 'reconnecting' || state === 'recording') {
      await this.d.live
        .publish([{ topic: 'recordings', townId: w.townId, data: { cameraId: w.cameraId, state, detail } }])
        .catch(() => undefined);
    }
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
