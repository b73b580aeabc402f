// The composition root: makes pools, services and the HTTP app from a config.
// `main.ts` runs it as a process; tests run it in process against their own database.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Request } from 'express';
import type { Config } from '../platform/config.js';
import { createPool, type Db } from '../platform/db/pool.js';
import { createRedis } from '../platform/redis.js';
import { rootLogger } from '../platform/logger.js';
import { whenAvailable } from '../platform/dependency-errors.js';
import { AuthService } from '../accounts/auth.service.js';
import { authRoutes } from '../accounts/auth.routes.js';
import { HealthService } from './health/health.service.js';
import { healthRoutes } from './health/health.routes.js';
import { createApp } from '../platform/http/app.js';
import { ReadinessGate } from '../platform/http/readiness-gate.js';
import { Metrics } from '../platform/metrics.js';
import { LiveBus } from '../platform/live/live-bus.js';
import { liveRoutes } from '../platform/live/live.routes.js';
import { GridMap } from '../gis/map-revision.js';
import { AreasRepository } from '../gis/areas.repository.js';
import { AreasService } from '../gis/areas.service.js';
import { PlansService } from '../gis/plans.service.js';
import { GridLookupService } from '../gis/grid-lookup.service.js';
import { TilesService } from '../gis/tiles.service.js';
import { gisRoutes } from '../gis/gis.routes.js';
import { MapFilesService } from '../gis/map-files/map-files.service.js';
import { mapFileReader } from '../gis/map-files/map-file-reader.js';
import { mapFileRoutes } from '../gis/map-files/map-files.routes.js';
import { PeopleService } from '../people/people.service.js';
import { peopleRoutes } from '../people/people.routes.js';
import { DeviceDirectory } from '../positions/device-directory.js';
import { IngestService } from '../positions/ingest.service.js';
import { PositionWriter } from '../positions/position-writer.js';
import { RejectionCounter } from '../positions/rejections.js';
import { TrackingService } from '../positions/tracking.service.js';
import { positionsRoutes } from '../positions/positions.routes.js';
import { publishCommittedPositions } from '../positions/live-positions.js';
import { startOsmandServer, type RunningOsmand } from '../positions/osmand-server.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { LiveRoster } from '../positions/live-roster.js';
import { CredentialBox } from '../video/credentials.js';
import { CameraNetworkPolicy, parseNetworks, setCameraNetworks } from '../video/camera-network.js';
import { CameraSessions } from '../video/camera-sessions.js';
import { CamerasService } from '../video/cameras.service.js';
import { PtzLocks } from '../video/ptz-lock.js';
import { PtzService } from '../video/ptz.service.js';
import { CameraHealth } from '../video/camera-health.js';
import { CameraAdminService } from '../video/camera-admin.service.js';
import { CameraDiscovery } from '../video/camera-discovery.js';
import { cameraRoutes } from '../video/cameras.routes.js';
import { AlertsService } from '../video/alerts.service.js';
import { MediaStore } from '../platform/media-store.js';
import { randomUUID } from 'node:crypto';
import { RelayManager } from '../video/relay/relay-manager.js';
import { LiveVideoService } from '../video/live-video.service.js';
import { liveVideoRoutes } from '../video/live-video.routes.js';
import { LiveSourcesService } from '../video/live-sources.service.js';
import { RtmpIngest } from '../video/relay/rtmp-ingest.js';
import { cameraAlertsQueue } from '../platform/queues.js';
import type { Queue } from 'bullmq';
import type { CameraAlertJob } from '../platform/queues.js';
import { createIncidentServices, type IncidentServices } from '../incidents/composition.js';
import { incidentRoutes } from '../incidents/incidents.routes.js';
import { open311Router } from '../incidents/open311/open311.router.js';
import { open311ClientRoutes } from '../incidents/open311/clients.routes.js';
import { GazetteerService } from '../gazetteer/gazetteer.service.js';
import { gazetteerRoutes } from '../gazetteer/gazetteer.routes.js';
import type { AnyRoute } from '../platform/http/route.js';
import type { DomainModule } from '../platform/module.js';
import { Unauthorized } from '../platform/errors.js';
import { bearerToken } from '../platform/http/auth-middleware.js';
import { PhonesService } from '../people/phones.service.js';
import { phonesRoutes } from '../people/phones.routes.js';
import { notificationsModule } from '../notifications/module.js';
import { fieldworkModule } from '../fieldwork/module.js';
import type { FieldworkService } from '../fieldwork/fieldwork.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export interface Services {
  config: Config;
  db: Db;
  redis: Redis;
  gridMap: GridMap;
  live: LiveBus;
  auth: AuthService;
  areas: AreasService;
  plans: PlansService;
  mapFiles: MapFilesService;
  lookup: GridLookupService;
  tiles: TilesService;
  people: PeopleService;
  devices: DeviceDirectory;
  rejections: RejectionCounter;
  writer: PositionWriter;
  ingest: IngestService;
  roster: LiveRoster;
  tracking: TrackingService;
  cameras: CamerasService;
  cameraSessions: CameraSessions;
  ptz: PtzService;
  cameraHealth: CameraHealth;
  cameraAdmin: CameraAdminService;
  discovery: CameraDiscovery;
  box: CredentialBox;
  media: MediaStore;
  alertsQueue: Queue<CameraAlertJob>;
  alerts: AlertsService;
  relays: RelayManager;
  video: LiveVideoService;
  liveSources: LiveSourcesService;
  incidents: IncidentServices;
  health: HealthService;
  gazetteer: GazetteerService;
  phones: PhonesService;
  notifications: DomainModule<NotificationsService>;
  fieldwork: DomainModule<FieldworkService>;
}

/** The phone behind a request's device token (the gridworker app's own calls). */
function devicePhone(ingest: IngestService) {
  return async (req: Request) => {
    const token = bearerToken(req);
    const device = token?.startsWith('dev_') ? await ingest.deviceByToken(token) : null;
    if (!device) throw new Unauthorized('Send the phone\'s device token as "Authorization: Bearer dev_…"');
    return device;
  };
}

export async function createServices(config: Config, baseUrl = `http://127.0.0.1:${config.PORT}`): Promise<Services> {
  const db = createPool(config.DATABASE_URL, config.DB_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, 'api', { failFast: true });
  const gridMap = new GridMap(db, redis, config.REDIS_PREFIX);
  await whenAvailable('grid map', () => gridMap.refresh(true), rootLogger);
  const live = new LiveBus(redis, config.REDIS_PREFIX);
  live.maxPerOwner = config.SSE_PER_ACCOUNT;
  const people = new PeopleService(db);
  const devices = new DeviceDirectory(db);
  const roster = new LiveRoster(db);
  people.onChange(async (personIds) => {
    devices.forget();
    // This instance's roster at once; the others when they hear of it.
    await roster.reloadPeople(personIds);
    await live.publish([{ topic: 'people', townId: 0, data: { personIds } }]).catch(() => undefined);
  });
  const rejections = new RejectionCounter(db);
  // Two statements in flight: one runs while the other commits and its callers are answered.
  const writer = new PositionWriter(db, { maxBatch: 2000, maxQueued: config.POSITION_QUEUE_MAX, concurrency: 2 });
  writer.onCommitted(publishCommittedPositions(live, gridMap, roster));
  const ingest = new IngestService(devices, gridMap, writer, rejections, {
    limits: {
      maxFutureMs: config.FIX_MAX_FUTURE_S * 1000,
      maxAgeMs: config.POSITION_RETENTION_DAYS * 86_400_000,
      maxSpeedMps: config.FIX_MAX_SPEED_MPS,
      lateAfterMs: config.FIX_LATE_AFTER_S * 1000,
      maxJumpSpeedMps: config.FIX_MAX_JUMP_SPEED_MPS,
      maxAccuracyM: config.FIX_MAX_ACCURACY_M,
      outlierConfirmFixes: config.FIX_OUTLIER_CONFIRM_FIXES,
    },
    deviceBurst: config.DEVICE_BURST,
    devicePerSecond: config.DEVICE_PER_SECOND,
  });
  const box = new CredentialBox(config.SECRET_KEY);
  setCameraNetworks(
    new CameraNetworkPolicy({
      networks: parseNetworks(config.CAMERA_NETWORKS),
      production: config.NODE_ENV === 'production',
    }),
  );
  const cameraSessions = new CameraSessions(db, box, config.CAMERA_TIMEOUT_MS);
  const ptzLocks = new PtzLocks(redis, config.REDIS_PREFIX, config.PTZ_LOCK_IDLE_S * 1000);
  const media = new MediaStore(config.MEDIA_DIR);
  const alertsQueue = cameraAlertsQueue(redis, config.REDIS_PREFIX);
  const cameras = new CamerasService(db, gridMap, box, config.CAMERA_TIMEOUT_MS);
  const relays = new RelayManager({
    redis,
    instanceId: randomUUID(),
    baseUrl,
    keyPrefix: `${config.REDIS_PREFIX}:relay`,
    idleMs: config.RELAY_IDLE_S * 1000,
    maxRelays: config.RELAYS_MAX,
  });
  const cameraHealth = new CameraHealth(db, cameraSessions, live, {
    concurrency: 50,
    timeoutMs: Math.min(3000, config.CAMERA_TIMEOUT_MS),
  });
  const video = new LiveVideoService(db, box, relays, live);
  const plans = new PlansService(db, gridMap, config.GRID_SLIVER_M2, (townIds, revision) =>
    live
      .publish(townIds.map((townId) => ({ topic: 'grids', townId, data: { action: 'published', revision } })))
      .catch(() => undefined),
  );
  const gazetteer = new GazetteerService(db, gridMap, redis, config.REDIS_PREFIX);
  await gazetteer.refresh(true);
  const incidentServices = createIncidentServices({
    config,
    db,
    redis,
    gridMap,
    live,
    media,
    peopleChanged: (ids) => people.announce(ids),
    cameraPicture: async (auth, id) => (await cameras.snapshot(auth, id)).jpeg,
  });
  return {
    config,
    db,
    redis,
    gridMap,
    live,
    auth: new AuthService(db, config.SESSION_TTL_HOURS, {
      redis,
      redisPrefix: config.REDIS_PREFIX,
      production: config.NODE_ENV === 'production',
    }),
    areas: new AreasService(db, gridMap),
    plans,
    mapFiles: new MapFilesService(db, plans, mapFileReader(config), config.MAP_FILE_TIMEOUT_S * 1000),
    lookup: new GridLookupService(db, gridMap),
    tiles: new TilesService(db, gridMap, config.TILE_CACHE_ENTRIES),
    people,
    devices,
    rejections,
    writer,
    ingest,
    roster,
    tracking: new TrackingService(db, roster, gridMap, config.TOWN_UTC_OFFSET_HOURS),
    cameras,
    cameraSessions,
    ptz: new PtzService(db, redis, config.REDIS_PREFIX, cameraSessions, ptzLocks, live),
    cameraHealth,
    cameraAdmin: new CameraAdminService(db, box, config.CAMERA_TIMEOUT_MS, cameraSessions, cameraHealth, video, live),
    discovery: new CameraDiscovery(db, { interfaceAddress: config.DISCOVERY_INTERFACE, port: config.DISCOVERY_PORT }),
    box,
    media,
    alertsQueue,
    alerts: new AlertsService(db, alertsQueue, media, box, live, config.ALERT_DEDUPE_S * 1000),
    relays,
    video,
    liveSources: new LiveSourcesService(db, relays, config.RTMP_PUBLIC_URL),
    incidents: incidentServices,
    health: new HealthService(db, redis, () => ({
      gridIndex: { revision: gridMap.revision, versions: gridMap.current.size },
      positions: writer.stats,
      liveSubscribers: live.size,
    })),
    gazetteer,
    phones: new PhonesService(db, people),
    notifications: notificationsModule({ config, db, redis, live, media, baseUrl }, { phoneOf: devicePhone(ingest) }),
    fieldwork: fieldworkModule(
      { config, db, redis, live, media, baseUrl },
      { phoneOf: devicePhone(ingest), incidentTypes: () => incidentServices.taxonomy.categories() },
    ),
  };
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
export async function startApi(config: Config, options: { staticDir?: string } = {}): Promise<RunningApi> {
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
  const osmand: RunningOsmand = await startOsmandServer(null, config.OSMAND_PORT, (status) =>
    metrics.osmand.inc({ status: String(status) }),
  );
  const services = await createServices(config, `http://127.0.0.1:${port}`);
  const subscriber = createRedis(config.REDIS_URL, 'api-sub');
  await services.gridMap.follow(subscriber);
  await services.gazetteer.follow(subscriber);
  await services.live.listen(subscriber);
  await whenAvailable('live roster', () => services.roster.load(), rootLogger);
  services.roster.follow(services.live);
  await whenAvailable(
    'position partitions',
    () => services.writer.maintain(config.POSITION_RETENTION_DAYS),
    rootLogger,
  );
  const maintenance = setInterval(
    () => void services.writer.maintain(config.POSITION_RETENTION_DAYS).catch(() => undefined),
    3_600_000,
  );
  maintenance.unref();
  services.rejections.start();
  services.auth.startPurge();
  await whenAvailable('device directory', () => services.devices.warm(), rootLogger);
  services.ingest.remember(
    await whenAvailable('last fixes', () => new PositionsRepository(services.db).lastFixes(), rootLogger),
  );

  metrics.gauge('wangge_relays', 'Live video relays (ffmpeg) this instance runs', () => services.relays.size);
  metrics.gauge('wangge_live_streams', 'Open SSE streams on this instance', () => services.live.size);
  metrics.gauge('wangge_position_queue', 'Fixes waiting to be written', () => services.writer.stats.queued);
  metrics.gauge('wangge_positions_written', 'Fixes written since start', () => services.writer.stats.written);
  metrics.queues([services.alertsQueue, services.incidents.jobs.dispatch, services.incidents.jobs.deadlines]);
  const app = createApp({
    metrics: { metrics, token: config.METRICS_TOKEN },
    log: rootLogger,
    bodyLimit: config.BODY_LIMIT,
    smallBodyLimit: config.JSON_BODY_LIMIT,
    maxVertices: config.MAX_POLYGON_VERTICES,
    auth: services.auth,
    health: services.health,
    version: pkg.version,
    staticDir: options.staticDir,
    routers: [open311Router(services)],
    routes: [
      ...authRoutes(services.auth),
      ...healthRoutes(services.health),
      ...gisRoutes(services),
      ...mapFileRoutes(services.mapFiles, services.config.MAP_FILE_MAX_MB),
      ...peopleRoutes(services.people),
      ...positionsRoutes(services.ingest, services.tracking, services),
      ...liveVideoRoutes(services.video, services.liveSources, services.cameras),
      ...cameraRoutes(
        services.cameras,
        services.ptz,
        services.cameraHealth,
        services.discovery,
        services.alerts,
        services.media,
        services.cameraAdmin,
      ),
      ...incidentRoutes(services),
      ...open311ClientRoutes(services),
      ...gazetteerRoutes(services.gazetteer),
      ...phonesRoutes(services.phones, devicePhone(services.ingest)),
      ...(services.notifications.routes ?? []),
      ...(services.fieldwork.routes ?? []),
      ...liveRoutes(
        services.live,
        new AreasRepository(services.db),
        ['positions', 'grid_events', 'grids', 'cameras', 'alerts', 'incidents'],
        { auth: services.auth, recheckMs: config.SESSION_RECHECK_S * 1000 },
      ),
    ],
  });
  gate.open(app);
  osmand.serve(services.ingest);
  // Pushed streams; one node-media-server per process, so it is optional (tests turn it off).
  const rtmp =
    config.RTMP_PORT > 0
      ? await RtmpIngest.start({ rtmpPort: config.RTMP_PORT, authorize: (key) => services.liveSources.authorize(key) })
      : null;
  if (rtmp) {
    services.liveSources.attach(rtmp);
    rtmp.on('published', (key: string) => void services.liveSources.published(key, true).catch(() => undefined));
    rtmp.on('unpublished', (key: string) => void services.liveSources.published(key, false).catch(() => undefined));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    osmandUrl: `http://127.0.0.1:${osmand.port}`,
    services,
    routes: app.locals['routes'] as AnyRoute[],
    async close() {
      gate.close();
      osmand.stopping();
      clearInterval(maintenance);
      services.auth.stopPurge();
      services.roster.stop();
      services.ptz.stopAll();
      services.cameraSessions.closeAll();
      await services.alertsQueue.close();
      await services.incidents.jobs.close();
      await services.relays.stopAll();
      services.gridMap.stop();
      services.gazetteer.stop();
      await osmand.close();
      await rtmp?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.rejections.stop();
      subscriber.disconnect();
      services.redis.disconnect();
      await services.db.end();
    },
  };
}
