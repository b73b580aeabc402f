// Steering live video (issue 17): the low-latency view, aiming by the picture, tours and
// guard positions, saved walls and the video patrol log, composed in one place so the
// api's composition adds them with a couple of lines.
import type { Db } from '../platform/db/pool.js';
import type { AnyRoute } from '../platform/http/route.js';
import type { CredentialBox } from './credentials.js';
import type { PtzService } from './ptz.service.js';
import { LowLatencyService } from './low-latency/low-latency.service.js';
import { lowLatencyRoutes } from './low-latency/low-latency.routes.js';
import { AimService } from './aim/aim.service.js';
import { aimRoutes } from './aim/aim.routes.js';

export interface SteeringDeps {
  db: Db;
  box: CredentialBox;
  ptz: PtzService;
}

export class Steering {
  readonly lowLatency: LowLatencyService;
  readonly aim: AimService;

  constructor(deps: SteeringDeps) {
    this.lowLatency = new LowLatencyService(deps.db, deps.box);
    this.aim = new AimService(deps.db, deps.ptz);
  }

  routes(): AnyRoute[] {
    return [...lowLatencyRoutes(this.lowLatency), ...aimRoutes(this.aim)];
  }

  stop(): void {
    this.lowLatency.stopAll();
  }
}
