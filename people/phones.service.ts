// Phones as the command room administers them (tokens issued, shown once, revoked; who
// reported when; app version) and as the gridworker's app sees itself (who am I, duty).
import type { Db } from '../platform/db/pool.js';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { Forbidden, NotFound } from '../platform/errors.js';
import { PeopleRepository, type DutyStatus, type Person } from './people.repository.js';
import { PhonesRepository, type PhoneRow } from './phones.repository.js';
import { newDeviceToken } from './device-tokens.js';
import type { PeopleService } from './people.service.js';

export class PhonesService {
  constructor(
    private readonly db: Db,
    private readonly people: PeopleService,
  ) {}

  list(auth: AuthContext): Promise<PhoneRow[]> {
    return new PhonesRepository(this.db).list(auth.townFilter);
  }

  /** A new token for a phone (lost, or to be set up again): shown in this answer only. */
  async reissue(auth: AuthContext, id: number): Promise<{ deviceId: number; token: string }> {
    const repo = new PhonesRepository(this.db);
    const owner = await repo.owner(id);
    if (!owner || !auth.canAccessTown(owner.townId)) throw new NotFound(`Device ${id}`);
    const { token, hash } = newDeviceToken();
    await repo.replaceToken(id, hash);
    await this.people.announce([owner.personId]);
    return { deviceId: id, token };
  }

  /** A gridworker logged in with their account gets a token for the phone they hold. */
  async enrol(auth: AuthContext, name: string): Promise<{ deviceId: number; token: string; person: Person }> {
    const person = await new PeopleRepository(this.db).findByAccount(auth.me.id);
    if (!person) throw new Forbidden('Your account has no gridworker record: ask the command room for a phone QR code');
    // The account is scoped to the gridworker's town, which addDevices checks.
    const [made] = await this.people.addDevices(auth, person.id, [{ name: name || '平安通' }]);
    return { deviceId: made!.device.id, token: made!.token, person };
  }

  async me(device: { deviceId: number; personId: number }, appVersion: string | null): Promise<Person> {
    await new PhonesRepository(this.db).sawApp(device.deviceId, appVersion, new Date());
    const person = await new PeopleRepository(this.db).find(device.personId);
    if (!person) throw new NotFound('The person of this phone');
    return person;
  }

  async setDuty(device: { personId: number }, status: DutyStatus): Promise<{ dutyStatus: DutyStatus }> {
    await new PeopleRepository(this.db).setDuty(device.personId, status);
    await this.people.announce([device.personId]);
    return { dutyStatus: status };
  }
}
