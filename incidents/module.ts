// Incidents: the closed loop (上报 → 派遣 → 处置 → 核查 → 办结). Intake from the command room,
// the phones, Open311 hotlines and camera alarms; dispatch to the nearest free gridworker
// through BullMQ; deadlines and yellow cards; statistics. It owns the dispatch and deadline
// queues and, in the workers process, their processors plus the camera-alerts processor,
// the sweep and the offer outbox. It borrows from gis (the grid index), people (duty
// changes), positions (device tokens), video (pictures, alerts), gazetteer (addresses).
import type { DomainModule, Platform, Running } from '../platform/module.js';
import type { DeviceResolver } from '../platform/http/auth-middleware.js';
import type { SecurityLog } from '../platform/auth/security-log.js';
import { rootLogger } from '../platform/logger.js';
import type { GisServices } from '../gis/module.js';
import type { PeopleServices } from '../people/module.js';
import type { VideoServices } from '../video/module.js';
import type { GazetteerServices } from '../gazetteer/module.js';
import { createIncidentServices, type IncidentServices } from './services.js';
import { incidentRoutes } from './incidents.routes.js';
import { open311Router } from './open311/open311.router.js';
import { open311ClientRoutes } from './open311/clients.routes.js';
import { startIncidentWorkers } from './incident-workers.js';

export type { IncidentServices } from './services.js';
export { startIncidentWorkers, type RunningIncidentWorkers } from './incident-workers.js';
/** The SQL functions migrate re-applies on every run (server/schema.ts lists them). */
export { incidentsSql } from './schema.js';

/** What incidents borrows from the other domains. */
export interface IncidentNeeds {
  gis: Pick<GisServices, 'gridMap' | 'townByCode'>;
  people: PeopleServices;
  video: Pick<VideoServices, 'cameras' | 'alerts'>;
  gazetteer: GazetteerServices;
  /** positions: device tokens (phones' streams re-check theirs). */
  devices: DeviceResolver;
  /** accounts: exports are written to the security log. */
  securityLog: SecurityLog;
}

/** How often the leader looks for offers committed but never pushed. */
const OUTBOX_SWEEP_MS = 1000;

export function incidentsModule(p: Platform, needs: IncidentNeeds): DomainModule<{ incidents: IncidentServices }> {
  const { config, db, live, media } = p;
  const incidents = createIncidentServices({
    config,
    db,
    redis: p.redis,
    gridMap: needs.gis.gridMap,
    live,
    media,
    peopleChanged: (ids) => needs.people.people.announce(ids),
    cameraPicture: async (auth, id) => (await needs.video.cameras.snapshot(auth, id)).jpeg,
    alerts: needs.video.alerts,
  });
  const deps = {
    incidents,
    config,
    db,
    live,
    media,
    securityLog: needs.securityLog,
    devices: needs.devices,
    townByCode: needs.gis.townByCode,
    gazetteer: needs.gazetteer.gazetteer,
  };
  return {
    name: 'incidents',
    services: { incidents },
    routes: [...incidentRoutes(deps), ...open311ClientRoutes(deps)],
    routers: [open311Router(deps)],
    liveTopics: ['incidents'],
    queues: [incidents.jobs.dispatch, incidents.jobs.deadlines],
    /**
     * Every workers process runs the queue processors; the leader also sweeps (lost jobs,
     * missed deadlines) and pushes offers committed but never announced.
     */
    async work(leading): Promise<Running> {
      const workers = startIncidentWorkers(incidents, db, config.REDIS_URL, config.REDIS_PREFIX);
      const every = (ms: number, what: string, fn: () => Promise<void>) =>
        setInterval(
          () =>
            void (async () => {
              if (await leading()) await fn();
            })().catch((err: unknown) => rootLogger.warn({ err: (err as Error).message }, `${what} failed`)),
          ms,
        );
      const timers = [
        every(config.INCIDENT_SWEEP_S * 1000, 'incident sweep', async () => {
          const swept = await workers.sweep();
          if (swept.redispatched + swept.cards > 0) rootLogger.info(swept, 'incident sweep');
        }),
        // More often than the sweep: a phone should hear of its offer within seconds.
        every(OUTBOX_SWEEP_MS, 'offer outbox sweep', async () => void (await incidents.dispatch.pushUnsent())),
      ];
      return {
        async stop() {
          for (const t of timers) clearInterval(t);
          await workers.close();
        },
      };
    },
    async stop() {
      await incidents.jobs.close();
    },
  };
}
