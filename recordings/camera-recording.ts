// Records ONE camera stream: runs ffmpeg (segment-args.ts), turns every CSV line it
// prints into a segment with wall-clock times, and keeps going: a run that ends (camera
// lost, a socket timeout, a full disk) is started again after a short pause, so the
// recording resumes within a few seconds of the camera's return. Each run has its own
// file prefix; the time between the last segment of a run and the first of the next is
// reported as a gap with the reason the run ended.
import type { ChildProcess } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { spawnSupervised } from '../platform/children.js';
import { ffmpegPath } from '../platform/ffmpeg-path.js';
import { maskSecrets, secretsOfUrl } from '../platform/mask-url.js';
import { buildSegmentArgs, parseSegmentLine } from './segment-args.js';

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
  onSegment(segment: ClosedSegment): Promise<void>;
  /** A new run wrote its first segment after footage ended at `since` for `reason`. */
  onGap?(since: Date, until: Date, reason: string): Promise<void>;
  onState?(state: RecordingState, detail: string | null): void;
}

const NO_SPACE = /No space left on device|ENOSPC/i;

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export class CameraRecording {
  private child: ChildProcess | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastEnd: Date | null = null;
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

  /** Starts recording; `lastEnd` is where this camera's footage ended before (a gap is recorded from it). */
  start(lastEnd: Date | null, why = 'recorder took the camera over'): void {
    this.lastEnd = lastEnd;
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
    const began = new Date();
    const run = `${began.getTime().toString(36)}${randomBytes(3).toString('hex')}`;
    const relDir = path.join(String(this.o.cameraId), utcDay(began));
    const dir = path.join(this.o.root, relDir);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      this.retry(`cannot create ${relDir}: ${(err as Error).message}`);
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
    let anchor: number | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const seen = Date.now();
      const seg = parseSegmentLine(line);
      if (!seg) return;
      // Wall clock: where stream time 0 was, from the least delayed announcement so far (a
      // line can only come late, under load, never early); durations are the camera's own.
      anchor = Math.min(anchor ?? Infinity, seen - seg.end * 1000);
      const startedAt = new Date(anchor + seg.start * 1000);
      const endedAt = new Date(anchor + seg.end * 1000);
      const file = path.join(relDir, seg.name);
      this.chain = this.chain.then(() => this.closed(file, startedAt, endedAt, run));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (/\[(error|fatal)\]|No space|Connection|timed out|401|404/i.test(line)) {
        errors.push(maskSecrets(line, secretsOfUrl(this.o.url)));
        if (errors.length > 5) errors.shift();
      }
      if (NO_SPACE.test(line)) this.setState('disk_full', 'No space left on device');
    });
    child.once('error', (err) => errors.push(maskSecrets(err.message, secretsOfUrl(this.o.url))));
    child.once('close', (code, signal) => {
      if (this.child === child) this.child = null;
      const reason = errors.length
        ? errors[errors.length - 1]!.replace(/^\[\w+\]\s*/, '').slice(0, 300)
        : `ffmpeg ended (${signal ?? code})`;
      void this.chain.then(() => {
        if (this.stopped) return;
        this.lastReason = NO_SPACE.test(errors.join('\n')) ? 'disk full' : reason;
        this.retry(this.lastReason);
      });
    });
  }

  private async closed(file: string, startedAt: Date, endedAt: Date, run: string): Promise<void> {
    let bytes: number;
    try {
      bytes = (await stat(path.join(this.o.root, file))).size;
    } catch {
      return; // gone already (a full disk, or deleted): nothing to index
    }
    if (bytes === 0) return;
    try {
      // The first segment indexed of a run (an empty first file does not count) closes the gap.
      if (run !== this.indexedRun && this.lastEnd && startedAt.getTime() - this.lastEnd.getTime() > 1500) {
        await this.o.onGap?.(this.lastEnd, startedAt, this.lastReason);
      }
      await this.o.onSegment({ file, startedAt, endedAt, bytes, run });
      this.lastEnd = endedAt;
      this.indexedRun = run;
      this.segments++;
      this.bytes += bytes;
      this.setState('recording', null);
    } catch (err) {
      // The index is unreachable: the file stays on disk, unindexed; recording goes on.
      this.o.onState?.(this.state, `segment not indexed: ${(err as Error).message}`);
    }
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    if (this.state !== 'disk_full') this.setState('reconnecting', reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), this.o.retryMs ?? 500);
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
