// The fieldwork domain: a gridworker's patrol log and household visits (走访), recorded
// from the phone app, read by the command room.
import type { DomainModule, Platform } from '../platform/module.js';
import { FieldworkService } from './fieldwork.service.js';
import { fieldworkRoutes } from './fieldwork.routes.js';

export interface FieldworkDeps {
  /** The incidents' taxonomy, which the phone's report form picks from. */
  incidentTypes: () => Promise<unknown>;
}

export interface FieldworkServices {
  fieldwork: FieldworkService;
}

export function fieldworkModule(platform: Platform, deps: FieldworkDeps): DomainModule<FieldworkServices> {
  const service = new FieldworkService(platform.db, platform.media);
  const maxBytes = Math.round(platform.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);
  return {
    name: 'fieldwork',
    services: { fieldwork: service },
    routes: fieldworkRoutes(service, deps.incidentTypes, maxBytes),
  };
}
