// The composition root: builds the platform and the domains in dependency order, and the
// api process from them. `main.ts` runs it as a process; tests run it in process against
// their own database; workers/main.ts builds the same domains and runs their work().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Config } from '../platform/config.js';
import type { DomainModule, Platform } from '../platform/module.js';
import { closePlatform, createPlatform } from '../platform/platform.js';
import { createRedis } from '../platform/redis.js';
import { rootLogger } from '../platform/logger.js';
import { HealthService } from '../platform/health/health.service.js';
import { healthRoutes } from '../platform/health/health.routes.js';
import { createApp } from '../platform/http/app.js';
import { ReadinessGate } from '../platform/http/readiness-gate.js';
import { Metrics } from '../platform/metrics.js';
import { liveRoutes } from '../platform/live/live.routes.js';
import type { AnyRoute } from '../platform/http/route.js';
import { recordingsModule, RECORDER_AUTH, videoCameras, type RecordingsServices } from '../recordings/module.js';
import { accountsModule, type AccountsServices } from '../accounts/module.js';
import { gisModule, type GisServices } from '../gis/module.js';
import { peopleModule, type PeopleServices } from '../people/module.js';
import { positionsModule, startOsmandServer, type PositionsServices } from '../positions/module.js';
import { videoModule, type VideoServices } from '../video/module.js';
import { gazetteerModule, type GazetteerServices } from '../gazetteer/module.js';
import { incidentsModule, type IncidentServices } from '../incidents/module.js';
import { organisationsModule, type OrganisationServices } from '../organisations/module.js';
import { notificationsModule, type NotificationsServices } from '../notifications/module.js';
import { fieldworkModule, type FieldworkServices } from '../fieldwork/module.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every domain's public services side by side, with the platform's (what tests and scripts reach for). */
export type Services = Omit<Platform, 'baseUrl'> & {
  health: HealthService;
  incidents: IncidentServices;
  organisations: OrganisationServices;
  recordings: RecordingsServices;
} & AccountsServices &
  GisServices &
  PeopleServices &
  PositionsServices &
  VideoServices &
  GazetteerServices &
  NotificationsServices &
  FieldworkServices;

export interface Composed {
  platform: Platform;
  /** In dependency order: each is built from the platform and the ones before it. */
  modules: DomainModule<unknown>[];
  services: Services;
}

export async function compose(
  config: Config,
  baseUrl = `http://127.0.0.1:${config.PORT}`,
  processName = 'api',
): Promise<Composed> {
  const platform = createPlatform(config, baseUrl, processName);
  const accounts = accountsModule(platform);
  const gis = await gisModule(platform);
  const people = peopleModule(platform);
  const positions = positionsModule(platform, gis.services, people.services);
  const video = videoModule(platform, gis.services);
  const gazetteer = await gazetteerModule(platform, gis.services);
  const incidents = incidentsModule(platform, {
    gis: gis.services,
    people: people.services,
    video: video.services,
    gazetteer: gazetteer.services,
    devices: positions.services.ingest,
    securityLog: accounts.services.auth.securityLog,
  });
  const organisations = organisationsModule(platform, incidents.services.incidents);
  const recordings = recordingsModule(platform, {
    cameras: videoCameras(video.services),
    incidents: {
      get: (auth, id) => incidents.services.incidents.incidents.get(auth, id),
      reportedSince: async (since, limit) =>
        (await incidents.services.incidents.incidents.list(RECORDER_AUTH, { since, limit, offset: 0 })).items,
    },
  });
  const notifications = notificationsModule(platform, {
    people: people.services.people,
    gis: gis.services,
    orgRecipients: (orgId) => organisations.services.organisations.organisations.recipientsOf(orgId),
  });
  const fieldwork = fieldworkModule(platform, {
    incidentTypes: () => incidents.services.incidents.taxonomy.categories(),
    people: people.services.people,
  });
  const { gridMap } = gis.services;
  const health = new HealthService(platform.db, platform.redis, () => ({
    gridIndex: { revision: gridMap.revision, versions: gridMap.current.size },
    positions: positions.services.writer.stats,
    liveSubscribers: platform.live.size,
  }));
  const { baseUrl: _, ...shared } = platform;
  return {
    platform,
    modules: [
      accounts,
      gis,
      people,
      positions,
      video,
      gazetteer,
      incidents,
      organisations,
      recordings,
      notifications,
      fieldwork,
    ],
    services: {
      ...shared,
      health,
      ...accounts.services,
      ...gis.services,
      ...people.services,
      ...positions.services,
      ...video.services,
      ...gazetteer.services,
      ...incidents.services,
      ...organisations.services,
      recordings: recordings.services,
      ...notifications.services,
      ...fieldwork.services,
    },
  };
}

/** The domains' services without starting anything (scripts, benchmarks). */
export async function createServices(config: Config, baseUrl?: string): Promise<Services> {
  return (await compose(config, baseUrl)).services;
}

export interface RunningApi {
  url: string;
  osmandUrl: string;
  services: Services;
  /** Every declared route, as the OpenAPI document is made from them. */
  routes: AnyRoute[];
  close(): Promise<void>;
}

/** Starts the HTTP API on config.PORT and the OsmAnd listener on OSMAND_PORT (0 picks free ports). */
/**
 * `beforeReady` runs once the services exist and before the readiness gate opens, so what
 * it makes (the first admin) is there for the first request /readyz lets through.
 */
export async function startApi(
  config: Config,
  options: { staticDir?: string; beforeReady?: (services: Services) => Promise<void> } = {},
): Promise<RunningApi> {
  // Listen first: the relays need this instance's own address before services exist.
  // Until the app is ready the gate answers every request 503 + Retry-After at once.
  const gate = new ReadinessGate();
  const server = http.createServer(gate.listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, '0.0.0.0', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const metrics = new Metrics();
  const osmand = await startOsmandServer(null, config.OSMAND_PORT, (status) =>
    metrics.osmand.inc({ status: String(status) }),
  );
  const { platform, modules, services } = await compose(config, `http://127.0.0.1:${port}`);
  const subscriber = createRedis(config.REDIS_URL, 'api-sub');
  await services.live.listen(subscriber);
  for (const m of modules) await m.start?.(subscriber);

  metrics.gauge('wangge_live_streams', 'Open SSE streams on this instance', () => services.live.size);
  for (const g of modules.flatMap((m) => m.gauges ?? [])) metrics.gauge(g.name, g.help, g.read);
  metrics.queues(modules.flatMap((m) => m.queues ?? []));
  const app = createApp({
    metrics: { metrics, token: config.METRICS_TOKEN },
    log: rootLogger,
    bodyLimit: config.BODY_LIMIT,
    smallBodyLimit: config.JSON_BODY_LIMIT,
    maxVertices: config.MAX_POLYGON_VERTICES,
    auth: services.auth,
    devices: services.ingest,
    health: services.health,
    version: pkg.version,
    staticDir: options.staticDir,
    routers: modules.flatMap((m) => m.routers ?? []),
    routes: [
      ...healthRoutes(services.health),
      ...modules.flatMap((m) => m.routes ?? []),
      ...liveRoutes(
        services.live,
        services.townByCode,
        modules.flatMap((m) => m.liveTopics ?? []),
        { auth: services.auth, recheckMs: config.SESSION_RECHECK_S * 1000 },
      ),
    ],
  });
  await options.beforeReady?.(services);
  gate.open(app);
  osmand.serve(services.ingest);
  return {
    url: `http://127.0.0.1:${port}`,
    osmandUrl: `http://127.0.0.1:${osmand.port}`,
    services,
    routes: app.locals['routes'] as AnyRoute[],
    async close() {
      gate.close();
      osmand.stopping();
      for (const m of [...modules].reverse()) await m.stop?.();
      await osmand.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      subscriber.disconnect();
      await closePlatform(platform);
    },
  };
}
