// Supervises ONE ffmpeg that remuxes one source (a camera stream, or a pushed RTMP
// stream) into HLS in a scratch directory. It is the only place that knows ffmpeg's
// moods: how to tell "the first playable segment is there", how to explain a failure in
// one sentence, when to retry (exponential backoff) and when to give up.
//
// Two kinds of trouble, two answers:
//  - a source that never produced a segment (wrong password, camera off, wrong port)
//    ends `failed` after a few attempts, with the reason — not an endless spinner;
//  - a relay that was live and lost its source keeps reconnecting until stopped, so the
//    players that keep polling the playlist pick the video up again by themselves.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { moduleLogger } from '../../platform/logger.js';
import { ffmpegPath } from '../../platform/ffmpeg-path.js';
import { maskSecrets, maskUrl, secretsOfUrl } from '../../platform/mask-url.js';
import { releaseScratchDir, spawnSupervised, trackScratchDir } from '../../platform/children.js';
import {
  buildHlsArgs,
  DEFAULT_LIST_SIZE,
  DEFAULT_SEGMENT_SECONDS,
  DEFAULT_TIMEOUT_MS,
  inputKindOf,
  SEGMENT_PREFIX,
  type InputKind,
} from './ffmpeg-args.js';
import { explainExit, isMissingFfmpeg, lastErrorLine, MISSING_FFMPEG_MESSAGE } from './ffmpeg-errors.js';
import { readPlayablePlaylist, segmentNumber } from './hls-files.js';

export type RelayState = 'starting' | 'live' | 'reconnecting' | 'failed' | 'stopped';

export interface RelayStatus {
  state: RelayState;
  /** ffmpeg's pid while one runs. */
  pid: number | undefined;
  dir: string;
  /** Source URL with the password masked. */
  source: string;
  startedAt: string;
  /** Milliseconds from start() to the first playable segment. */
  firstSegmentMs: number | undefined;
  lastSegmentAt: string | undefined;
  /** ffmpeg starts after the first one. */
  restarts: number;
  /** Attempts in a row that ended without a new segment. */
  consecutiveFailures: number;
  /** Why the last attempt ended, in one sentence (masked). */
  lastError: string | undefined;
  /** The ffmpeg stderr line behind lastError (masked). */
  lastErrorDetail: string | undefined;
  lastErrorAt: string | undefined;
}

export interface ReadyInfo {
  /** Milliseconds from start() to the first playable segment. */
  ms: number;
}

export class RelayFailedError extends Error {
  override readonly name = 'RelayFailedError';
}

export class RelayStoppedError extends Error {
  override readonly name = 'RelayStoppedError';
}

export interface RelayProcessOptions {
  /** rtsp://user:pass@camera/… or rtmp://127.0.0.1:PORT/live/KEY. */
  sourceUrl: string;
  /** For logs and the directory name, e.g. "cam-12-sub". */
  name?: string;
  /** Parent of the scratch directories; default /dev/shm/wangge-hls (tmpfs) or the OS temp dir. */
  hlsRoot?: string;
  /** Default: FFMPEG_PATH, ffmpeg-static, `ffmpeg` (see ffmpeg-path.ts). */
  ffmpegPath?: string;
  /** Socket timeout towards the source. */
  timeoutMs?: number;
  segmentSeconds?: number;
  listSize?: number;
  audio?: 'none' | 'copy';
  /** 'h264': transcode (a browser without H.265 watching an H.265-only camera); default copy. */
  video?: 'copy' | 'h264';
  /** First retry delay; doubles per failure up to backoffMaxMs. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A relay that was never live is `failed` after this many attempts in a row without a segment… */
  maxStartFailures?: number;
  /** …or after this long without a first segment, whichever comes first. */
  giveUpAfterMs?: number;
  /** An attempt running this long without a segment is killed and counts as a failure. */
  firstSegmentTimeoutMs?: number;
  /** A live relay whose playlist does not move for this long is restarted. */
  stallTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
  /** More literals to mask in errors and logs (an RTMP stream key, …). */
  secrets?: readonly string[];
  logger?: Logger;
  /** setpriv --pdeathsig SIGKILL (Linux); default true. */
  parentDeathSignal?: boolean;
}

/** /dev/shm where it exists (segments are rewritten every second: keep them in RAM). */
export function defaultHlsRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm/wangge-hls' : path.join(os.tmpdir(), 'wangge-hls');
}

interface Attempt {
  child: ChildProcess;
  startedAt: number;
  /** Segment number this ffmpeg starts with: segments at or above it are its own. */
  startSeq: number;
  lines: string[];
  produced: boolean;
  /** Set when the supervisor kills the attempt (timeout, stall), as the reason. */
  killReason: string | undefined;
  exited: Promise<void>;
}

const STDERR_LINES_KEPT = 30;
const POLL_STARTING_MS = 50;
const POLL_LIVE_MS = 500;

export class RelayProcess {
  readonly dir: string;
  /** Resolves at the first playable segment; rejects when the relay fails or is stopped before. */
  readonly ready: Promise<ReadyInfo>;

  private readonly log: Logger;
  private readonly kind: InputKind;
  private readonly secrets: string[];
  private readonly maskedSource: string;
  private readonly createdAt: number;
  private readonly o: Required<
    Pick<
      RelayProcessOptions,
      | 'timeoutMs'
      | 'segmentSeconds'
      | 'listSize'
      | 'backoffInitialMs'
      | 'backoffMaxMs'
      | 'maxStartFailures'
      | 'giveUpAfterMs'
      | 'firstSegmentTimeoutMs'
      | 'stallTimeoutMs'
      | 'stopGraceMs'
    >
  >;

  private state: RelayState = 'starting';
  private attempt: Attempt | undefined;
  private firstAttemptAt: number | undefined;
  private everLive = false;
  private firstSegmentMs: number | undefined;
  private lastSegment: string | undefined;
  private lastSegmentAt: number | undefined;
  private nextSeq = 0;
  private restarts = 0;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private lastErrorDetail: string | undefined;
  private lastErrorAt: number | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly cleanupTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;
  private polling = false;
  private readonly listeners = new Set<(status: RelayStatus) => void>();
  private resolveReady!: (info: ReadyInfo) => void;
  private rejectReady!: (err: Error) => void;
  private settled = false;

  private constructor(
    private readonly options: RelayProcessOptions,
    private readonly ffmpeg: string,
    dir: string,
    createdAt: number,
  ) {
    this.dir = dir;
    this.createdAt = createdAt;
    this.kind = inputKindOf(options.sourceUrl);
    this.secrets = [...secretsOfUrl(options.sourceUrl), ...(options.secrets ?? [])];
    this.maskedSource = maskSecrets(maskUrl(options.sourceUrl), this.secrets);
    this.log = (options.logger ?? moduleLogger('video-relay')).child({ relay: options.name ?? path.basename(dir) });
    this.o = {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      segmentSeconds: options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS,
      listSize: options.listSize ?? DEFAULT_LIST_SIZE,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 8000,
      maxStartFailures: options.maxStartFailures ?? 4,
      giveUpAfterMs: options.giveUpAfterMs ?? 15_000,
      firstSegmentTimeoutMs: options.firstSegmentTimeoutMs ?? 10_000,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      stopGraceMs: options.stopGraceMs ?? 2000,
    };
    this.ready = new Promise<ReadyInfo>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody has to await `ready`; a failure must not become an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Creates the scratch directory and starts ffmpeg. */
  static async start(options: RelayProcessOptions): Promise<RelayProcess> {
    const createdAt = Date.now();
    inputKindOf(options.sourceUrl); // Throws on a scheme we cannot relay, before any side effect.
    const ffmpeg = options.ffmpegPath ?? (await ffmpegPath());
    const root = options.hlsRoot ?? defaultHlsRoot();
    await mkdir(root, { recursive: true });
    const prefix = (options.name ?? 'relay').replace(/[^\w.-]+/g, '_').slice(0, 40);
    const dir = await mkdtemp(path.join(root, `${prefix}-`));
    trackScratchDir(dir);
    const relay = new RelayProcess(options, ffmpeg, dir, createdAt);
    relay.log.info({ source: relay.maskedSource, dir }, 'relay starting');
    try {
      // The first ffmpeg is running (its pid known) when start() resolves.
      await relay.launch();
    } catch (err) {
      await relay.stop();
      throw err;
    }
    return relay;
  }

  get pid(): number | undefined {
    return this.attempt?.child.pid;
  }

  get currentState(): RelayState {
    return this.state;
  }

  status(): RelayStatus {
    return {
      state: this.state,
      pid: this.pid,
      dir: this.dir,
      source: this.maskedSource,
      startedAt: new Date(this.createdAt).toISOString(),
      firstSegmentMs: this.firstSegmentMs,
      lastSegmentAt: this.lastSegmentAt === undefined ? undefined : new Date(this.lastSegmentAt).toISOString(),
      restarts: this.restarts,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      lastErrorDetail: this.lastErrorDetail,
      lastErrorAt: this.lastErrorAt === undefined ? undefined : new Date(this.lastErrorAt).toISOString(),
    };
  }

  /** Called on every state change; returns the unsubscribe function. */
  onStateChange(listener: (status: RelayStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kills ffmpeg (SIGTERM, SIGKILL after the grace period) and removes the directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearTimeout(this.retryTimer);
    clearTimeout(this.pollTimer);
    for (const t of this.cleanupTimers) clearTimeout(t);
    this.cleanupTimers.clear();
    const attempt = this.attempt;
    if (attempt) {
      attempt.child.kill('SIGTERM');
      // ffmpeg lets a first SIGTERM finish the read in progress, which on a silent source
      // lasts the whole socket timeout; a second one interrupts the I/O.
      const again = setTimeout(() => attempt.child.kill('SIGTERM'), 300);
      const graceful = await Promise.race([
        attempt.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.o.stopGraceMs).unref()),
      ]);
      clearTimeout(again);
      if (!graceful) {
        this.log.warn({ ffmpegPid: attempt.child.pid }, 'ffmpeg ignored SIGTERM; killing it');
        attempt.child.kill('SIGKILL');
        await attempt.exited;
      }
    }
    await rm(this.dir, { recursive: true, force: true });
    releaseScratchDir(this.dir);
    if (!this.settled) {
      this.settled = true;
      this.rejectReady(new RelayStoppedError('the relay was stopped before it had video'));
    }
    this.setState('stopped');
    this.log.info('relay stopped');
  }

  private setState(state: RelayState): void {
    if (this.state === state) return;
    this.state = state;
    const status = this.status();
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (err) {
        this.log.error({ err }, 'relay state listener threw');
      }
    }
  }

  private launchSafely(): void {
    this.launch().catch((err: unknown) => {
      this.log.error({ err }, 'could not start ffmpeg');
      this.fail(
        maskSecrets(`could not start ffmpeg: ${err instanceof Error ? err.message : String(err)}`, this.secrets),
      );
    });
  }

  private async launch(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    this.firstAttemptAt ??= now;
    // Continue the numbering after anything already in the directory (even a segment the
    // previous ffmpeg finished while exiting), so a new ffmpeg never overwrites a listed file.
    const highest = await this.highestSegmentOnDisk();
    if (this.stopping) return;
    if (highest !== undefined) this.nextSeq = Math.max(this.nextSeq, highest + 1);
    const restartAfterVideo = highest !== undefined;
    const args = buildHlsArgs(
      {
        kind: this.kind,
        url: this.options.sourceUrl,
        timeoutMs: this.o.timeoutMs,
        ...(this.options.audio ? { audio: this.options.audio } : {}),
        ...(this.options.video ? { video: this.options.video } : {}),
      },
      {
        dir: this.dir,
        segmentSeconds: this.o.segmentSeconds,
        listSize: this.o.listSize,
        startNumber: this.nextSeq,
        // Timestamps of the new ffmpeg start again near zero; shifting them by the time
        // elapsed since the first attempt keeps them increasing across restarts.
        ...(restartAfterVideo ? { continueAfterSeconds: (now - this.firstAttemptAt) / 1000 } : {}),
      },
    );
    const child = spawnSupervised(this.ffmpeg, args, { parentDeathSignal: this.options.parentDeathSignal ?? true });
    const attempt: Attempt = {
      child,
      startedAt: now,
      startSeq: this.nextSeq,
      lines: [],
      produced: false,
      killReason: undefined,
      exited: new Promise<void>((resolve) => {
        let done = false;
        const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
          if (done) return;
          done = true;
          resolve();
          void this.onExit(attempt, code, signal);
        };
        child.once('close', finish);
        child.once('error', (err) => {
          // Spawning failed (ENOENT): there is no process to wait for.
          if (child.pid === undefined) {
            attempt.lines.push(
              maskSecrets(`spawn ${this.ffmpeg} ${(err as NodeJS.ErrnoException).code ?? err.message}`, this.secrets),
            );
            finish(null, null);
          }
        });
      }),
    };
    this.attempt = attempt;
    if (child.stderr) {
      const rl = createInterface({ input: child.stderr });
      rl.on('line', (line) => {
        const masked = maskSecrets(line, this.secrets);
        attempt.lines.push(masked);
        if (attempt.lines.length > STDERR_LINES_KEPT) attempt.lines.shift();
        this.log.debug({ ffmpegPid: child.pid, line: masked }, 'ffmpeg');
      });
    }
    this.log.debug(
      { ffmpegPid: child.pid, startNumber: attempt.startSeq, restart: restartAfterVideo },
      'ffmpeg started',
    );
    this.schedulePoll();
  }

  private async highestSegmentOnDisk(): Promise<number | undefined> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return undefined;
    }
    let highest: number | undefined;
    for (const name of names) {
      const n = segmentNumber(name.replace(/\.tmp$/, ''));
      if (n !== undefined && (highest === undefined || n > highest)) highest = n;
    }
    return highest;
  }

  private schedulePoll(): void {
    clearTimeout(this.pollTimer);
    if (this.stopping || this.state === 'failed') return;
    const interval = this.state === 'live' ? POLL_LIVE_MS : POLL_STARTING_MS;
    this.pollTimer = setTimeout(() => void this.poll(), interval);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.readPlaylist();
      this.checkTimeouts();
    } catch (err) {
      this.log.error({ err }, 'relay poll failed');
    } finally {
      this.polling = false;
      if (this.attempt) this.schedulePoll();
    }
  }

  /** Reads the playlist and notices new segments (and the attempt's first one). */
  private async readPlaylist(attempt: Attempt | undefined = this.attempt): Promise<void> {
    const playlist = await readPlayablePlaylist(this.dir);
    if (!playlist || this.stopping) return;
    const last = playlist.segments.at(-1)!;
    const lastNumber = segmentNumber(last);
    if (last !== this.lastSegment) {
      this.lastSegment = last;
      this.lastSegmentAt = Date.now();
      if (lastNumber !== undefined) this.nextSeq = Math.max(this.nextSeq, lastNumber + 1);
    }
    if (attempt && !attempt.produced && lastNumber !== undefined && lastNumber >= attempt.startSeq) {
      attempt.produced = true;
      this.onAttemptLive(attempt);
    }
  }

  private onAttemptLive(attempt: Attempt): void {
    this.consecutiveFailures = 0;
    if (!this.everLive) {
      this.everLive = true;
      this.firstSegmentMs = Date.now() - this.createdAt;
      this.settled = true;
      this.resolveReady({ ms: this.firstSegmentMs });
      this.log.info({ firstSegmentMs: this.firstSegmentMs, ffmpegPid: attempt.child.pid }, 'relay live');
    } else {
      this.log.info({ ffmpegPid: attempt.child.pid, restarts: this.restarts }, 'relay live again');
      this.scheduleOldSegmentCleanup(attempt.startSeq);
    }
    this.setState('live');
  }

  /**
   * A restarted ffmpeg writes a fresh playlist and does not know the previous one's
   * segments; remove them once no player can still be fetching them.
   */
  private scheduleOldSegmentCleanup(below: number): void {
    const timer = setTimeout(
      () => {
        this.cleanupTimers.delete(timer);
        void this.removeSegmentsBelow(below);
      },
      this.o.listSize * this.o.segmentSeconds * 2000,
    );
    timer.unref();
    this.cleanupTimers.add(timer);
  }

  private async removeSegmentsBelow(below: number): Promise<void> {
    if (this.stopping) return;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => n.startsWith(SEGMENT_PREFIX) && (segmentNumber(n.replace(/\.tmp$/, '')) ?? Infinity) < below)
        .map((n) => unlink(path.join(this.dir, n)).catch(() => undefined)),
    );
  }

  private checkTimeouts(): void {
    const attempt = this.attempt;
    if (!attempt || attempt.killReason || this.stopping) return;
    const now = Date.now();
    if (!this.everLive && now - this.firstAttemptAt! > this.o.giveUpAfterMs) {
      // The attempt budget of a source that never worked is time as well as count.
      this.killAttempt(attempt, `no video from the source within ${Math.round(this.o.giveUpAfterMs / 1000)} s`);
    } else if (!attempt.produced && now - attempt.startedAt > this.o.firstSegmentTimeoutMs) {
      this.killAttempt(attempt, `no video from the source within ${Math.round(this.o.firstSegmentTimeoutMs / 1000)} s`);
    } else if (
      attempt.produced &&
      this.lastSegmentAt !== undefined &&
      now - this.lastSegmentAt > this.o.stallTimeoutMs
    ) {
      this.killAttempt(attempt, `the video stalled: no new segment for ${Math.round(this.o.stallTimeoutMs / 1000)} s`);
    }
  }

  /**
   * SIGKILL, not SIGTERM: on SIGTERM ffmpeg writes its trailer with I/O interrupted and
   * was seen to leave an EMPTY index.m3u8 behind, which players would then be served
   * while the relay reconnects. Killed outright, the last complete playlist stays.
   */
  private killAttempt(attempt: Attempt, reason: string): void {
    attempt.killReason = reason;
    this.log.warn({ ffmpegPid: attempt.child.pid, reason }, 'killing ffmpeg');
    attempt.child.kill('SIGKILL');
  }

  private async onExit(attempt: Attempt, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.attempt === attempt) this.attempt = undefined;
    clearTimeout(this.pollTimer);
    if (this.stopping) return;
    // ffmpeg finishes its last segment when the source ends; count it before deciding.
    await this.readPlaylist(attempt).catch(() => undefined);
    if (this.stopping) return;

    const now = Date.now();
    const ranMs = now - attempt.startedAt;
    const facts = {
      lines: attempt.lines,
      code,
      signal,
      ranMs,
      timeoutMs: this.o.timeoutMs,
      kind: this.kind,
      produced: attempt.produced,
    };
    this.lastError = attempt.killReason ?? explainExit(facts);
    const detail = lastErrorLine(attempt.lines);
    this.lastErrorDetail = detail;
    this.lastErrorAt = now;

    if (isMissingFfmpeg(attempt.lines)) {
      this.fail(MISSING_FFMPEG_MESSAGE);
      return;
    }
    if (attempt.produced) this.consecutiveFailures = 0;
    else this.consecutiveFailures += 1;

    if (
      !this.everLive &&
      (this.consecutiveFailures >= this.o.maxStartFailures || now - this.firstAttemptAt! >= this.o.giveUpAfterMs)
    ) {
      this.fail(this.lastError);
      return;
    }

    const delay = attempt.produced
      ? this.o.backoffInitialMs
      : Math.min(this.o.backoffMaxMs, this.o.backoffInitialMs * 2 ** Math.max(0, this.consecutiveFailures - 1));
    this.restarts += 1;
    this.log.warn(
      {
        source: this.maskedSource,
        error: this.lastError,
        detail,
        code,
        signal,
        ranMs,
        retryInMs: delay,
        failures: this.consecutiveFailures,
      },
      this.everLive ? 'relay lost its source; reconnecting' : 'relay attempt failed; retrying',
    );
    this.setState(this.everLive ? 'reconnecting' : 'starting');
    this.retryTimer = setTimeout(() => this.launchSafely(), delay);
  }

  private fail(reason: string): void {
    this.lastError = reason;
    this.lastErrorAt = Date.now();
    this.log.warn(
      { source: this.maskedSource, error: reason, detail: this.lastErrorDetail, attempts: this.consecutiveFailures },
      'relay failed',
    );
    if (!this.settled) {
      this.settled = true;
      this.rejectReady(new RelayFailedError(reason));
    }
    this.setState('failed');
  }
}
