// The api process: HTTP API, tiles and (later) the web app and live streams.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configOrExit } from '../platform/config.js';
import { guardProcess } from '../platform/process-guards.js';
import { rootLogger } from '../platform/logger.js';
import { startApi } from './composition.js';
import { assertSafeForProduction, UnsafeProductionSettings } from '../accounts/module.js';

async function main(): Promise<void> {
  guardProcess('api');
  const cfg = configOrExit();
  try {
    await assertSafeForProduction(cfg);
  } catch (err) {
    if (err instanceof UnsafeProductionSettings) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const webDist = fileURLToPath(new URL('../web/dist', import.meta.url));
  // Assigned by beforeReady (a closure: spelled so TypeScript does not narrow it to null).
  let admin = null as { username: string; password: string } | null;
  const api = await startApi(cfg, {
    staticDir: existsSync(webDist) ? webDist : undefined,
    beforeReady: async (services) => {
      admin = await services.auth.ensureFirstAdmin(process.env['ADMIN_PASSWORD']);
    },
  });
  rootLogger.info({ url: api.url, osmandUrl: api.osmandUrl }, 'api listening');
  if (admin) {
    console.log(
      `\nFirst start: created the account "${admin.username}" with password "${admin.password}"${process.env['ADMIN_PASSWORD'] === undefined || cfg.NODE_ENV === 'production' ? ', to be changed at the first login' : ''}.`,
    );
    console.log(
      `Log in: curl -X POST localhost:${cfg.PORT}/api/auth/login -H 'content-type: application/json' -d '{"username":"admin","password":"${admin.password}"}'\n`,
    );
  }
  const stop = async (signal: string) => {
    rootLogger.info({ signal }, 'stopping');
    await api.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  rootLogger.fatal({ err }, 'api failed to start');
  process.exit(1);
});
