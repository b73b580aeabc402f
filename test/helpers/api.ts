// Starts the real API in process against a database of its own, with the real
// PostGIS and Redis, and logs in as the first admin.
import { parseConfig } from '../../platform/config.js';
import { startApi, type RunningApi } from '../../server/composition.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { HttpClient } from './http.js';
import type { Role } from '../../platform/auth/roles.js';

export interface TestApi {
  api: RunningApi;
  db: TestDatabase;
  redisPrefix: string;
  anonymous: HttpClient;
  admin: HttpClient;
  /** Logs in a new account with these roles and towns (ids). */
  login(roles: Role[], townIds?: number[], allTowns?: boolean): Promise<HttpClient>;
  close(): Promise<void>;
}

const ADMIN_PASSWORD = 'test-admin-password';
let accounts = 0;

/**
 * `sameDatabaseAs` starts a second instance on another's database and Redis prefix;
 * `options.staticDir` serves the built web app (browser tests).
 */
export async function startTestApi(
  label: string,
  env: Record<string, string> = {},
  sameDatabaseAs?: TestApi,
  options: { staticDir?: string } = {},
): Promise<TestApi> {
  const db = sameDatabaseAs
    ? { url: sameDatabaseAs.db.url, drop: async () => undefined }
    : await createTestDatabase(label);
  const prefixLabel = sameDatabaseAs ? sameDatabaseAs.redisPrefix : `wgtest-${process.pid}-${label}`;
  const config = parseConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15',
    REDIS_PREFIX: prefixLabel,
    PORT: '0',
    OSMAND_PORT: '0',
    RTMP_PORT: '0',
    DB_POOL_SIZE: '8',
    ...env,
  });
  const api = await startApi(config, { staticDir: options.staticDir });
  await api.services.auth.ensureFirstAdmin(ADMIN_PASSWORD);
  const anonymous = new HttpClient(api.url);
  const token = async (username: string, password: string) => {
    const res = await anonymous.post('/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };
  const admin = anonymous.as(await token('admin', ADMIN_PASSWORD));
  return {
    api,
    db,
    redisPrefix: prefixLabel,
    anonymous,
    admin,
    async login(roles, townIds = [], allTowns = false) {
      const username = `${roles.join('-')}-${++accounts}`;
      const password = 'password-for-tests';
      const res = await admin.post('/api/accounts', {
        username,
        displayName: username,
        password,
        roles,
        townIds,
        allTowns,
      });
      if (res.status !== 201) throw new Error(`account failed: ${res.status} ${JSON.stringify(res.body)}`);
      return anonymous.as(await token(username, password));
    },
    async close() {
      await api.close();
      await db.drop();
    },
  };
}
