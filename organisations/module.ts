// The organisations domain: the four platforms and their departments, villages, the
// county; handing cases to them (交办/上报/下派), their deadlines, yellow cards and league.
// Built from the platform and the incidents domain's public services.
import type { DomainModule, Platform, Running } from '../platform/module.js';
import type { IncidentServices } from '../incidents/module.js';
import { moduleLogger } from '../platform/logger.js';
import { HandoffsService } from './handoffs.service.js';
import { ConsultationsService } from './consultations.service.js';
import { OrganisationsService } from './organisations.service.js';
import { CountyService } from './county.service.js';
import { organisationRoutes } from './organisations.routes.js';

const log = moduleLogger('organisations');
/** How often the leader gives the departments' yellow cards and reminders. */
const SWEEP_MS = 30_000;

export interface OrganisationServices {
  organisations: OrganisationsService;
  handoffs: HandoffsService;
  consultations: ConsultationsService;
  county: CountyService;
}

export function organisationsModule(
  p: Platform,
  incidents: Pick<IncidentServices, 'incidents' | 'taxonomy' | 'stats'>,
): DomainModule<{ organisations: OrganisationServices }> {
  const organisations = new OrganisationsService(p.db);
  const handoffs = new HandoffsService(p.db, organisations, incidents.incidents, incidents.taxonomy, p.live);
  const consultations = new ConsultationsService(p.db, organisations, incidents.incidents, p.live);
  const county = new CountyService(p.db, incidents.stats);
  return {
    name: 'organisations',
    services: { organisations: { organisations, handoffs, consultations, county } },
    routes: organisationRoutes(
      organisations,
      handoffs,
      consultations,
      county,
      Math.round(p.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024),
    ),
    liveTopics: ['handoffs'],
    async work(leading: () => Promise<boolean>): Promise<Running> {
      const timer = setInterval(() => {
        void leading()
          .then((lead) => (lead ? handoffs.sweep() : undefined))
          .catch((err: unknown) => log.warn({ err }, 'handoff sweep failed'));
      }, SWEEP_MS);
      return {
        stop: async () => clearInterval(timer),
      };
    },
  };
}
