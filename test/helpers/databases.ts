// immich's pattern: migrate one template database per test run, then give each test
// file its own clone (CREATE DATABASE … TEMPLATE), fast and isolated.
import pg from 'pg';
import { createPool } from '../../platform/db/pool.js';
import { repeatableSql } from '../../server/schema.js';
import { migrate } from '../../platform/db/migrate.js';

const BASE_URL =
  process.env['TEST_DATABASE_URL'] ??
  process.env['DATABASE_URL'] ??
  'postgres://postgres:postgres@127.0.0.1:5432/postgres';
// One template per mocha run, so that several runs on one machine (two developers, a
// benchmark beside the suite) do not drop each other's template.
const RUN_ID = (process.env['WANGGE_TEST_RUN'] ??= String(process.pid));
const TEMPLATE = `wangge_test_template_${RUN_ID}`;

function urlFor(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
}

/** Builds the migrated template; run once per test run. */
export async function prepareTemplate(): Promise<void> {
  await withAdmin(async (c) => {
    await c.query(`UPDATE pg_database SET datistemplate = false WHERE datname = $1`, [TEMPLATE]);
    await dropDatabase(c, TEMPLATE);
    await c.query(`CREATE DATABASE ${TEMPLATE}`);
  });
  const pool = createPool(urlFor(TEMPLATE), 1);
  try {
    await migrate(pool, await repeatableSql());
  } finally {
    await pool.end();
  }
  await withAdmin((c) => c.query(`UPDATE pg_database SET datistemplate = true WHERE datname = $1`, [TEMPLATE]));
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

/** Drops this run's template at the end of the run. */
export async function dropTemplate(): Promise<void> {
  await withAdmin(async (c) => {
    await c.query(`UPDATE pg_database SET datistemplate = false WHERE datname = $1`, [TEMPLATE]);
    await dropDatabase(c, TEMPLATE);
  });
}

/** A fresh, migrated database of its own. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `wangge_test_${label.replace(/\W/g, '_').toLowerCase()}_${process.pid}_${counter++}`;
  await withAdmin(async (c) => {
    await dropDatabase(c, name);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${TEMPLATE}`);
  });
  return { url: urlFor(name), drop: () => withAdmin((c) => dropDatabase(c, name)) };
}

export interface ConnectionsRefused {
  /** Lets connections in again (idempotent). */
  restore(): Promise<void>;
}

/**
 * PostgreSQL gone for one test database only: new connections are refused and open ones
 * ended, as a restart would, while the other tests sharing the server carry on.
 */
export async function refuseConnections(url: string): Promise<ConnectionsRefused> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH ALLOW_CONNECTIONS false`);
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  let restored = false;
  return {
    async restore() {
      if (restored) return;
      restored = true;
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}
