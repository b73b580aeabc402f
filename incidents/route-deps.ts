// What the incident routes are given: this domain's services and, from the others, only
// what the routes use (named here, so the dependency is visible in one place).
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import type { MediaStore } from '../platform/media-store.js';
import type { SecurityLog } from '../platform/auth/security-log.js';
import type { DeviceResolver } from '../platform/http/auth-middleware.js';
import type { GazetteerService } from '../gazetteer/module.js';
import type { IncidentServices } from './services.js';

export interface IncidentRouteDeps {
  incidents: IncidentServices;
  config: Pick<Config, 'INCIDENT_MEDIA_MAX_MB' | 'SESSION_RECHECK_S' | 'TOWN_UTC_OFFSET_HOURS'>;
  db: Db;
  live: LiveBus;
  media: MediaStore;
  securityLog: SecurityLog;
  /** positions: device tokens (a phone's stream re-checks its device). */
  devices: DeviceResolver;
  /** gis: a town by its code (statistics exported for one town). */
  townByCode(code: string): Promise<{ id: number } | null>;
  gazetteer: GazetteerService;
}
