// A lease: a Redis key that names its holder and lapses unless renewed, so one process
// (or one operator) at a time does something across every instance, and a dead holder
// frees it by itself. Every step is one Lua script, compare-and-set on the key's value:
// a holder can never renew or release a lease that has meanwhile passed to another.
// Used by the relay ownership (video/relay/relay-lease.ts), the PTZ lock
// (video/ptz-lock.ts) and the workers' leader election (workers/main.ts).
import type { Redis } from 'ioredis';

// Ours already: renew. Free, or still what the caller saw and may replace: take it.
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return {1} end
if (not cur) or (ARGV[3] ~= '' and cur == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1}
end
return {0, cur}`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export type Acquired = { acquired: true } | { acquired: false; current: string };

export class Leases {
  constructor(private readonly redis: Redis) {}

  /**
   * Holds `key` with `value` for `ttlMs`: taken if free, renewed if already this value,
   * and taken over if it still holds `replacing` (a value the caller read and judged it
   * may replace). Otherwise the current value, untouched.
   */
  async acquire(key: string, value: string, ttlMs: number, replacing = ''): Promise<Acquired> {
    const [ok, current] = (await this.redis.eval(ACQUIRE, 1, key, value, String(Math.ceil(ttlMs)), replacing)) as [
      number,
      string?,
    ];
    return ok === 1 ? { acquired: true } : { acquired: false, current: current ?? '' };
  }

  /** Extends the lease if it still holds `value`; false if it lapsed or passed to another. */
  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, key, value, String(Math.ceil(ttlMs)))) === 1;
  }

  /** Deletes the lease if it still holds `value`. */
  async release(key: string, value: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, key, value)) === 1;
  }

  /** The lease's value and what is left of it, or null when free. */
  async read(key: string): Promise<{ value: string; ttlMs: number } | null> {
    const [[, value], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ];
    return value === null ? null : { value, ttlMs: ttl };
  }
}
