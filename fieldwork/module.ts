// The fieldwork domain: a gridworker's patrol log and household visits (走访), recorded
// from the phone app, read by the command room.
import type { Request } from 'express';
import type { DomainModule, Platform } from '../platform/module.js';
import type { PhoneRef } from './fieldwork.repository.js';
import { FieldworkService } from './fieldwork.service.js';
import { fieldworkRoutes } from './fieldwork.routes.js';

export interface FieldworkDeps {
  phoneOf: (req: Request) => Promise<PhoneRef>;
  /** The incidents' taxonomy, which the phone's report form picks from. */
  incidentTypes: () => Promise<unknown>;
}

export function fieldworkModule(platform: Platform, deps: FieldworkDeps): DomainModule<FieldworkService> {
  const service = new FieldworkService(platform.db, platform.media);
  const maxBytes = Math.round(platform.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);
  return {
    name: 'fieldwork',
    services: service,
    routes: fieldworkRoutes(service, deps.phoneOf, deps.incidentTypes, maxBytes),
  };
}
