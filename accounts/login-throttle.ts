// Failed logins counted in Redis per username and per client address over a fixed
// window, so every api instance sees the same counts. Only failures count: a user
// who types the right password is never slowed by someone else's attempts from
// another address, and a success clears the username's count.
import type { Redis } from 'ioredis';
import { ServiceUnavailable, TooManyRequests } from '../platform/errors.js';

// Redis queues commands while it is away; a login must not hang on that. Without the
// counters there is no throttling, so the login is refused (503) rather than let through.
const REDIS_DEADLINE_MS = 1500;

function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ServiceUnavailable('Logins are briefly unavailable (Redis); try again in a moment', 2)),
      REDIS_DEADLINE_MS,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface ThrottleLimits {
  perUsername: number;
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perUsername: 5, perIp: 20, windowSeconds: 900 };

export type ThrottledBy = 'username' | 'ip';

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
  ) {}

  private keys(username: string, ip: string): [string, string] {
    return [`${this.prefix}:login-fail:user:${username.toLowerCase()}`, `${this.prefix}:login-fail:ip:${ip}`];
  }

  /** Throws 429 with Retry-After when the username or the address has failed too often. */
  async check(username: string, ip: string): Promise<void> {
    const [userKey, ipKey] = this.keys(username, ip);
    const [user, byIp] = (await withDeadline(this.redis.mget(userKey, ipKey))).map((v) => Number(v ?? 0));
    const by: ThrottledBy | null =
      user! >= this.limits.perUsername ? 'username' : byIp! >= this.limits.perIp ? 'ip' : null;
    if (!by) return;
    const ttlMs = await withDeadline(this.redis.pttl(by === 'username' ? userKey : ipKey));
    const retryAfter = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : this.limits.windowSeconds * 1000) / 1000));
    throw new TooManyRequests(
      by === 'username'
        ? `Too many failed logins for this username; try again in ${retryAfter} s`
        : `Too many failed logins from this address; try again in ${retryAfter} s`,
      retryAfter,
      'login_throttled',
      { by, retryAfterSeconds: retryAfter },
    );
  }

  /** Counts a failure; says which limit this failure reached, if it just reached one. */
  async failed(username: string, ip: string): Promise<ThrottledBy | null> {
    const [userKey, ipKey] = this.keys(username, ip);
    const window = String(this.limits.windowSeconds);
    const results = await withDeadline(
      this.redis.multi().incr(userKey).expire(userKey, window, 'NX').incr(ipKey).expire(ipKey, window, 'NX').exec(),
    );
    const user = Number(results?.[0]?.[1] ?? 0);
    const byIp = Number(results?.[2]?.[1] ?? 0);
    if (user === this.limits.perUsername) return 'username';
    if (byIp === this.limits.perIp) return 'ip';
    return null;
  }

  /** Clears the username's count; best effort (a count left behind only expires later). */
  async succeeded(username: string): Promise<void> {
    await withDeadline(this.redis.del(this.keys(username, '')[0])).catch(() => undefined);
  }
}
