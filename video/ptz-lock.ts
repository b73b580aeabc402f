// One operator steers a camera at a time. The lock lives in Redis so every api
// instance sees it (a platform lease); it expires when idle, and a higher role may take
// it over.
import type { Redis } from 'ioredis';
import { Leases } from '../platform/lease.js';

export interface LockHolder {
  accountId: number;
  username: string;
  rank: number;
  since: string;
}

/** Tries before giving up when the lock keeps changing hands under the caller. */
const TAKE_TRIES = 5;

export class PtzLocks {
  private readonly leases: Leases;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly idleMs: number,
  ) {
    this.leases = new Leases(redis);
  }

  private key(cameraId: number): string {
    return `${this.prefix}:ptz:lock:${cameraId}`;
  }

  /**
   * null when the caller now holds the lock; otherwise who does. Free, the caller's own
   * (renewed, keeping its `since`) or held by a lower rank: the caller's. Each attempt is
   * compare-and-set on what was read, so two operators never both get it.
   */
  async take(cameraId: number, who: Omit<LockHolder, 'since'>): Promise<LockHolder | null> {
    const key = this.key(cameraId);
    let holder: LockHolder | null = null;
    for (let i = 0; i < TAKE_TRIES; i++) {
      const current = await this.leases.read(key);
      holder = current ? (JSON.parse(current.value) as LockHolder) : null;
      if (current && holder) {
        if (Number(holder.accountId) === who.accountId) {
          if (await this.leases.renew(key, current.value, this.idleMs)) return null;
          continue;
        }
        if (who.rank <= Number(holder.rank)) return holder;
      }
      const value = JSON.stringify({ ...who, since: new Date().toISOString() });
      if ((await this.leases.acquire(key, value, this.idleMs, current?.value)).acquired) return null;
    }
    return holder;
  }

  async holder(cameraId: number): Promise<(LockHolder & { expiresInMs: number }) | null> {
    const current = await this.leases.read(this.key(cameraId));
    return current ? { ...(JSON.parse(current.value) as LockHolder), expiresInMs: current.ttlMs } : null;
  }

  async release(cameraId: number, accountId: number): Promise<boolean> {
    const key = this.key(cameraId);
    const current = await this.leases.read(key);
    if (!current || Number((JSON.parse(current.value) as LockHolder).accountId) !== accountId) return false;
    return this.leases.release(key, current.value);
  }
}
