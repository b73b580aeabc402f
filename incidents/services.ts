// The incident domain's services, made from the platform and what other domains lend it.
// The api and the workers both make them; only the workers run the queue processors.
import type { Redis } from 'ioredis';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import type { MediaStore } from '../platform/media-store.js';
import type { GridMap } from '../gis/module.js';
import type { VideoServices } from '../video/module.js';
import { deadlineQueue, dispatchQueue } from './queues.js';
import { CameraAlertIntake } from './camera-alert-intake.js';
import { DeadlinesService } from './deadlines.service.js';
import { DispatchService } from './dispatch.service.js';
import { IncidentEvents } from './incident-events.js';
import { IncidentJobs } from './incident-jobs.js';
import { IncidentsService } from './incidents.service.js';
import { IntakeService } from './intake.service.js';
import { PlacementService } from './placement.service.js';
import { StatsService } from './stats.service.js';
import { TaxonomyService } from './taxonomy.service.js';

export interface IncidentServices {
  taxonomy: TaxonomyService;
  intake: IntakeService;
  placement: PlacementService;
  incidents: IncidentsService;
  dispatch: DispatchService;
  deadlines: DeadlinesService;
  stats: StatsService;
  cameraAlertIntake: CameraAlertIntake;
  jobs: IncidentJobs;
  events: IncidentEvents;
}

export interface IncidentDeps {
  config: Config;
  db: Db;
  redis: Redis;
  gridMap: GridMap;
  live: LiveBus;
  media: MediaStore;
  /** people: announce duty changes (busy, on duty again) to whoever follows them. */
  peopleChanged: (personIds: number[]) => Promise<void>;
  /** video: a camera's picture now (an incident reported from a camera). */
  cameraPicture: (auth: AuthContext, cameraId: number) => Promise<Buffer>;
  /** video: an alert and its camera (alarms become incidents). */
  alerts: Pick<VideoServices['alerts'], 'withCamera'>;
}

export function createIncidentServices(d: IncidentDeps): IncidentServices {
  const c = d.config;
  const jobs = new IncidentJobs(dispatchQueue(d.redis, c.REDIS_PREFIX), deadlineQueue(d.redis, c.REDIS_PREFIX));
  const events = new IncidentEvents(d.live);
  const taxonomy = new TaxonomyService(d.db);
  const intake = new IntakeService(d.db, d.gridMap, taxonomy, jobs, events);
  const dispatch = new DispatchService(
    d.db,
    jobs,
    events,
    {
      offerTimeoutS: c.OFFER_TIMEOUT_S,
      maxMisses: c.DISPATCH_MAX_MISSES,
      ownGridMaxM: c.OWN_GRID_MAX_M,
      freshS: c.DISPATCH_FRESH_S,
      workloadPenaltyM: c.WORKLOAD_PENALTY_M,
    },
    d.peopleChanged,
  );
  return {
    taxonomy,
    intake,
    placement: new PlacementService(d.db, d.gridMap, taxonomy, jobs, events),
    dispatch,
    incidents: new IncidentsService(
      d.db,
      dispatch,
      jobs,
      events,
      d.media,
      Math.round(c.INCIDENT_MEDIA_MAX_MB * 1024 * 1024),
      d.peopleChanged,
      d.cameraPicture,
    ),
    deadlines: new DeadlinesService(d.db, events, c.YELLOW_CARDS_TO_FLAG),
    stats: new StatsService(d.db, c.YELLOW_CARDS_TO_FLAG),
    cameraAlertIntake: new CameraAlertIntake(d.alerts, taxonomy, intake, d.media),
    jobs,
    events,
  };
}
