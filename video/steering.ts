// Steering live video (issue 17): the low-latency view, aiming by the picture, tours and
// guard positions, saved walls and the video patrol log, composed in one place so the
// api's composition adds them with a couple of lines.
import type { Redis } from 'ioredis';
import type { Db } from '../platform/db/pool.js';
import type { AnyRoute } from '../platform/http/route.js';
import type { CredentialBox } from './credentials.js';
import type { PtzService } from './ptz.service.js';
import { LowLatencyService } from './low-latency/low-latency.service.js';
import { lowLatencyRoutes } from './low-latency/low-latency.routes.js';
import { AimService } from './aim/aim.service.js';
import { aimRoutes } from './aim/aim.routes.js';
import type { CameraSessions } from './camera-sessions.js';
import type { PtzLocks } from './ptz-lock.js';
import { ToursService } from './tours/tours.service.js';
import { tourRoutes } from './tours/tours.routes.js';
import { TourRunner } from './tours/tour-runner.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { WallsService } from './walls/walls.service.js';
import { wallRoutes } from './walls/walls.routes.js';
import { PatrolService } from './patrol/patrol.service.js';
import { patrolRoutes } from './patrol/patrol.routes.js';

export interface SteeringDeps {
  db: Db;
  box: CredentialBox;
  ptz: PtzService;
  redis: Redis;
  prefix: string;
  sessions: CameraSessions;
  locks: PtzLocks;
  utcOffsetHours: number;
  live: LiveBus;
  townByCode: (code: string) => Promise<{ id: number } | null>;
}

export class Steering {
  readonly lowLatency: LowLatencyService;
  readonly aim: AimService;
  readonly tours: ToursService;
  readonly walls: WallsService;
  readonly patrol: PatrolService;

  constructor(private readonly deps: SteeringDeps) {
    this.lowLatency = new LowLatencyService(deps.db, deps.box);
    this.aim = new AimService(deps.db, deps.ptz);
    this.tours = new ToursService(deps.db, deps.redis, deps.prefix, deps.ptz);
    this.walls = new WallsService(deps.db, deps.live);
    this.patrol = new PatrolService(deps.db, deps.utcOffsetHours, deps.townByCode);
  }

  /** The tour and guard runner (the workers process starts it). */
  tourRunner(): TourRunner {
    const d = this.deps;
    return new TourRunner(d.db, d.redis, d.prefix, d.sessions, d.locks, d.utcOffsetHours);
  }

  routes(): AnyRoute[] {
    return [
      ...lowLatencyRoutes(this.lowLatency),
      ...aimRoutes(this.aim),
      ...tourRoutes(this.tours),
      ...wallRoutes(this.walls),
      ...patrolRoutes(this.patrol),
    ];
  }

  stop(): void {
    this.lowLatency.stopAll();
  }
}
