// One operator steers a camera at a time. The lock lives in Redis so every api
// instance sees it; it expires when idle, and a higher role may take it over.
import type { Redis } from 'ioredis';

export interface LockHolder {
  accountId: number;
  username: string;
  rank: number;
  since: string;
}

// Takes the lock unless someone else of equal or higher rank holds it; then returns them.
const TAKE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local h = cjson.decode(cur)
  if tonumber(h.accountId) ~= tonumber(ARGV[2]) and tonumber(ARGV[3]) <= tonumber(h.rank) then return cur end
  if tonumber(h.accountId) == tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    return false
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return false`;

const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cjson.decode(cur).accountId) == tonumber(ARGV[1]) then return redis.call('DEL', KEYS[1]) end
return 0`;

export class PtzLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly idleMs: number,
  ) {}

  private key(cameraId: number): string {
    return `${this.prefix}:ptz:lock:${cameraId}`;
  }

  /** null when the caller now holds the lock; otherwise who does. */
  async take(cameraId: number, who: Omit<LockHolder, 'since'>): Promise<LockHolder | null> {
    const value = JSON.stringify({ ...who, since: new Date().toISOString() });
    const held = (await this.redis.eval(TAKE, 1, this.key(cameraId), value, who.accountId, who.rank, this.idleMs)) as
      string | null;
    return held ? (JSON.parse(held) as LockHolder) : null;
  }

  async holder(cameraId: number): Promise<(LockHolder & { expiresInMs: number }) | null> {
    const [value, ttl] = await Promise.all([this.redis.get(this.key(cameraId)), this.redis.pttl(this.key(cameraId))]);
    return value ? { ...(JSON.parse(value) as LockHolder), expiresInMs: ttl } : null;
  }

  async release(cameraId: number, accountId: number): Promise<boolean> {
    return ((await this.redis.eval(RELEASE, 1, this.key(cameraId), accountId)) as number) === 1;
  }
}
