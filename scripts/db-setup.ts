// Creates the database named in DATABASE_URL when it does not exist, then applies
// migrations. Run by `npm start` and by hand: `npx tsx scripts/db-setup.ts`.
import pg from 'pg';
import { config } from '../platform/config.js';
import { createPool } from '../platform/db/pool.js';
import { repeatableSql } from '../server/schema.js';
import { migrate } from '../platform/db/migrate.js';

export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const url = config().DATABASE_URL;
  if (await ensureDatabase(url)) console.log(`[db] created database ${new URL(url).pathname.slice(1)}`);
  const pool = createPool(url, 2);
  try {
    const applied = await migrate(pool, await repeatableSql());
    console.log(applied.length ? `[db] applied ${applied.join(', ')}` : '[db] schema up to date');
  } finally {
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`[db] ${(err as Error).message}`);
    process.exit(1);
  });
}
