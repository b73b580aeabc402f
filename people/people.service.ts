import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db, type DbClient } from '../platform/db/pool.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../platform/errors.js';
import { AreasRepository } from '../gis/module.js';
import { newDeviceIdentifier, newDeviceToken } from './device-tokens.js';
import { personView, type PersonView } from './person-view.js';
import {
  PeopleRepository,
  type Device,
  type DutyStatus,
  type NewPerson,
  type Person,
  type PersonContact,
  type PersonRole,
} from './people.repository.js';

export interface PersonInput {
  name: string;
  phone: string;
  roles: PersonRole[];
  villageCode: string;
  gridCodes: string[];
  dutyStatus?: DutyStatus;
  accountId?: number | null;
}

export interface DeviceInput {
  /** The phone's own; made up (random) when not given. */
  identifier?: string;
  name?: string;
}

/** Something that must hear when people or their devices change (caches, live rosters). */
export type DeviceChangeListener = (personIds: number[]) => Promise<void> | void;

export class PeopleService {
  private readonly listeners: DeviceChangeListener[] = [];

  constructor(private readonly db: Db) {}

  onChange(listener: DeviceChangeListener): void {
    this.listeners.push(listener);
  }

  async list(
    auth: AuthContext,
    filter: { townCode?: string; role?: PersonRole; duty?: DutyStatus; gridCode?: string },
  ): Promise<PersonView[]> {
    let townIds = auth.townFilter;
    if (filter.townCode) {
      const town = await new AreasRepository(this.db).findByCode(filter.townCode);
      if (!town || town.level !== 'town') throw new NotFound(`Town ${filter.townCode}`);
      auth.assertTown(town.id);
      townIds = [town.id];
    }
    let gridId: number | undefined;
    if (filter.gridCode) {
      gridId = (
        await new PeopleRepository(this.db).gridIdsByCode([filter.gridCode], townIds ?? (await this.allTownIds()))
      ).get(filter.gridCode);
      if (gridId === undefined) throw new NotFound(`Grid ${filter.gridCode}`);
    }
    return (await new PeopleRepository(this.db).list({ townIds, role: filter.role, duty: filter.duty, gridId })).map(
      (p) => personView(auth, p),
    );
  }

  /** One person as this caller may see them; `ownerOnly`: a gridworker asking for their own record. */
  async get(auth: AuthContext, id: number, { ownerOnly = false } = {}): Promise<PersonView> {
    const person = await this.find(auth, id);
    if (ownerOnly) assertOwnPerson(auth, person);
    return personView(auth, person);
  }

  private async find(auth: AuthContext, id: number): Promise<Person> {
    const person = await new PeopleRepository(this.db).find(id);
    if (!person || !auth.canAccessTown(person.townId)) throw new NotFound(`Person ${id}`);
    return person;
  }

  async create(auth: AuthContext, inputs: PersonInput[]): Promise<PersonView[]> {
    return inTransaction(this.db, async (tx) => {
      const rows = await this.resolve(tx, auth, inputs);
      const ids = await new PeopleRepository(tx).insertMany(rows);
      const repo = new PeopleRepository(tx);
      const people: Person[] = [];
      for (const id of ids) people.push((await repo.find(id))!);
      return people;
    }).then(async (people) => {
      await this.changed(people.map((p) => p.id));
      return people.map((p) => personView(auth, p));
    });
  }

  async update(auth: AuthContext, id: number, change: Partial<PersonInput>): Promise<PersonView> {
    await inTransaction(this.db, async (tx) => {
      const repo = new PeopleRepository(tx);
      const person = await repo.find(id);
      if (!person || !auth.canAccessTown(person.townId)) throw new NotFound(`Person ${id}`);
      let villageId: number | undefined;
      if (change.villageCode) villageId = (await this.village(tx, auth, change.villageCode)).id;
      await repo.update(id, { name: change.name, phone: change.phone, roles: change.roles, villageId });
      if (change.gridCodes) await repo.setGrids(id, await this.gridIds(tx, change.gridCodes, person.townId));
    });
    await this.changed([id]);
    return this.get(auth, id);
  }

  /** Admins and dispatchers set anyone's duty; a gridworker (`ownerOnly`) sets their own. */
  async setDuty(auth: AuthContext, id: number, status: DutyStatus, ownerOnly: boolean): Promise<PersonView> {
    const person = await this.find(auth, id);
    if (ownerOnly) assertOwnPerson(auth, person);
    await new PeopleRepository(this.db).setDuty(id, status);
    await this.changed([id]);
    return this.get(auth, id);
  }

  async me(auth: AuthContext): Promise<Person> {
    const person = await new PeopleRepository(this.db).findByAccount(auth.me.id);
    if (!person) throw new NotFound('A person record for your account');
    return person;
  }

  /** Registers phones; each token is returned here once and never again. */
  async addDevices(
    auth: AuthContext,
    personId: number,
    inputs: DeviceInput[],
  ): Promise<{ device: Device; token: string }[]> {
    const result = await inTransaction(this.db, async (tx) => {
      const repo = new PeopleRepository(tx);
      const person = await repo.find(personId);
      if (!person || !auth.canAccessTown(person.townId)) throw new NotFound(`Person ${personId}`);
      const identifiers = inputs.map((d) => d.identifier ?? newDeviceIdentifier());
      const taken = await repo.existingIdentifiers(identifiers);
      if (taken.length)
        throw new Conflict(`Device identifier already registered: ${taken.join(', ')}`, { identifiers: taken });
      const tokens = inputs.map(() => newDeviceToken());
      const devices = await repo.insertDevices(
        inputs.map((d, i) => ({
          personId,
          identifier: identifiers[i]!,
          name: d.name ?? '',
          tokenHash: tokens[i]!.hash,
        })),
      );
      return devices.map((device, i) => ({ device, token: tokens[i]!.token }));
    });
    await this.changed([personId]);
    return result;
  }

  async disableDevice(auth: AuthContext, deviceId: number): Promise<void> {
    const repo = new PeopleRepository(this.db);
    const owner = await repo.deviceOwner(deviceId);
    if (!owner || !auth.canAccessTown(owner.townId)) throw new NotFound(`Device ${deviceId}`);
    await repo.disableDevice(deviceId);
    await this.changed([owner.personId]);
  }

  /**
   * Name and phone of these people, by id, for other domains (messages, field work
   * lists): those domains have already decided who may see what, so no town check here.
   */
  async contacts(ids: number[]): Promise<Map<number, PersonContact>> {
    if (ids.length === 0) return new Map();
    const found = await new PeopleRepository(this.db).contacts([...new Set(ids)]);
    return new Map(found.map((c) => [c.id, c]));
  }

  /** The grid heads (网格长) of a grid, with their phones (the notifications' recipients). */
  gridHeads(gridId: number): Promise<PersonContact[]> {
    return new PeopleRepository(this.db).gridHeads(gridId);
  }

  /** Tells the listeners (device cache, live roster) that other modules changed these people (a task made them busy). */
  async announce(personIds: number[]): Promise<void> {
    if (personIds.length > 0) await this.changed(personIds);
  }

  private async changed(personIds: number[]): Promise<void> {
    await Promise.all(this.listeners.map((l) => l(personIds)));
  }

  private async allTownIds(): Promise<number[]> {
    return (await new AreasRepository(this.db).list({ level: 'town' })).map((t) => t.id);
  }

  private async village(db: DbClient, auth: AuthContext, code: string) {
    const village = await new AreasRepository(db).findByCode(code);
    if (!village || village.level !== 'village') throw new BadRequest(`No village ${code}`, { field: 'villageCode' });
    auth.assertTown(village.townId!);
    return village;
  }

  private async gridIds(db: DbClient, codes: string[], townId: number): Promise<number[]> {
    const found = await new PeopleRepository(db).gridIdsByCode(codes, [townId]);
    const missing = codes.filter((c) => !found.has(c));
    if (missing.length)
      throw new BadRequest(`No grid ${missing.join(', ')} in this person's town`, { field: 'gridCodes', missing });
    return codes.map((c) => found.get(c)!);
  }

  private async resolve(db: DbClient, auth: AuthContext, inputs: PersonInput[]): Promise<NewPerson[]> {
    const villages = new Map<string, { id: number; townId: number }>();
    const out: NewPerson[] = [];
    for (const [i, input] of inputs.entries()) {
      let village = villages.get(input.villageCode);
      if (!village) {
        const v = await this.village(db, auth, input.villageCode).catch((err: unknown) => {
          throw err instanceof BadRequest ? new BadRequest(`people[${i}]: ${err.message}`, err.details) : err;
        });
        village = { id: v.id, townId: v.townId! };
        villages.set(input.villageCode, village);
      }
      out.push({
        name: input.name,
        phone: input.phone,
        roles: input.roles,
        villageId: village.id,
        gridIds: await this.gridIds(db, input.gridCodes, village.townId),
        accountId: input.accountId ?? null,
        dutyStatus: input.dutyStatus ?? 'off_duty',
      });
    }
    return out;
  }
}

/** A gridworker let in only for their own record (their duty, their trace). */
export function assertOwnPerson(auth: AuthContext, person: { accountId: number | null }): void {
  if (person.accountId === null || person.accountId !== auth.me.id)
    throw new Forbidden('Only the person themself, or a dispatcher, may do this');
}
