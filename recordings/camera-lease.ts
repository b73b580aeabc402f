// Who records a camera: the recorder holding its Redis lease (`SET key me NX PX ttl`),
// renewed every ttl/3 with compare-and-set, so a recorder can never extend or drop a
// lease that has passed to another. A recorder killed with -9 renews nothing: its
// leases expire after one TTL and the other recorders take the cameras over.
// Single leases go through platform/lease.ts; renewing all of a recorder's is one pipeline.
import type { Redis } from 'ioredis';
import { Leases } from '../platform/lease.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export class CameraLeases {
  private readonly leases: Leases;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly me: string,
    readonly ttlMs: number,
  ) {
    this.leases = new Leases(redis);
  }

  key(cameraId: number): string {
    return `${this.prefix}:recorder:camera:${cameraId}`;
  }

  async acquire(cameraId: number): Promise<boolean> {
    return (await this.leases.acquire(this.key(cameraId), this.me, this.ttlMs)).acquired;
  }

  /** Renews every lease in one round trip; returns the ids no longer ours. */
  async renew(cameraIds: number[]): Promise<number[]> {
    if (cameraIds.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of cameraIds) pipe.eval(RENEW, 1, this.key(id), this.me, String(this.ttlMs));
    const results = (await pipe.exec()) ?? [];
    return cameraIds.filter((_, i) => results[i]?.[0] !== null || results[i]?.[1] !== 1);
  }

  async release(cameraId: number): Promise<void> {
    await this.leases.release(this.key(cameraId), this.me).catch(() => undefined);
  }

  async holder(cameraId: number): Promise<string | null> {
    return this.redis.get(this.key(cameraId));
  }

  /** Says this recorder is alive; returns how many recorders are (for a fair share of cameras). */
  async heartbeat(): Promise<number> {
    const set = `${this.prefix}:recorder:alive`;
    const now = Date.now();
    const [, , count] =
      (await this.redis
        .multi()
        .zadd(set, now, this.me)
        .zremrangebyscore(set, 0, now - this.ttlMs)
        .zcard(set)
        .exec()) ?? [];
    return Math.max(1, Number(count?.[1] ?? 1));
  }

  async leave(): Promise<void> {
    await this.redis.zrem(`${this.prefix}:recorder:alive`, this.me).catch(() => undefined);
  }

  /** One recorder at a time sweeps storage and attaches evidence. */
  async lead(): Promise<boolean> {
    return (await this.leases.acquire(`${this.prefix}:recorder:leader`, this.me, this.ttlMs)).acquired;
  }
}
