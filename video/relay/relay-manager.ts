// On-demand relays: a camera stream is remuxed only while someone watches it. The first
// viewer's request starts the relay, later viewers share it, and a relay nobody has
// requested a playlist or segment from for `idleMs` is stopped. Across server instances
// a Redis lease elects one owner per stream; the others learn the owner's URL and the
// HTTP layer proxies to it, so a camera never gets two ffmpeg connections from us.
import { rm } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { moduleLogger } from '../../platform/logger.js';
import { AppError } from '../../platform/errors.js';
import { inputKindOf } from './ffmpeg-args.js';
import { RelayLease, type LeaseHolder } from './relay-lease.js';
import { releaseScratchDir, trackScratchDir } from '../../platform/children.js';
import {
  RelayProcess,
  defaultHlsRoot,
  type ReadyInfo,
  type RelayProcessOptions,
  type RelayStatus,
} from './relay-process.js';
import { claimInstanceDir, heartbeat, removeLeftoverScratchDirs, type LeftoverReport } from './scratch-dirs.js';

/**
 * A relayed stream: a camera's `main` / `sub` stream, or a pushed stream. Both parts
 * end up in Redis keys, directory names and logs, so neither may be a secret: for a
 * pushed stream use e.g. { sourceId: 'push', stream: <device id> }, not the stream key.
 */
export interface RelayKey {
  sourceId: string;
  stream: string;
}

export interface LocalWatch {
  local: true;
  key: RelayKey;
  /** The relay's HLS directory: serve files from here (see hls-files.ts). */
  dir: string;
  status: RelayStatus;
  /** First playable segment (rejects if the relay fails or stops first). */
  ready: Promise<ReadyInfo>;
}

export interface RemoteWatch {
  local: false;
  key: RelayKey;
  /** Base URL of the instance that runs this relay: proxy the request there. */
  owner: string;
  ownerId: string;
}

export type WatchResult = LocalWatch | RemoteWatch;

export interface RelayManagerOptions {
  redis: Redis;
  /** Unique per running server instance. */
  instanceId: string;
  /** This instance's base URL as the other instances can reach it. */
  baseUrl: string;
  /** Redis key prefix of the leases, e.g. "wangge:relay". */
  keyPrefix: string;
  /** Stop a relay nobody requested anything from for this long (default 30 s). */
  idleMs?: number;
  leaseTtlMs?: number;
  /**
   * Longest wait for Redis when taking a lease. The server's shared ioredis client retries
   * forever while disconnected (BullMQ needs that); a viewer should get an error instead.
   */
  redisTimeoutMs?: number;
  /** A failed relay answers with its error for this long before a new watch tries again. */
  failedRetryMs?: number;
  /**
   * Options for every RelayProcess (timeouts, backoff, ffmpeg path). `hlsRoot` is shared
   * by every instance on the host: this one keeps its relays in `<hlsRoot>/i-<instanceId>`.
   */
  relay?: Omit<RelayProcessOptions, 'sourceUrl' | 'name' | 'logger' | 'secrets'>;
  /** Most relays (ffmpeg processes) this instance runs at once; one more is a 429 (default: no cap). */
  maxRelays?: number;
  /** Scratch directories nobody owns, untouched this long, are removed at start (default 10 min). */
  leftoverStaleMs?: number;
  logger?: Logger;
}

export class RelayKeyError extends Error {
  override readonly name = 'RelayKeyError';
}

interface Entry {
  id: string;
  key: RelayKey;
  sourceUrl: string;
  /** copy, or an H.264 transcode. */
  video: 'copy' | 'h264';
  lease: RelayLease;
  relay: RelayProcess | undefined;
  /** Settles when the lease is decided and the relay started; gives the owner if another instance won. */
  starting: Promise<RemoteWatch | undefined>;
  lastTouch: number;
  failedAt: number | undefined;
  stopping: Promise<void> | undefined;
}

const KEY_PART = /^[\w.-]{1,64}$/;
const HEARTBEAT_MS = 30_000;

/** An RTMP stream key is the pushing phone's credential: mask it like a password. */
function secretsOfSource(url: string): string[] {
  if (inputKindOf(url) !== 'rtmp') return [];
  const last = /\/([^/?#]+)(?:[?#].*)?$/.exec(url.replace(/^[a-z]+:\/\/[^/]*/i, ''))?.[1];
  return last ? [last] : [];
}

/** Rejects after `ms`; an acquire that lands later leaves a lease that simply expires (never renewed). */
function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class RelayManager {
  private readonly entries = new Map<string, Entry>();
  private readonly stateListeners = new Set<(key: RelayKey, status: RelayStatus) => void>();
  private readonly log: Logger;
  private readonly idleMs: number;
  private readonly leaseTtlMs: number;
  private readonly failedRetryMs: number;
  private readonly redisTimeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly scratch: Promise<{ dir: string; leftovers: LeftoverReport }>;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: RelayManagerOptions) {
    this.log = options.logger ?? moduleLogger('video-relay');
    this.idleMs = options.idleMs ?? 30_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.failedRetryMs = options.failedRetryMs ?? 10_000;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 3000;
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(1000, this.idleMs / 4)));
    this.sweeper.unref();
    this.scratch = this.prepareScratch();
    // watch() awaits it and reports a failure; this only keeps it from going unhandled.
    this.scratch.catch((err: unknown) => this.log.error({ err }, 'cannot prepare the relay scratch directory'));
    // The owner file's mtime says "still here" to instances that start on other hosts.
    this.heartbeat = setInterval(
      () => void this.scratch.then((s) => heartbeat(s.dir)).catch(() => undefined),
      HEARTBEAT_MS,
    );
    this.heartbeat.unref();
  }

  /**
   * Claims this instance's scratch directory and removes the ones that servers killed
   * before they could clean up have left behind (see scratch-dirs.ts). Runs once, at
   * construction; awaiting it tells what was removed.
   */
  async leftovers(): Promise<LeftoverReport> {
    return (await this.scratch).leftovers;
  }

  private async prepareScratch(): Promise<{ dir: string; leftovers: LeftoverReport }> {
    const root = this.options.relay?.hlsRoot ?? defaultHlsRoot();
    const dir = await claimInstanceDir(root, this.options.instanceId);
    trackScratchDir(dir);
    const leftovers = await removeLeftoverScratchDirs(root, {
      instanceId: this.options.instanceId,
      staleMs: this.options.leftoverStaleMs ?? 10 * 60_000,
    });
    if (leftovers.removed.length)
      this.log.info({ removed: leftovers.removed }, 'removed relay scratch directories left by servers that died');
    return { dir, leftovers };
  }

  get holder(): LeaseHolder {
    return { instanceId: this.options.instanceId, baseUrl: this.options.baseUrl };
  }

  /** The Redis key of a stream's lease. */
  leaseKey(key: RelayKey): string {
    return `${this.options.keyPrefix}:${key.sourceId}:${key.stream}`;
  }

  /**
   * A viewer wants this stream. Starts the relay if no instance runs it (and counts as a
   * request for the idle timer), shares the running one, or names the instance that owns it.
   */
  /** `video: 'h264'` transcodes (give such a relay its own key, e.g. stream "main-h264"). */
  async watch(key: RelayKey, sourceUrl: string, video: 'copy' | 'h264' = 'copy'): Promise<WatchResult> {
    if (this.closed) throw new Error('the relay manager is stopped');
    const id = this.idOf(key);
    inputKindOf(sourceUrl);
    await this.scratch;
    for (;;) {
      const entry = this.entries.get(id);
      if (!entry) break;
      if (entry.stopping) {
        // An idle stop in progress: let it finish, then start afresh.
        await entry.stopping;
        continue;
      }
      entry.lastTouch = Date.now();
      const remote = await entry.starting;
      if (remote) return remote;
      if (entry.stopping || this.entries.get(id) !== entry) continue;
      if (this.needsRestart(entry, sourceUrl)) {
        this.restartRelay(entry, sourceUrl);
        continue; // Joins the restart like any other viewer.
      }
      if (!entry.relay) continue;
      return this.localWatch(entry);
    }
    const max = this.options.maxRelays ?? Infinity;
    if (this.entries.size >= max) {
      throw new AppError(
        429,
        'too_many_relays',
        `This server already relays ${this.entries.size} live streams, its limit; try again when a viewer has left`,
        { limit: max },
      );
    }
    const entry = this.createEntry(id, key, sourceUrl, video);
    const remote = await entry.starting;
    return remote ?? this.localWatch(entry);
  }

  /** Relays this instance runs (or is starting) now. */
  get size(): number {
    return this.entries.size;
  }

  /** A playlist or segment of this stream was requested. False when this instance does not run it. */
  touch(key: RelayKey): boolean {
    const entry = this.entries.get(this.idOf(key));
    if (!entry || entry.stopping) return false;
    entry.lastTouch = Date.now();
    return true;
  }

  /** The local relay's status, or undefined when this instance does not run it. */
  status(key: RelayKey): RelayStatus | undefined {
    return this.entries.get(this.idOf(key))?.relay?.status();
  }

  /**
   * Every state change of every local relay (starting, live, reconnecting, failed,
   * stopped), e.g. to tell the browsers watching it. Returns the unsubscribe function.
   */
  onStateChange(listener: (key: RelayKey, status: RelayStatus) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Which instance holds the stream's lease (this one included), or undefined. */
  async owner(key: RelayKey): Promise<LeaseHolder | undefined> {
    return RelayLease.holderOf(this.options.redis, this.leaseKey(key));
  }

  /** Every relay this instance runs. */
  list(): Array<{ key: RelayKey; status: RelayStatus | undefined }> {
    return [...this.entries.values()].map((e) => ({ key: e.key, status: e.relay?.status() }));
  }

  /** Stops one relay now (e.g. the camera was deleted). */
  async stop(key: RelayKey): Promise<void> {
    const entry = this.entries.get(this.idOf(key));
    if (entry) await this.stopEntry(entry, 'asked to stop');
  }

  /** Stops every relay and releases every lease (server shutdown). */
  async stopAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    clearInterval(this.heartbeat);
    await Promise.all([...this.entries.values()].map((e) => this.stopEntry(e, 'shutting down')));
    const scratch = await this.scratch.catch(() => undefined);
    if (scratch) {
      await rm(scratch.dir, { recursive: true, force: true });
      releaseScratchDir(scratch.dir);
    }
  }

  private idOf(key: RelayKey): string {
    if (!KEY_PART.test(key.sourceId) || !KEY_PART.test(key.stream)) {
      throw new RelayKeyError('relay key parts must be 1-64 letters, digits, "_", "." or "-"');
    }
    return `${key.sourceId}/${key.stream}`;
  }

  private localWatch(entry: Entry): LocalWatch {
    const relay = entry.relay!;
    return { local: true, key: entry.key, dir: relay.dir, status: relay.status(), ready: relay.ready };
  }

  private createEntry(id: string, key: RelayKey, sourceUrl: string, video: 'copy' | 'h264'): Entry {
    const entry: Entry = {
      id,
      key,
      sourceUrl,
      video,
      lease: new RelayLease(this.options.redis, this.leaseKey(key), this.holder, this.leaseTtlMs),
      relay: undefined,
      starting: Promise.resolve(undefined),
      lastTouch: Date.now(),
      failedAt: undefined,
      stopping: undefined,
    };
    // Registered before the first await, so concurrent viewers join this start.
    this.entries.set(id, entry);
    entry.starting = this.start(entry).catch(async (err: unknown) => {
      this.entries.delete(id);
      await entry.lease.release();
      throw err;
    });
    // Joiners await `starting` themselves; this only keeps a failure from going unhandled.
    entry.starting.catch(() => undefined);
    return entry;
  }

  private async start(entry: Entry): Promise<RemoteWatch | undefined> {
    const result = await withTimeout(
      entry.lease.acquire(),
      this.redisTimeoutMs,
      'Redis did not answer; cannot take the relay lease',
    );
    if (!result.acquired) {
      this.entries.delete(entry.id);
      if (!result.holder) throw new Error(`relay lease ${entry.lease.key} is held by an unknown holder`);
      return { local: false, key: entry.key, owner: result.holder.baseUrl, ownerId: result.holder.instanceId };
    }
    entry.lease.keepAlive((reason) => {
      this.log.warn({ relay: entry.id, reason }, 'relay lease lost; stopping the relay');
      void this.stopEntry(entry, reason);
    });
    await this.startRelay(entry);
    return undefined;
  }

  private async startRelay(entry: Entry): Promise<void> {
    const { dir } = await this.scratch;
    const relay = await RelayProcess.start({
      ...this.options.relay,
      hlsRoot: dir,
      sourceUrl: entry.sourceUrl,
      ...(entry.video === 'h264' ? { video: 'h264' as const } : {}),
      name: `${entry.key.sourceId}-${entry.key.stream}`,
      secrets: secretsOfSource(entry.sourceUrl),
      logger: this.log,
    });
    entry.relay = relay;
    entry.failedAt = undefined;
    relay.onStateChange((status) => {
      if (status.state === 'failed' && entry.relay === relay) entry.failedAt = Date.now();
      for (const listener of this.stateListeners) listener(entry.key, status);
    });
    this.log.info(
      { relay: entry.id, source: relay.status().source, ffmpegPid: relay.pid },
      'relay started for a viewer',
    );
  }

  /** A new source URL (changed password), or a failed relay whose retry time has come. */
  private needsRestart(entry: Entry, sourceUrl: string): boolean {
    if (sourceUrl !== entry.sourceUrl) return true;
    return entry.failedAt !== undefined && Date.now() - entry.failedAt >= this.failedRetryMs;
  }

  /** Replaces the entry's relay; synchronous up to the first await, so viewers arriving meanwhile join it. */
  private restartRelay(entry: Entry, sourceUrl: string): void {
    const old = entry.relay;
    entry.sourceUrl = sourceUrl;
    entry.relay = undefined;
    entry.failedAt = undefined;
    const restart = (async (): Promise<undefined> => {
      await old?.stop();
      await this.startRelay(entry);
      return undefined;
    })();
    entry.starting = restart.catch((err: unknown) => {
      // Not awaited: stopEntry waits for `starting`, which is this very promise.
      void this.stopEntry(entry, 'the relay could not be restarted');
      throw err;
    });
    entry.starting.catch(() => undefined);
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      if (!entry.stopping && entry.relay && now - entry.lastTouch > this.idleMs) {
        void this.stopEntry(entry, `no viewer for ${Math.round(this.idleMs / 1000)} s`);
      }
    }
  }

  private stopEntry(entry: Entry, reason: string): Promise<void> {
    entry.stopping ??= (async () => {
      this.log.info({ relay: entry.id, reason }, 'stopping relay');
      await entry.starting.catch(() => undefined);
      await entry.relay?.stop();
      await entry.lease.release();
      if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
    })();
    return entry.stopping;
  }
}
