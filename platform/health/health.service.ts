import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';

export interface ComponentHealth {
  ok: boolean;
  ms: number;
  version?: string;
  error?: string;
}

async function probe(fn: () => Promise<string | undefined>): Promise<ComponentHealth> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref(),
    );
    const version = await Promise.race([fn(), timeout]);
    return { ok: true, ms: ms(), ...(version ? { version } : {}) };
  } catch (err) {
    return { ok: false, ms: ms(), error: (err as Error).message };
  }
}

export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly extra: () => Record<string, unknown> = () => ({}),
  ) {}

  /** Whether PostgreSQL and Redis both answer within a second: what /readyz reports. */
  async ready(): Promise<{ ok: boolean; waitingFor: string[] }> {
    const within = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow')), 1000).unref())]);
    const [pg, redis] = await Promise.all([
      within(this.db.query('SELECT 1')).then(
        () => true,
        () => false,
      ),
      within(this.redis.ping()).then(
        (p) => p === 'PONG',
        () => false,
      ),
    ]);
    const waitingFor = [...(pg ? [] : ['postgres']), ...(redis ? [] : ['redis'])];
    return { ok: waitingFor.length === 0, waitingFor };
  }

  async check() {
    const [postgres, postgis, redis] = await Promise.all([
      probe(async () => (await this.db.query<{ v: string }>('SHOW server_version')).rows[0]?.v),
      probe(async () => (await this.db.query<{ v: string }>('SELECT postgis_lib_version() AS v')).rows[0]?.v),
      probe(async () => {
        const pong = await this.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected answer ${pong}`);
        return undefined;
      }),
    ]);
    const ok = postgres.ok && postgis.ok && redis.ok;
    return { status: ok ? 'ok' : 'degraded', checks: { postgres, postgis, redis }, ...this.extra() };
  }
}
