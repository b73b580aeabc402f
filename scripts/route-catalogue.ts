// Every JSON route of the api process, declared without a database: the web app's API
// types are generated from it at build time (scripts/openapi-types.ts), when nothing is
// running. Route factories only capture their services in closures, so they get inert
// stand-ins here; a factory that used one while building its routes would throw at once.
// The list mirrors startApi() in composition.ts; test/web/api-types.test.ts proves the
// document made from it is the one a running api serves.
import { parseConfig } from '../platform/config.js';
import type { AnyRoute } from '../platform/http/route.js';
import { authRoutes } from '../accounts/auth.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { gisRoutes } from '../gis/gis.routes.js';
import { mapFileRoutes } from '../gis/map-files/map-files.routes.js';
import { peopleRoutes } from '../people/people.routes.js';
import { positionsRoutes } from '../positions/positions.routes.js';
import { liveVideoRoutes } from '../video/live-video.routes.js';
import { cameraRoutes } from '../video/cameras.routes.js';
import { incidentRoutes } from '../incidents/incidents.routes.js';
import { open311ClientRoutes } from '../incidents/open311/clients.routes.js';
import { gazetteerRoutes } from '../gazetteer/gazetteer.routes.js';
import { liveRoutes } from '../platform/live/live.routes.js';
import { AreasRepository } from '../gis/areas.repository.js';
import type { Services } from './composition.js';

/**
 * A stand-in for any service: reading a property gives another stand-in, calling one
 * throws. Not thenable, so `await` on it does not hang.
 */
export function inert<T>(name = 'service', known: Record<string, unknown> = {}): T {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get: (_t, key) => {
      if (key === 'then' || typeof key === 'symbol') return undefined;
      return key in known ? known[key] : inert(`${name}.${key}`);
    },
    apply: () => {
      throw new Error(`route catalogue: ${name}() was called while routes were being declared`);
    },
  }) as T;
}

/** The routes with inert services and the default configuration (limits as a fresh install has them). */
export function routeCatalogue(): AnyRoute[] {
  const config = parseConfig({});
  const s = inert<Services>('services', { config });
  return [
    ...authRoutes(s.auth),
    ...healthRoutes(s.health),
    ...gisRoutes(s),
    ...mapFileRoutes(s.mapFiles, config.MAP_FILE_MAX_MB),
    ...peopleRoutes(s.people),
    ...positionsRoutes(s.ingest, s.tracking, s),
    ...liveVideoRoutes(s.video, s.liveSources, s.cameras),
    ...cameraRoutes(s.cameras, s.ptz, s.cameraHealth, s.discovery, s.alerts, s.media, s.cameraAdmin),
    ...incidentRoutes(s),
    ...open311ClientRoutes(s),
    ...gazetteerRoutes(s.gazetteer),
    ...liveRoutes(
      s.live,
      new AreasRepository(s.db),
      ['positions', 'grid_events', 'grids', 'cameras', 'alerts', 'incidents'],
      { auth: s.auth, recheckMs: config.SESSION_RECHECK_S * 1000 },
    ),
  ];
}
