import pg from 'pg';
import { config } from '../config.js';
import { moduleLogger } from '../logger.js';

const log = moduleLogger('db');

// int8 and numeric come back as strings by default; ids here fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
const INT8_ARRAY = 1016 as Parameters<typeof pg.types.getTypeParser>[0]; // _int8, which pg has no builtin name for
const parseInt8Array = pg.types.getTypeParser(INT8_ARRAY);
pg.types.setTypeParser(INT8_ARRAY, (v) => (parseInt8Array(v) as string[]).map(Number));

export type Db = pg.Pool;
export type DbClient = pg.PoolClient | pg.Pool;

export function createPool(url = config().DATABASE_URL, max = config().DB_POOL_SIZE): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'wangge' });
  pool.on('error', (err: Error & { code?: string }) => {
    // A pool that is shutting down sees its idle connections cut (a dropped database, a stopped
    // server): expected, not an error. The error object carries the whole client, so log its gist.
    if (pool.ending) return;
    log.error({ err: { message: err.message, code: err.code } }, 'idle database client failed');
  });
  // A client checked out between two statements has no pool listener, and pg emits a
  // connection the server ended (a restart: 57P01) as an 'error' event: unheard, it would
  // stop the process. Every client is heard; its owner's next statement fails and drops it.
  pool.on('connect', (client) =>
    client.on('error', (err: Error & { code?: string }) => {
      if (!pool.ending) log.warn({ err: { message: err.message, code: err.code } }, 'database connection ended');
    }),
  );
  return pool;
}

/** Runs fn in a transaction; rolls back on any error so nothing is half-written. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A server that ends the connection between two statements (a restart: 57P01): heard
  // here, the next statement fails, and the client is destroyed, not reused.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
