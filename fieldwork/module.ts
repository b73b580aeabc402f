// The fieldwork domain: a gridworker's patrol log and household visits (走访), recorded
// from the phone app, read by the command room.
import type { DomainModule, Platform } from '../platform/module.js';
import { FieldworkService } from './fieldwork.service.js';
import { fieldworkRoutes } from './fieldwork.routes.js';
import type { PeopleService } from '../people/module.js';

export interface FieldworkDeps {
  /** The incidents' taxonomy, which the phone's report form picks from. */
  incidentTypes: () => Promise<unknown>;
  /** Names who walked a patrol or made a visit. */
  people: Pick<PeopleService, 'contacts'>;
}

export interface FieldworkServices {
  fieldwork: FieldworkService;
}

export function fieldworkModule(platform: Platform, deps: FieldworkDeps): DomainModule<FieldworkServices> {
  const service = new FieldworkService(platform.db, platform.media, deps.people);
  const maxBytes = Math.round(platform.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);
  return {
    name: 'fieldwork',
    services: { fieldwork: service },
    routes: fieldworkRoutes(service, deps.incidentTypes, maxBytes),
  };
}
