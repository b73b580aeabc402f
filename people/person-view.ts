// What a caller may see of a person: phone numbers only for the command room, device
// identifiers only for those who set phones up (a known identifier can move its
// gridworker on the dispatch map). The person themself sees everything of their own.
import type { AuthContext } from '../platform/auth/auth-context.js';
import { CONTACT_ROLES, DEVICE_ROLES } from '../platform/auth/roles.js';
import type { Device, Person } from './people.repository.js';

export type DeviceView = Omit<Device, 'identifier'> & { identifier: string | null };
export type PersonView = Omit<Person, 'phone' | 'devices'> & { phone: string | null; devices: DeviceView[] };

export function personView(auth: AuthContext, person: Person): PersonView {
  const self = auth.isAuthenticated && person.accountId !== null && person.accountId === auth.me.id;
  const phone = self || auth.hasRole(...CONTACT_ROLES) ? person.phone : null;
  const identifiers = self || auth.hasRole(...DEVICE_ROLES);
  return { ...person, phone, devices: person.devices.map((d) => (identifiers ? d : { ...d, identifier: null })) };
}
