// Applies the numbered SQL files in ./migrations once each, in order, under an
// advisory lock so two processes starting together do not race. Applied files are
// never edited: a change is a new file. Then, on every run, the repeatable SQL the
// caller passes (the domains' functions, CREATE OR REPLACE, as Flyway's repeatable
// migrations): platform knows no domain, so whoever migrates names them.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type pg from 'pg';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 727_001;

export async function listMigrations(): Promise<string[]> {
  const files = await readdir(dir);
  return files.filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
}

/** SQL that is applied on every run and must be idempotent; `name` is for error messages. */
export interface RepeatableSql {
  name: string;
  sql: string;
}

/** The .sql files of a folder, in name order, as repeatable SQL. */
export async function sqlFilesIn(folder: string): Promise<RepeatableSql[]> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (f) => ({
      name: path.relative(process.cwd(), path.join(folder, f)),
      sql: await readFile(path.join(folder, f), 'utf8'),
    })),
  );
}

/** Returns the names of the numbered migrations it applied; the repeatable SQL is applied every time. */
export async function migrate(pool: pg.Pool, repeatable: readonly RepeatableSql[]): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    for (const name of await listMigrations()) {
      if (done.has(name)) continue;
      const sql = await readFile(path.join(dir, name), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(name);
    }
    // All or nothing, so a failing file leaves the previous functions in place.
    await client.query('BEGIN');
    for (const r of repeatable) {
      try {
        await client.query(r.sql);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`repeatable SQL ${r.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    await client.query('COMMIT');
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
