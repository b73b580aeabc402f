// NODE_ENV=production refuses to start with what is only safe on a developer's machine:
// the development SECRET_KEY (published in the source, it opens every camera password
// in a backup), the demo town and its simulators, and the demo or a weak first-admin
// password. Every problem is named in one message, so one restart fixes them all.
import pg from 'pg';
import type { Config } from '../platform/config.js';
import { verifyPassword } from './password.js';

/** The key `SECRET_KEY` defaults to outside production. */
export const DEVELOPMENT_SECRET_KEY = '6f'.repeat(32);
/** The password of the demo accounts (README, `npm start`). */
export const DEMO_PASSWORD = 'hangbu-demo';
/** Accounts the demo seed creates with DEMO_PASSWORD, and the first admin. */
export const DEMO_USERNAMES = ['admin', 'planner', 'operator', 'dispatcher', 'installer'];
const MIN_ADMIN_PASSWORD = 12;

export class UnsafeProductionSettings extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Refusing to start in production (NODE_ENV=production):\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'See "Running in production" in README.md.',
    );
  }
}

/** What is wrong with these settings for production; empty outside production. */
export function unsafeSettings(cfg: Config, env: NodeJS.ProcessEnv = process.env): string[] {
  if (cfg.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (cfg.SECRET_KEY.toLowerCase() === DEVELOPMENT_SECRET_KEY) {
    problems.push(
      'SECRET_KEY is the development key, which is public: set your own (openssl rand -hex 32), then `npm run rotate-key` if cameras were registered under the old one',
    );
  }
  if (cfg.DEMO_TOWN)
    problems.push('DEMO_TOWN must be false: the demo town, its simulators and its accounts are not for production');
  const adminPassword = env['ADMIN_PASSWORD'];
  if (adminPassword !== undefined && (adminPassword === DEMO_PASSWORD || adminPassword.length < MIN_ADMIN_PASSWORD)) {
    problems.push(`ADMIN_PASSWORD is the demo password or shorter than ${MIN_ADMIN_PASSWORD} characters`);
  }
  return problems;
}

/** Enabled accounts that still open with the demo password (a database the demo seeded). */
export async function demoPasswordsInUse(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ username: string; password_hash: string }>(
      'SELECT username, password_hash FROM accounts WHERE username = ANY($1) AND NOT disabled ORDER BY username',
      [DEMO_USERNAMES],
    );
    const found: string[] = [];
    for (const r of rows) if (await verifyPassword(DEMO_PASSWORD, r.password_hash)) found.push(r.username);
    return found.map(
      (u) => `the account "${u}" has the demo password "${DEMO_PASSWORD}": disable it or change its password`,
    );
  } finally {
    await client.end();
  }
}

/** Throws UnsafeProductionSettings naming every problem; does nothing outside production. */
export async function assertSafeForProduction(cfg: Config, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (cfg.NODE_ENV !== 'production') return;
  const problems = unsafeSettings(cfg, env);
  // A database that is not there yet (first start) has no demo accounts either.
  problems.push(...(await demoPasswordsInUse(cfg.DATABASE_URL).catch(() => [])));
  if (problems.length) throw new UnsafeProductionSettings(problems);
}
