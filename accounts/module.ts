// Accounts: logins, sessions, passwords and the security log. Every other domain sees an
// account only as the AuthContext a route hands it; this module's public face is the
// AuthService (sessions for the HTTP layer and the live streams, the security log).
import type { DomainModule, Platform } from '../platform/module.js';
import { AuthService } from './auth.service.js';
import { authRoutes } from './auth.routes.js';

export { assertSafeForProduction, UnsafeProductionSettings } from './production-guard.js';

export interface AccountsServices {
  auth: AuthService;
}

export function accountsModule(p: Platform): DomainModule<AccountsServices> {
  const auth = new AuthService(p.db, p.config.SESSION_TTL_HOURS, {
    redis: p.redis,
    redisPrefix: p.config.REDIS_PREFIX,
    production: p.config.NODE_ENV === 'production',
  });
  return {
    name: 'accounts',
    services: { auth },
    routes: authRoutes(auth),
    async start() {
      auth.startPurge();
    },
    async stop() {
      auth.stopPurge();
    },
  };
}
