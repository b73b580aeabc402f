// People: gridworkers and their phones (devices and device tokens), their grids and duty
// status. Public face: PeopleService (other domains listen to its changes and report
// duty changes through it), the device-token hash, and a person's record by id.
import type { DomainModule, Platform } from '../platform/module.js';
import { PeopleService } from './people.service.js';
import { peopleRoutes } from './people.routes.js';
import { PhonesService } from './phones.service.js';
import { phonesRoutes } from './phones.routes.js';

export { assertOwnPerson, type PeopleService } from './people.service.js';
export { hashDeviceToken } from './device-tokens.js';
export { PeopleRepository, type PersonContact } from './people.repository.js';

export interface PeopleServices {
  people: PeopleService;
  /** Phones as things to administer, and as the gridworker app sees itself. */
  phones: PhonesService;
}

export function peopleModule(p: Platform): DomainModule<PeopleServices> {
  const people = new PeopleService(p.db);
  const phones = new PhonesService(p.db, people);
  return { name: 'people', services: { people, phones }, routes: [...peopleRoutes(people), ...phonesRoutes(phones)] };
}
