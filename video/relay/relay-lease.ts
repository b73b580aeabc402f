// One ffmpeg per camera stream across all server instances: whoever holds the Redis
// lease for a stream runs its relay, the others send viewers there. A lease is a key
// with a TTL (`SET key value NX PX ttl`), renewed while the relay runs and deleted on
// stop; if the owner dies, the key expires and the next viewer's instance takes over.
// The lease itself is the platform's (compare-and-set in Lua): an instance can never
// extend or delete a lease that has meanwhile passed to another.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Leases } from '../../platform/lease.js';

export interface LeaseHolder {
  instanceId: string;
  /** Where the holder's HTTP API answers, for the other instances to proxy to. */
  baseUrl: string;
}

interface LeaseValue extends LeaseHolder {
  /** Distinguishes two leases of the same instance (e.g. before and after its restart). */
  token: string;
}

export function parseHolder(raw: string | null): LeaseHolder | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<LeaseValue>;
    if (typeof v.instanceId === 'string' && typeof v.baseUrl === 'string')
      return { instanceId: v.instanceId, baseUrl: v.baseUrl };
  } catch {
    // Not ours: treat as held by an unknown instance.
  }
  return undefined;
}

export type AcquireResult = { acquired: true } | { acquired: false; holder: LeaseHolder | undefined };

export class RelayLease {
  private readonly value: string;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private readonly leases: Leases;

  constructor(
    redis: Redis,
    readonly key: string,
    readonly holder: LeaseHolder,
    private readonly ttlMs: number,
  ) {
    const value: LeaseValue = { ...holder, token: randomBytes(8).toString('hex') };
    this.value = JSON.stringify(value);
    this.leases = new Leases(redis);
  }

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Takes the lease if it is free. A lease left by an earlier life of this same instance
   * id (a restart within the TTL) is taken over: that relay is gone with the process.
   */
  async acquire(): Promise<AcquireResult> {
    const first = await this.leases.acquire(this.key, this.value, this.ttlMs);
    if (first.acquired) {
      this.held = true;
      return first;
    }
    const holder = parseHolder(first.current);
    if (holder?.instanceId === this.holder.instanceId) {
      const taken = await this.leases.acquire(this.key, this.value, this.ttlMs, first.current);
      if (taken.acquired) {
        this.held = true;
        return taken;
      }
      return { acquired: false, holder: parseHolder(taken.current) };
    }
    return { acquired: false, holder };
  }

  /**
   * Renews every ttl/3 until released. `onLost` is called once when the lease can no
   * longer be confirmed (taken by another instance, or Redis unreachable for a whole TTL):
   * the caller must then stop its relay, since another instance may start one.
   */
  keepAlive(onLost: (reason: string) => void): void {
    let lastConfirmed = Date.now();
    const interval = Math.max(100, Math.floor(this.ttlMs / 3));
    const tick = async (): Promise<void> => {
      if (!this.held) return;
      try {
        const renewed = await this.leases.renew(this.key, this.value, this.ttlMs);
        if (!this.held) return;
        if (renewed) {
          lastConfirmed = Date.now();
        } else {
          // Gone (expired while this process was stalled) or taken: try to take it back once.
          const again = await this.leases.acquire(this.key, this.value, this.ttlMs);
          if (!again.acquired) {
            this.held = false;
            onLost('the relay lease passed to another instance');
            return;
          }
          lastConfirmed = Date.now();
        }
      } catch (err) {
        if (Date.now() - lastConfirmed >= this.ttlMs) {
          this.held = false;
          onLost(`the relay lease could not be renewed: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
      }
      if (this.held) this.schedule(tick, interval);
    };
    this.schedule(tick, interval);
  }

  // Unref'd: renewing a lease is no reason to keep a process alive that is otherwise done.
  private schedule(tick: () => Promise<void>, ms: number): void {
    this.timer = setTimeout(() => void tick(), ms);
    this.timer.unref();
  }

  /** Deletes the lease if it is still ours. Never throws: an expired lease is released too. */
  async release(): Promise<void> {
    clearTimeout(this.timer);
    const wasHeld = this.held;
    this.held = false;
    if (!wasHeld) return;
    try {
      await this.leases.release(this.key, this.value);
    } catch {
      // Redis unreachable: the TTL ends the lease.
    }
  }

  /** Who holds the lease under `key`, if anyone. */
  static async holderOf(redis: Redis, key: string): Promise<LeaseHolder | undefined> {
    return parseHolder((await new Leases(redis).read(key))?.value ?? null);
  }
}
