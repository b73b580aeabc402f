// Records ONE camera stream: runs ffmpeg (segment-args.ts), turns every CSV line it
// prints into a segment with wall-clock times, and keeps going: a run that ends (camera
// lost, a socket timeout, a full disk) is started again after a short pause, so the
// recording resumes within a few seconds of the camera's return. Each run has its own
// file prefix; the time between the last segment of a run and the first of the next is
// reported as a gap with the reason the run ended. Segment times come from
// segment-clock.ts (in order through clock jumps). A full disk (ENOSPC) ends the run
// like any failure: the state says so, the run's unannounced or empty files are
// removed (they would hold space nobody can play), and the next run waits a little longer.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { spawnSupervised } from '../platform/children.js';
import { ffmpegPath } from '../platform/ffmpeg-path.js';
import { maskSecrets, secretsOfUrl } from '../platform/mask-url.js';
import { buildSegmentArgs, parseSegmentLine } from './segment-args.js';
import { SegmentClock, type PlacedSegment } from './segment-clock.js';

export interface ClosedSegment {
  /** Relative to the recordings directory. */
  file: string;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  run: string;
}

export type RecordingState = 'starting' | 'recording' | 'reconnecting' | 'disk_full' | 'stopped';

export interface CameraRecordingOptions {
  cameraId: number;
  url: string;
  /** The recordings directory (RECORDINGS_DIR). */
  root: string;
  segmentSeconds: number;
  timeoutMs?: number;
  /** Pause before the next run; short, so a camera that returns is recorded again within 5 s. */
  retryMs?: number;
  /** Pause before the next run after a full disk (the sweep needs a moment to free space). */
  diskFullRetryMs?: number;
  /** The host's wall clock (ms since the epoch); tests move it to jump the clock. */
  now?: () => number;
  onSegment(segment: ClosedSegment): Promise<void>;
  /** A new run wrote its first segment after footage ended at `since` for `reason`. */
  onGap?(since: Date, until: Date, reason: string): Promise<void>;
  onState?(state: RecordingState, detail: string | null): void;
  /** A write failed for want of space (ENOSPC): free some. */
  onDiskFull?(): void;
}

const NO_SPACE = /No space left on device|ENOSPC/i;
export const DISK_FULL = 'disk full: No space left on device';

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export class CameraRecording {
  private child: ChildProcess | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private clock = new SegmentClock(null);
  private indexedRun: string | null = null;
  private lastReason = 'recording started';
  private state: RecordingState = 'starting';
  /** Serialises index writes: segments are indexed in the order they closed. */
  private chain: Promise<void> = Promise.resolve();
  segments = 0;
  bytes = 0;

  constructor(private readonly o: CameraRecordingOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get currentState(): RecordingState {
    return this.state;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Starts recording; `lastEnd` is where this camera's footage ended before (a gap is recorded from it). */
  start(lastEnd: Date | null, why = 'recorder took the camera over'): void {
    this.clock = new SegmentClock(lastEnd);
    this.lastReason = why;
    void this.run();
  }

  private setState(state: RecordingState, detail: string | null): void {
    if (state === this.state && detail === null) return;
    this.state = state;
    this.o.onState?.(state, detail);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const began = new Date(this.now());
    const run = `${began.getTime().toString(36)}${randomBytes(3).toString('hex')}`;
    const relDir = path.join(String(this.o.cameraId), utcDay(began));
    const dir = path.join(this.o.root, relDir);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      const full = (err as NodeJS.ErrnoException).code === 'ENOSPC';
      if (full) this.diskFull();
      this.retry(full ? DISK_FULL : `cannot create ${relDir}: ${(err as Error).message}`);
      return;
    }
    const ffmpeg = await ffmpegPath();
    if (this.stopped) return;
    const args = buildSegmentArgs({
      url: this.o.url,
      dir,
      run,
      segmentSeconds: this.o.segmentSeconds,
      timeoutMs: this.o.timeoutMs ?? 5000,
    });
    // Supervised: the kernel kills it with this process (kill -9 included), no orphan recorders.
    const child = spawnSupervised(ffmpeg, args, { stdout: 'pipe' });
    this.child = child;
    const errors: string[] = [];
    const announced = new Set<string>();
    let runFull = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const seenWall = this.now();
      const seenMono = performance.now();
      const seg = parseSegmentLine(line);
      if (!seg) return;
      announced.add(seg.name);
      const file = path.join(relDir, seg.name);
      // Placed when its turn comes, after the segment before it was indexed.
      this.chain = this.chain.then(() => this.closed(file, run, () => this.clock.place(run, seg, seenWall, seenMono)));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (/\[(error|fatal)\]|No space|Connection|timed out|401|404/i.test(line)) {
        errors.push(maskSecrets(line, secretsOfUrl(this.o.url)));
        if (errors.length > 5) errors.shift();
      }
      if (NO_SPACE.test(line) && !runFull) {
        runFull = true;
        this.diskFull();
      }
    });
    child.once('error', (err) => errors.push(maskSecrets(err.message, secretsOfUrl(this.o.url))));
    child.once('close', (code, signal) => {
      if (this.child === child) this.child = null;
      const reason = errors.length
        ? errors[errors.length - 1]!.replace(/^\[\w+\]\s*/, '').slice(0, 300)
        : `ffmpeg ended (${signal ?? code})`;
      void this.chain.then(async () => {
        await this.removeLeftovers(dir, run, announced);
        if (this.stopped) return;
        this.lastReason = NO_SPACE.test(errors.join('\n')) ? DISK_FULL : reason;
        this.retry(this.lastReason);
      });
    });
  }

  /** Files of a run that ended which ffmpeg never announced (cut by a full disk): nobody can play them. */
  private async removeLeftovers(dir: string, run: string, announced: Set<string>): Promise<void> {
    try {
      const names = await readdir(dir);
      await Promise.all(
        names
          .filter((n) => n.startsWith(`${run}_`) && !announced.has(n))
          .map((n) => unlink(path.join(dir, n)).catch(() => undefined)),
      );
    } catch {
      // The directory is gone: nothing left over.
    }
  }

  private async closed(file: string, run: string, place: () => PlacedSegment): Promise<void> {
    const full = path.join(this.o.root, file);
    let bytes: number;
    try {
      bytes = (await stat(full)).size;
    } catch {
      return; // gone already (a full disk, or deleted): nothing to index
    }
    if (bytes === 0) {
      // ffmpeg announces the segment it could not write on a full disk: an empty file.
      await unlink(full).catch(() => undefined);
      return;
    }
    const placed = place();
    const { startedAt, endedAt } = placed;
    try {
      // A hole before this segment: a new run after a failure, or the wall clock jumped forward.
      const lastEnd = this.clock.lastEndAt;
      if (lastEnd && startedAt.getTime() - lastEnd.getTime() > 1500) {
        const jumped =
          placed.aheadMs > 1500 ? `clock_jump: the clock went forward ${Math.round(placed.aheadMs / 1000)} s` : null;
        const why = run !== this.indexedRun ? this.lastReason : null;
        await this.o.onGap?.(lastEnd, startedAt, [jumped, why].filter(Boolean).join('; ') || 'no footage');
      }
      await this.o.onSegment({ file, startedAt, endedAt, bytes, run });
      this.clock.commit(run, placed);
      this.indexedRun = run;
      this.segments++;
      this.bytes += bytes;
      this.setState('recording', null);
    } catch (err) {
      // The index is unreachable: the file stays on disk, unindexed; recording goes on.
      this.o.onState?.(this.state, `segment not indexed: ${(err as Error).message}`);
    }
  }

  /** Every ENOSPC: the state says so (once), and the owner frees space (each time). */
  private diskFull(): void {
    if (this.state !== 'disk_full') this.setState('disk_full', DISK_FULL);
    this.o.onDiskFull?.();
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    const full = reason === DISK_FULL;
    if (!full && this.state !== 'disk_full') this.setState('reconnecting', reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), full ? (this.o.diskFullRetryMs ?? 1000) : (this.o.retryMs ?? 500));
    this.timer.unref();
  }

  /** Stops ffmpeg (its last, partial segment is closed and indexed). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGINT');
      const hard = setTimeout(() => child.kill('SIGKILL'), 2000);
      await closed;
      clearTimeout(hard);
    }
    await this.chain;
    this.setState('stopped', null);
  }
}
