// Every JSON route of the api process, declared without a database: the web app's API
// types are generated from it at build time (scripts/openapi-types.ts), when nothing is
// running. Route factories only capture their services in closures, so they get inert
// stand-ins here; a factory that used one while building its routes would throw at once.
// The list mirrors the modules' `routes` and startApi() in server/composition.ts (it
// lives in scripts/ because server/ may not reach inside a module, and building the
// modules needs the database); test/web/api-types.test.ts proves the document made
// from it is the one a running api serves.
import { parseConfig } from '../platform/config.js';
import type { AnyRoute } from '../platform/http/route.js';
import { healthRoutes } from '../platform/health/health.routes.js';
import { liveRoutes } from '../platform/live/live.routes.js';
import { authRoutes } from '../accounts/auth.routes.js';
import { gisRoutes } from '../gis/gis.routes.js';
import { mapFileRoutes } from '../gis/map-files/map-files.routes.js';
import { peopleRoutes } from '../people/people.routes.js';
import { phonesRoutes } from '../people/phones.routes.js';
import { positionsRoutes } from '../positions/positions.routes.js';
import { liveVideoRoutes } from '../video/live-video.routes.js';
import { onCameraRoutes } from '../video/on-camera.routes.js';
import { cameraRoutes } from '../video/cameras.routes.js';
import { gazetteerRoutes } from '../gazetteer/gazetteer.routes.js';
import { incidentRoutes } from '../incidents/incidents.routes.js';
import { open311ClientRoutes } from '../incidents/open311/clients.routes.js';
import { lowLatencyRoutes } from '../video/low-latency/low-latency.routes.js';
import { aimRoutes } from '../video/aim/aim.routes.js';
import { tourRoutes } from '../video/tours/tours.routes.js';
import { wallRoutes } from '../video/walls/walls.routes.js';
import { patrolRoutes } from '../video/patrol/patrol.routes.js';
import { organisationRoutes } from '../organisations/organisations.routes.js';
import { recordingRoutes } from '../recordings/recordings.routes.js';
import { notificationRoutes } from '../notifications/notifications.routes.js';
import { fieldworkRoutes } from '../fieldwork/fieldwork.routes.js';
import type { Services } from '../server/composition.js';

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

/**
 * The routes with inert services and the default configuration (limits as a fresh
 * install has them). Each line is a module's `routes` (`<domain>/module.ts`), in the
 * order compose() lists the modules, then what startApi() adds (health, live).
 */
export function routeCatalogue(): AnyRoute[] {
  const config = parseConfig({});
  const s = inert<Services>('services', { config });
  const incidentDeps = inert<Parameters<typeof incidentRoutes>[0]>('incidents', { config });
  return [
    ...healthRoutes(s.health),
    ...authRoutes(s.auth),
    ...gisRoutes(s),
    ...mapFileRoutes(s.mapFiles, config.MAP_FILE_MAX_MB),
    ...peopleRoutes(s.people),
    ...phonesRoutes(inert('phones')),
    ...positionsRoutes(s.ingest, s.tracking, s),
    ...lowLatencyRoutes(inert('lowLatency')),
    ...aimRoutes(inert('aim')),
    ...tourRoutes(inert('tours')),
    ...wallRoutes(inert('walls')),
    ...patrolRoutes(inert('patrol')),
    ...liveVideoRoutes(s.video, s.liveSources, s.cameras),
    ...onCameraRoutes(s.onCamera),
    ...cameraRoutes(s.cameras, s.ptz, s.cameraHealth, s.discovery, s.alerts, s.media, s.cameraAdmin),
    ...gazetteerRoutes(s.gazetteer),
    ...incidentRoutes(incidentDeps),
    ...open311ClientRoutes(incidentDeps),
    ...organisationRoutes(inert('organisations'), inert('handoffs'), inert('consultations'), inert('county'), 1),
    ...recordingRoutes(inert('policies'), inert('playback'), inert('exports'), inert('evidence')),
    ...notificationRoutes(inert('notifications')),
    ...fieldworkRoutes(inert('fieldwork'), inert('incidentTypes'), 1),
    ...liveRoutes(
      s.live,
      s.townByCode,
      [
        'grids',
        'positions',
        'grid_events',
        'cameras',
        'alerts',
        'walls',
        'incidents',
        'handoffs',
        'recordings',
        'notifications',
      ],
      {
        auth: s.auth,
        recheckMs: config.SESSION_RECHECK_S * 1000,
      },
    ),
  ];
}
