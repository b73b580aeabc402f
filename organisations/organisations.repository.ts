// SQL of organisations and their members.
import type { DbClient } from '../platform/db/pool.js';
import type { Duty, Member, Organisation, OrgKind, Platform } from './model.js';

const ORG_COLUMNS = `o.id, o.code, o.name, o.kind, o.town_id AS "townId", o.area_id AS "areaId", a.code AS "areaCode",
  o.parent_id AS "parentId", o.platform, o.categories, o.accept_minutes::float8 AS "acceptMinutes",
  o.finish_minutes::float8 AS "finishMinutes", o.phone, o.active,
  (SELECT count(*)::int FROM org_members m WHERE m.org_id = o.id) AS members`;

export interface NewOrganisation {
  code: string;
  name: string;
  kind: OrgKind;
  townId: number | null;
  areaId: number;
  parentId: number | null;
  platform: Platform | null;
  categories: string[];
  acceptMinutes: number | null;
  finishMinutes: number | null;
  phone: string | null;
}

export type OrganisationChange = Partial<
  Pick<NewOrganisation, 'name' | 'parentId' | 'platform' | 'categories' | 'acceptMinutes' | 'finishMinutes' | 'phone'>
> & { active?: boolean };

export class OrganisationsRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * Organisations of these towns, and the county ones whose area holds one of them;
   * `townIds` null: every one.
   */
  async list(townIds: number[] | null, filter: { kind?: OrgKind; townId?: number } = {}): Promise<Organisation[]> {
    const { rows } = await this.db.query<Organisation>(
      `SELECT ${ORG_COLUMNS} FROM organisations o JOIN areas a ON a.id = o.area_id
       WHERE ($1::bigint[] IS NULL OR o.town_id = ANY($1)
              OR (o.town_id IS NULL AND EXISTS (SELECT 1 FROM areas t WHERE t.parent_id = o.area_id AND t.id = ANY($1))))
         AND ($2::org_kind IS NULL OR o.kind = $2)
         AND ($3::bigint IS NULL OR o.town_id = $3
              OR (o.town_id IS NULL AND EXISTS (SELECT 1 FROM areas t WHERE t.parent_id = o.area_id AND t.id = $3)))
       ORDER BY o.town_id NULLS FIRST, o.kind, o.platform NULLS FIRST, o.id`,
      [townIds, filter.kind ?? null, filter.townId ?? null],
    );
    return rows;
  }

  async get(id: number): Promise<Organisation | null> {
    const { rows } = await this.db.query<Organisation>(
      `SELECT ${ORG_COLUMNS} FROM organisations o JOIN areas a ON a.id = o.area_id WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async byCode(code: string): Promise<Organisation | null> {
    const { rows } = await this.db.query<{ id: number }>(`SELECT id FROM organisations WHERE code = $1`, [code]);
    return rows[0] ? this.get(rows[0].id) : null;
  }

  /** The towns an organisation answers for: its own, or every town under a county's area. */
  async townsOf(orgId: number): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT t.id FROM organisations o JOIN areas t ON (o.town_id IS NOT NULL AND t.id = o.town_id)
          OR (o.town_id IS NULL AND t.parent_id = o.area_id AND t.level = 'town')
       WHERE o.id = $1 ORDER BY t.id`,
      [orgId],
    );
    return rows.map((r) => r.id);
  }

  async insert(o: NewOrganisation): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO organisations (code, name, kind, town_id, area_id, parent_id, platform, categories, accept_minutes, finish_minutes, phone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, 2880), COALESCE($10, 10080), $11) RETURNING id`,
      [
        o.code,
        o.name,
        o.kind,
        o.townId,
        o.areaId,
        o.parentId,
        o.platform,
        o.categories,
        o.acceptMinutes,
        o.finishMinutes,
        o.phone,
      ],
    );
    return rows[0]!.id;
  }

  async update(id: number, c: OrganisationChange): Promise<void> {
    await this.db.query(
      `UPDATE organisations SET
         name = COALESCE($2, name),
         parent_id = CASE WHEN $3::boolean THEN $4 ELSE parent_id END,
         platform = CASE WHEN $5::boolean THEN $6::platform ELSE platform END,
         categories = COALESCE($7, categories),
         accept_minutes = COALESCE($8, accept_minutes),
         finish_minutes = COALESCE($9, finish_minutes),
         phone = CASE WHEN $10::boolean THEN $11 ELSE phone END,
         active = COALESCE($12, active)
       WHERE id = $1`,
      [
        id,
        c.name ?? null,
        c.parentId !== undefined,
        c.parentId ?? null,
        c.platform !== undefined,
        c.platform ?? null,
        c.categories ?? null,
        c.acceptMinutes ?? null,
        c.finishMinutes ?? null,
        c.phone !== undefined,
        c.phone ?? null,
        c.active ?? null,
      ],
    );
  }

  async members(orgId: number): Promise<Member[]> {
    const { rows } = await this.db.query<Member>(
      `SELECT m.org_id AS "orgId", m.account_id AS "accountId", a.username, a.display_name AS "displayName", m.duty
       FROM org_members m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = $1 ORDER BY m.duty DESC, a.username`,
      [orgId],
    );
    return rows;
  }

  /** Members whose account may log in (not disabled): who a message to the organisation reaches. */
  async enabledMembers(orgId: number): Promise<{ accountId: number; displayName: string }[]> {
    const { rows } = await this.db.query<{ accountId: number; displayName: string }>(
      `SELECT m.account_id AS "accountId", a.display_name AS "displayName"
       FROM org_members m JOIN accounts a ON a.id = m.account_id
       WHERE m.org_id = $1 AND NOT a.disabled ORDER BY m.account_id`,
      [orgId],
    );
    return rows;
  }

  async setMember(orgId: number, accountId: number, duty: Duty): Promise<void> {
    await this.db.query(
      `INSERT INTO org_members (org_id, account_id, duty) VALUES ($1, $2, $3)
       ON CONFLICT (org_id, account_id) DO UPDATE SET duty = EXCLUDED.duty`,
      [orgId, accountId, duty],
    );
  }

  async removeMember(orgId: number, accountId: number): Promise<boolean> {
    const { rowCount } = await this.db.query(`DELETE FROM org_members WHERE org_id = $1 AND account_id = $2`, [
      orgId,
      accountId,
    ]);
    return rowCount === 1;
  }

  /** The organisations an account works in, with its duty there. */
  async membershipsOf(accountId: number): Promise<(Organisation & { duty: Duty })[]> {
    const { rows } = await this.db.query<Organisation & { duty: Duty }>(
      `SELECT ${ORG_COLUMNS}, m.duty FROM org_members m JOIN organisations o ON o.id = m.org_id
         JOIN areas a ON a.id = o.area_id
       WHERE m.account_id = $1 AND o.active ORDER BY o.id`,
      [accountId],
    );
    return rows;
  }

  async accountTowns(accountId: number): Promise<{ allTowns: boolean; townIds: number[] } | null> {
    const { rows } = await this.db.query<{ allTowns: boolean; townIds: number[] }>(
      `SELECT a.all_towns AS "allTowns", COALESCE(array_agg(t.town_id) FILTER (WHERE t.town_id IS NOT NULL), '{}') AS "townIds"
       FROM accounts a LEFT JOIN account_towns t ON t.account_id = a.id WHERE a.id = $1 GROUP BY a.id`,
      [accountId],
    );
    const r = rows[0];
    return r ? { allTowns: r.allTowns, townIds: r.townIds.map(Number) } : null;
  }

  async area(
    code: string,
  ): Promise<{ id: number; level: string; townId: number | null; parentId: number | null } | null> {
    const { rows } = await this.db.query<{ id: number; level: string; townId: number | null; parentId: number | null }>(
      `SELECT id, level, town_id AS "townId", parent_id AS "parentId" FROM areas WHERE code = $1`,
      [code],
    );
    return rows[0] ?? null;
  }

  /** Suggested holders for a platform and category: the usual lead for the category first. */
  async suggest(townId: number, platform: Platform, category: string): Promise<Organisation[]> {
    const { rows } = await this.db.query<Organisation>(
      `SELECT ${ORG_COLUMNS} FROM organisations o JOIN areas a ON a.id = o.area_id
       WHERE o.town_id = $1 AND o.active AND o.kind = 'department' AND o.platform = $2
       ORDER BY ($3 = ANY(o.categories)) DESC, o.id`,
      [townId, platform, category],
    );
    return rows;
  }
}
