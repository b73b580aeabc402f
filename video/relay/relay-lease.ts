// One ffmpeg per camera stream across all server instances: whoever holds the Redis
// lease for a stream runs its relay, the others send viewers there. A lease is a key
// with a TTL (`SET key value NX PX ttl`), renewed while the relay runs and deleted on
// stop; if the owner dies, the key expires and the next viewer's instance takes over.
// Renew and release compare the value first (Lua), so an instance can never extend or
// delete a lease that has meanwhile passed to another.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LeaseHolder {
  instanceId: string;
  /** Where the holder's HTTP API answers, for the other instances to proxy to. */
  baseUrl: string;
}

interface LeaseValue extends LeaseHolder {
  /** Distinguishes two leases of the same instance (e.g. before and after its restart). */
  token: string;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const TAKE_OVER = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;

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

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly holder: LeaseHolder,
    private readonly ttlMs: number,
  ) {
    const value: LeaseValue = { ...holder, token: randomBytes(8).toString('hex') };
    this.value = JSON.stringify(value);
  }

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Takes the lease if it is free. A lease left by an earlier life of this same instance
   * id (a restart within the TTL) is taken over: that relay is gone with the process.
   */
  async acquire(tries = 3): Promise<AcquireResult> {
    const ok = await this.redis.set(this.key, this.value, 'PX', this.ttlMs, 'NX');
    if (ok === 'OK') {
      this.held = true;
      return { acquired: true };
    }
    const raw = await this.redis.get(this.key);
    const holder = parseHolder(raw);
    if (raw !== null && holder?.instanceId === this.holder.instanceId) {
      const taken = await this.redis.eval(TAKE_OVER, 1, this.key, raw, this.value, String(this.ttlMs));
      if (taken === 1) {
        this.held = true;
        return { acquired: true };
      }
      return { acquired: false, holder: parseHolder(await this.redis.get(this.key)) };
    }
    // Expired between SET and GET: try again (a bounded number of times).
    if (raw === null && tries > 1) return this.acquire(tries - 1);
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
        const renewed = await this.redis.eval(RENEW, 1, this.key, this.value, String(this.ttlMs));
        if (!this.held) return;
        if (renewed === 1) {
          lastConfirmed = Date.now();
        } else {
          // Gone (expired while this process was stalled) or taken: try to take it back once.
          const again = await this.redis.set(this.key, this.value, 'PX', this.ttlMs, 'NX');
          if (again !== 'OK') {
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
      await this.redis.eval(RELEASE, 1, this.key, this.value);
    } catch {
      // Redis unreachable: the TTL ends the lease.
    }
  }

  /** Who holds the lease under `key`, if anyone. */
  static async holderOf(redis: Redis, key: string): Promise<LeaseHolder | undefined> {
    return parseHolder(await redis.get(key));
  }
}
