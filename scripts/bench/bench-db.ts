// A scratch database for a benchmark: dropped, created and migrated afresh.
import pg from 'pg';
import { config } from '../../platform/config.js';
import { createPool } from '../../platform/db/pool.js';
import { repeatableSql } from '../../server/schema.js';
import { migrate } from '../../platform/db/migrate.js';
import { createRedis } from '../../platform/redis.js';

export async function freshBenchDatabase(name: string): Promise<string> {
  const admin = new URL(config().DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await client.end();
  const url = new URL(config().DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 1);
  await migrate(pool, await repeatableSql());
  await pool.end();
  return url.toString();
}

/** Removes what an earlier run left under a Redis key prefix (its queues' jobs, delayed ones too). */
export async function freshBenchRedis(prefix: string): Promise<void> {
  const redis = createRedis(config().REDIS_URL, 'bench-cleanup');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Collects "measure: result" lines as they come, and prints them as a Markdown table at the end. */
export class BenchReport {
  private readonly rows: [string, string][] = [];

  add(measure: string, result: string): void {
    this.rows.push([measure, result]);
    console.log(`  ${measure}: ${result}`);
  }

  print(): void {
    console.log('\n| measure | result |\n| --- | --- |');
    for (const [a, b] of this.rows) console.log(`| ${a} | ${b} |`);
  }
}

/** Runs a benchmark's main and exits, non-zero on failure (children and sockets do not keep it alive). */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
