// Video: cameras (ONVIF, credentials sealed, the network fence), pictures, PTZ with its
// lock, health rounds, alarms → alerts, and live video (ffmpeg relays to HLS, one owner
// per stream across instances; pushed RTMP sources). Public face: the cameras (a picture
// for an incident), the alerts (an alert and its camera) and the camera-alerts queue the
// incidents domain empties.
import { StreamSources } from './stream-sources.js';
import { randomUUID } from 'node:crypto';
import type { DomainModule, Platform, Running } from '../platform/module.js';
import { rootLogger } from '../platform/logger.js';
import type { GisServices } from '../gis/module.js';
import { CredentialBox } from './credentials.js';
import { CameraNetworkPolicy, parseNetworks, setCameraNetworks } from './camera-network.js';
import { CameraSessions } from './camera-sessions.js';
import { CamerasService } from './cameras.service.js';
import { PtzLocks } from './ptz-lock.js';
import { PtzService } from './ptz.service.js';
import { CameraHealth } from './camera-health.js';
import { CameraAdminService } from './camera-admin.service.js';
import { CameraDiscovery } from './camera-discovery.js';
import { cameraRoutes } from './cameras.routes.js';
import { AlertsService } from './alerts.service.js';
import { AlertWatcher } from './alert-watcher.js';
import { RelayManager } from './relay/relay-manager.js';
import { LiveVideoService } from './live-video.service.js';
import { liveVideoRoutes } from './live-video.routes.js';
import { OnCameraService } from './on-camera.service.js';
import { onCameraRoutes } from './on-camera.routes.js';
import { LiveSourcesService } from './live-sources.service.js';
import { RtmpIngest } from './relay/rtmp-ingest.js';
import { cameraAlertsQueue, type CameraAlertJob } from './alert-queue.js';
import { Steering } from './steering.js';
import type { Queue } from 'bullmq';

export { CAMERA_ALERTS, type CameraAlertJob } from './alert-queue.js';

export interface VideoServices {
  box: CredentialBox;
  cameras: CamerasService;
  cameraSessions: CameraSessions;
  ptz: PtzService;
  cameraHealth: CameraHealth;
  cameraAdmin: CameraAdminService;
  discovery: CameraDiscovery;
  alertsQueue: Queue<CameraAlertJob>;
  alerts: AlertsService;
  relays: RelayManager;
  video: LiveVideoService;
  liveSources: LiveSourcesService;
  /** Low-latency view, aim by the picture, tours, walls, patrol log (issue 17). */
  steering: Steering;
  /** Stream URLs with credentials, for the recorders. */
  streamSources: StreamSources;
  /** Recordings kept on the cameras (ONVIF Profile G), listed and replayed through the relay. */
  onCamera: OnCameraService;
}

export function videoModule(
  p: Platform,
  gis: Pick<GisServices, 'gridMap' | 'townByCode'>,
): DomainModule<VideoServices> {
  const { config, db, redis, live, media } = p;
  const box = new CredentialBox(config.SECRET_KEY);
  setCameraNetworks(
    new CameraNetworkPolicy({
      networks: parseNetworks(config.CAMERA_NETWORKS),
      production: config.NODE_ENV === 'production',
    }),
  );
  const cameraSessions = new CameraSessions(db, box, config.CAMERA_TIMEOUT_MS);
  const ptzLocks = new PtzLocks(redis, config.REDIS_PREFIX, config.PTZ_LOCK_IDLE_S * 1000);
  const alertsQueue = cameraAlertsQueue(redis, config.REDIS_PREFIX);
  const cameras = new CamerasService(db, gis.gridMap, box, config.CAMERA_TIMEOUT_MS);
  const relays = new RelayManager({
    redis,
    instanceId: randomUUID(),
    baseUrl: p.baseUrl,
    keyPrefix: `${config.REDIS_PREFIX}:relay`,
    idleMs: config.RELAY_IDLE_S * 1000,
    maxRelays: config.RELAYS_MAX,
  });
  const cameraHealth = new CameraHealth(db, cameraSessions, live, {
    concurrency: 50,
    timeoutMs: Math.min(3000, config.CAMERA_TIMEOUT_MS),
  });
  const video = new LiveVideoService(db, box, relays, live);
  const onCamera = new OnCameraService(db, box, cameraSessions, relays);
  const alerts = new AlertsService(db, alertsQueue, media, box, live, config.ALERT_DEDUPE_S * 1000);
  const liveSources = new LiveSourcesService(db, relays, config.RTMP_PUBLIC_URL, gis.townByCode);
  const ptz = new PtzService(db, redis, config.REDIS_PREFIX, cameraSessions, ptzLocks, live);
  const cameraAdmin = new CameraAdminService(
    db,
    box,
    config.CAMERA_TIMEOUT_MS,
    cameraSessions,
    cameraHealth,
    video,
    live,
  );
  const discovery = new CameraDiscovery(db, {
    interfaceAddress: config.DISCOVERY_INTERFACE,
    port: config.DISCOVERY_PORT,
  });
  const steering = new Steering({
    db,
    box,
    ptz,
    redis,
    prefix: config.REDIS_PREFIX,
    sessions: cameraSessions,
    locks: ptzLocks,
    utcOffsetHours: config.TOWN_UTC_OFFSET_HOURS,
    live,
    townByCode: (code) => gis.townByCode(code),
  });
  let rtmp: RtmpIngest | null = null;
  return {
    name: 'video',
    services: {
      box,
      cameras,
      cameraSessions,
      ptz,
      cameraHealth,
      cameraAdmin,
      discovery,
      alertsQueue,
      alerts,
      relays,
      video,
      liveSources,
      steering,
      streamSources: new StreamSources(db, box),
      onCamera,
    },
    routes: [
      ...steering.routes(),
      ...liveVideoRoutes(video, liveSources, cameras),
      ...onCameraRoutes(onCamera),
      ...cameraRoutes(cameras, ptz, cameraHealth, discovery, alerts, media, cameraAdmin),
    ],
    liveTopics: ['cameras', 'alerts', 'walls'],
    queues: [alertsQueue],
    gauges: [{ name: 'wangge_relays', help: 'Live video relays (ffmpeg) this instance runs', read: () => relays.size }],
    async start() {
      // Pushed streams; one node-media-server per process, so it is optional (tests turn it off).
      if (config.RTMP_PORT <= 0) return;
      rtmp = await RtmpIngest.start({ rtmpPort: config.RTMP_PORT, authorize: (key) => liveSources.authorize(key) });
      liveSources.attach(rtmp);
      rtmp.on('published', (key: string) => void liveSources.published(key, true).catch(() => undefined));
      rtmp.on('unpublished', (key: string) => void liveSources.published(key, false).catch(() => undefined));
    },
    /** The leader checks every camera's health, keeps their event subscriptions and sweeps the alert outbox. */
    async work(leading): Promise<Running> {
      const watcher = new AlertWatcher(db, box, alerts, config.CAMERA_TIMEOUT_MS);
      const intervalMs = config.CAMERA_HEALTH_INTERVAL_S * 1000;
      let watching = false;
      const round = async () => {
        if (!(await leading())) return;
        if (!watching) {
          watching = true;
          watcher.start(intervalMs);
        }
        await alerts.sweep();
        rootLogger.info(await cameraHealth.checkAll(), 'camera health round');
      };
      const timer = setInterval(
        () => void round().catch((err: unknown) => rootLogger.error({ err }, 'health round failed')),
        intervalMs,
      );
      void round().catch((err: unknown) => rootLogger.error({ err }, 'health round failed'));
      // Tours and guard positions: one runner among the workers (its own lease, renewed each second).
      const tours = steering.tourRunner();
      tours.start();
      return {
        async stop() {
          clearInterval(timer);
          await tours.stop();
          await watcher.stop();
        },
      };
    },
    async stop() {
      steering.stop();
      ptz.stopAll();
      cameraSessions.closeAll();
      await alertsQueue.close();
      await relays.stopAll();
      await rtmp?.stop();
    },
  };
}
