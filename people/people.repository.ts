import type { DbClient } from '../platform/db/pool.js';

export const PERSON_ROLES = [
  'grid_head',
  'fulltime_gridworker',
  'grid_instructor',
  'info_assistant',
  'grid_police',
  'parttime_gridworker',
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export const DUTY_STATUSES = ['off_duty', 'on_duty', 'busy'] as const;
export type DutyStatus = (typeof DUTY_STATUSES)[number];

export interface Device {
  id: number;
  identifier: string;
  name: string;
  disabled: boolean;
}

export interface Person {
  id: number;
  name: string;
  phone: string;
  roles: PersonRole[];
  villageId: number;
  villageCode: string;
  townId: number;
  dutyStatus: DutyStatus;
  dutyChangedAt: Date;
  accountId: number | null;
  gridIds: number[];
  gridCodes: string[];
  devices: Device[];
}

interface PersonRow {
  id: number;
  name: string;
  phone: string;
  roles: PersonRole[];
  village_id: number;
  village_code: string;
  town_id: number;
  duty_status: DutyStatus;
  duty_changed_at: Date;
  account_id: number | null;
  grid_ids: number[];
  grid_codes: string[];
  devices: Device[];
}

const SELECT = `
  SELECT p.id, p.name, p.phone, p.roles::text[] AS roles, p.village_id, v.code AS village_code, p.town_id,
         p.duty_status, p.duty_changed_at, p.account_id,
         COALESCE((SELECT array_agg(pg.grid_id ORDER BY gv.code) FROM person_grids pg
                   LEFT JOIN grid_versions gv ON gv.grid_id = pg.grid_id AND gv.valid_to IS NULL WHERE pg.person_id = p.id), '{}') AS grid_ids,
         COALESCE((SELECT array_agg(gv.code ORDER BY gv.code) FROM person_grids pg
                   JOIN grid_versions gv ON gv.grid_id = pg.grid_id AND gv.valid_to IS NULL WHERE pg.person_id = p.id), '{}') AS grid_codes,
         COALESCE((SELECT json_agg(json_build_object('id', d.id, 'identifier', d.identifier, 'name', d.name, 'disabled', d.disabled) ORDER BY d.id)
                   FROM devices d WHERE d.person_id = p.id), '[]') AS devices
  FROM people p JOIN areas v ON v.id = p.village_id`;

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  roles: r.roles,
  villageId: r.village_id,
  villageCode: r.village_code,
  townId: r.town_id,
  dutyStatus: r.duty_status,
  dutyChangedAt: r.duty_changed_at,
  accountId: r.account_id,
  gridIds: r.grid_ids,
  gridCodes: r.grid_codes,
  devices: r.devices,
});

export interface NewPerson {
  name: string;
  phone: string;
  roles: PersonRole[];
  villageId: number;
  gridIds: number[];
  accountId: number | null;
  dutyStatus: DutyStatus;
}

export interface PeopleFilter {
  townIds: number[] | null;
  role?: PersonRole;
  duty?: DutyStatus;
  gridId?: number;
}

/** How to name and reach a person (messages, lists of other domains). */
export interface PersonContact {
  id: number;
  name: string;
  phone: string;
}

export class PeopleRepository {
  constructor(private readonly db: DbClient) {}

  /** Name and phone of the people with these ids (those that exist). */
  async contacts(ids: number[]): Promise<PersonContact[]> {
    const { rows } = await this.db.query<PersonContact>(
      'SELECT id, name, phone FROM people WHERE id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    return rows;
  }

  /** The grid heads (网格长) of a grid, with their phones. */
  async gridHeads(gridId: number): Promise<PersonContact[]> {
    const { rows } = await this.db.query<PersonContact>(
      `SELECT p.id, p.name, p.phone FROM people p JOIN person_grids pg ON pg.person_id = p.id
        WHERE pg.grid_id = $1 AND 'grid_head' = ANY (p.roles::text[]) ORDER BY p.id`,
      [gridId],
    );
    return rows;
  }

  async find(id: number): Promise<Person | null> {
    const { rows } = await this.db.query<PersonRow>(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ? toPerson(rows[0]) : null;
  }

  /** Which person an account is, by id only (the incidents' hot path asks it). */
  async idOfAccount(accountId: number): Promise<number | null> {
    const { rows } = await this.db.query<{ id: number }>(`SELECT id FROM people WHERE account_id = $1`, [accountId]);
    return rows[0]?.id ?? null;
  }

  async findByAccount(accountId: number): Promise<Person | null> {
    const { rows } = await this.db.query<PersonRow>(`${SELECT} WHERE p.account_id = $1`, [accountId]);
    return rows[0] ? toPerson(rows[0]) : null;
  }

  async list(filter: PeopleFilter): Promise<Person[]> {
    const { rows } = await this.db.query<PersonRow>(
      `${SELECT}
       WHERE ($1::bigint[] IS NULL OR p.town_id = ANY($1))
         AND ($2::person_role IS NULL OR $2 = ANY(p.roles))
         AND ($3::duty_status IS NULL OR p.duty_status = $3)
         AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM person_grids g WHERE g.person_id = p.id AND g.grid_id = $4))
       ORDER BY p.id`,
      [filter.townIds, filter.role ?? null, filter.duty ?? null, filter.gridId ?? null],
    );
    return rows.map(toPerson);
  }

  async insertMany(people: NewPerson[]): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS i(ord int, name text, phone text, roles text[], village_id bigint, account_id bigint, duty_status text)),
       made AS (
         INSERT INTO people (name, phone, roles, village_id, town_id, account_id, duty_status)
         SELECT i.name, i.phone, i.roles::person_role[], i.village_id, v.town_id, i.account_id, i.duty_status::duty_status
         FROM input i JOIN areas v ON v.id = i.village_id ORDER BY i.ord
         RETURNING id)
       SELECT id FROM made ORDER BY id`,
      [
        JSON.stringify(
          people.map((p, ord) => ({
            ord,
            name: p.name,
            phone: p.phone,
            roles: p.roles,
            village_id: p.villageId,
            account_id: p.accountId,
            duty_status: p.dutyStatus,
          })),
        ),
      ],
    );
    const ids = rows.map((r) => r.id);
    await this.db.query(
      `INSERT INTO person_grids (person_id, grid_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])`,
      [people.flatMap((p, i) => p.gridIds.map(() => ids[i])), people.flatMap((p) => p.gridIds)],
    );
    return ids;
  }

  async update(
    id: number,
    change: { name?: string; phone?: string; roles?: PersonRole[]; villageId?: number },
  ): Promise<void> {
    await this.db.query(
      `UPDATE people SET name = COALESCE($2, name), phone = COALESCE($3, phone), roles = COALESCE($4::person_role[], roles),
              village_id = COALESCE($5, village_id),
              town_id = COALESCE((SELECT town_id FROM areas WHERE id = $5), town_id)
       WHERE id = $1`,
      [id, change.name ?? null, change.phone ?? null, change.roles ?? null, change.villageId ?? null],
    );
  }

  async setGrids(id: number, gridIds: number[]): Promise<void> {
    await this.db.query('DELETE FROM person_grids WHERE person_id = $1', [id]);
    await this.db.query('INSERT INTO person_grids (person_id, grid_id) SELECT $1, unnest($2::bigint[])', [id, gridIds]);
  }

  async setDuty(id: number, status: DutyStatus): Promise<void> {
    await this.db.query(
      'UPDATE people SET duty_status = $2, duty_changed_at = now() WHERE id = $1 AND duty_status <> $2',
      [id, status],
    );
  }

  /** Busy with a task (忙碌): only someone on duty becomes busy. True if they did. */
  async markBusy(id: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE people SET duty_status = 'busy', duty_changed_at = now() WHERE id = $1 AND duty_status = 'on_duty'`,
      [id],
    );
    return rowCount === 1;
  }

  /** Back on duty after a task: only someone busy (not off duty meanwhile). True if they were. */
  async markNoLongerBusy(id: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE people SET duty_status = 'on_duty', duty_changed_at = now() WHERE id = $1 AND duty_status = 'busy'`,
      [id],
    );
    return rowCount === 1;
  }

  /** Current grid ids for codes, within towns; missing codes are absent from the map. */
  async gridIdsByCode(codes: string[], townIds: number[]): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ code: string; grid_id: number }>(
      `SELECT code, grid_id FROM grid_versions WHERE valid_to IS NULL AND code = ANY($1::text[]) AND town_id = ANY($2::bigint[])`,
      [codes, townIds],
    );
    return new Map(rows.map((r) => [r.code, r.grid_id]));
  }

  async insertDevices(
    devices: { personId: number; identifier: string; name: string; tokenHash: Buffer }[],
  ): Promise<Device[]> {
    const { rows } = await this.db.query<Device>(
      `INSERT INTO devices (person_id, identifier, name, token_hash)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])
       RETURNING id, identifier, name, disabled`,
      [
        devices.map((d) => d.personId),
        devices.map((d) => d.identifier),
        devices.map((d) => d.name),
        devices.map((d) => d.tokenHash),
      ],
    );
    return rows;
  }

  async existingIdentifiers(identifiers: string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ identifier: string }>(
      'SELECT identifier FROM devices WHERE identifier = ANY($1::text[])',
      [identifiers],
    );
    return rows.map((r) => r.identifier);
  }

  async disableDevice(id: number): Promise<{ personId: number; townId: number } | null> {
    const { rows } = await this.db.query<{ person_id: number; town_id: number }>(
      `UPDATE devices d SET disabled = true FROM people p WHERE d.id = $1 AND p.id = d.person_id RETURNING d.person_id, p.town_id`,
      [id],
    );
    return rows[0] ? { personId: rows[0].person_id, townId: rows[0].town_id } : null;
  }

  async deviceOwner(id: number): Promise<{ personId: number; townId: number } | null> {
    const { rows } = await this.db.query<{ person_id: number; town_id: number }>(
      'SELECT d.person_id, p.town_id FROM devices d JOIN people p ON p.id = d.person_id WHERE d.id = $1',
      [id],
    );
    return rows[0] ? { personId: rows[0].person_id, townId: rows[0].town_id } : null;
  }
}
