import type { DbClient } from '../platform/db/pool.js';
import type { AreaGeometry } from './geojson.js';
import type { GridKind } from './grids.repository.js';

export type PlanStatus = 'draft' | 'published' | 'discarded';

export interface Plan {
  id: number;
  scopeAreaId: number;
  title: string;
  status: PlanStatus;
  basedOn: Date;
  createdBy: number | null;
  createdAt: Date;
  updatedAt: Date;
  validatedAt: Date | null;
  publishedAt: Date | null;
  gridCount: number;
}

interface PlanRow {
  id: number;
  scope_area_id: number;
  title: string;
  status: PlanStatus;
  based_on: Date;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
  validated_at: Date | null;
  published_at: Date | null;
  grid_count: number;
}

const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  scopeAreaId: r.scope_area_id,
  title: r.title,
  status: r.status,
  basedOn: r.based_on,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  validatedAt: r.validated_at,
  publishedAt: r.published_at,
  gridCount: r.grid_count,
});

const PLAN_COLUMNS = `p.id, p.scope_area_id, p.title, p.status, p.based_on, p.created_by, p.created_at, p.updated_at,
  p.validated_at, p.published_at, (SELECT count(*)::int FROM plan_grids g WHERE g.plan_id = p.id) AS grid_count`;

/** A grid as a draft holds it; geometry as GeoJSON in WGS-84. */
export interface PlanGridInput {
  code: string;
  name: string;
  kind: GridKind;
  villageId: number;
  geometry: AreaGeometry;
  /** The published grid this continues; when absent, matched by code. */
  gridId?: number | null;
  /** The other attributes of an imported file, under their own names. */
  attributes?: Record<string, unknown>;
}

export interface PlanGrid {
  code: string;
  name: string;
  kind: GridKind;
  villageId: number;
  gridId: number | null;
}

export interface GeometryProblem {
  code: string;
  reason: string;
  location: unknown;
}

export class PlansRepository {
  constructor(private readonly db: DbClient) {}

  async insert(scopeAreaId: number, title: string, createdBy: number): Promise<Plan> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO grid_plans (scope_area_id, title, created_by, based_on) VALUES ($1, $2, $3, clock_timestamp()) RETURNING id`,
      [scopeAreaId, title, createdBy],
    );
    return (await this.find(rows[0]!.id, false))!;
  }

  async find(id: number, forUpdate: boolean): Promise<Plan | null> {
    // FOR UPDATE serialises edits and publishes of one plan.
    const lock = forUpdate ? 'FOR UPDATE OF p' : '';
    const { rows } = await this.db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM grid_plans p WHERE p.id = $1 ${lock}`, [
      id,
    ]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async list(scopeAreaIds: number[] | null, status: PlanStatus | null): Promise<Plan[]> {
    const { rows } = await this.db.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM grid_plans p
       WHERE ($1::bigint[] IS NULL OR p.scope_area_id = ANY($1)) AND ($2::plan_status IS NULL OR p.status = $2)
       ORDER BY p.id DESC LIMIT 200`,
      [scopeAreaIds, status],
    );
    return rows.map(toPlan);
  }

  async touch(id: number): Promise<void> {
    await this.db.query(
      'UPDATE grid_plans SET updated_at = now(), validated_at = NULL, validation = NULL WHERE id = $1',
      [id],
    );
  }

  async setStatus(id: number, status: PlanStatus, by: number | null, at: Date | null): Promise<void> {
    await this.db.query('UPDATE grid_plans SET status = $2, published_by = $3, published_at = $4 WHERE id = $1', [
      id,
      status,
      by,
      at,
    ]);
  }

  async saveValidation(id: number, report: unknown): Promise<void> {
    await this.db.query('UPDATE grid_plans SET validated_at = now(), validation = $2 WHERE id = $1', [
      id,
      JSON.stringify(report),
    ]);
  }

  /** Copies the grids now published in the towns into the draft. */
  async copyCurrentGrids(planId: number, townIds: number[]): Promise<number> {
    const { rowCount } = await this.db.query(
      `INSERT INTO plan_grids (plan_id, grid_id, code, name, kind, village_id, geom, attributes)
       SELECT $1, grid_id, code, name, kind, village_id, geom, attributes FROM grid_versions
       WHERE valid_to IS NULL AND town_id = ANY($2::bigint[])`,
      [planId, townIds],
    );
    return rowCount ?? 0;
  }

  /** PostGIS's reasons for the polygons it finds invalid, and where. */
  async invalidInputs(inputs: PlanGridInput[]): Promise<GeometryProblem[]> {
    const { rows } = await this.db.query<GeometryProblem>(
      `SELECT i.code, d.reason, ST_AsGeoJSON(d.location, 7)::json AS location
       FROM jsonb_to_recordset($1::jsonb) AS i(code text, geometry jsonb),
            LATERAL ST_IsValidDetail(ST_GeomFromGeoJSON(i.geometry)) d
       WHERE NOT d.valid`,
      [JSON.stringify(inputs.map((g) => ({ code: g.code, geometry: g.geometry })))],
    );
    return rows;
  }

  /** Fresh statistics after a bulk import, so the validation's joins are planned for its size. */
  async analyze(): Promise<void> {
    await this.db.query('ANALYZE plan_grids');
  }

  async deleteAllGrids(planId: number): Promise<void> {
    await this.db.query('DELETE FROM plan_grids WHERE plan_id = $1', [planId]);
  }

  /**
   * Adds grids to a draft. A code that a published grid in the towns has now keeps
   * that grid's identity, so an import of an edited export changes, not replaces.
   */
  async insertGrids(planId: number, matchTownIds: number[], grids: PlanGridInput[]): Promise<number> {
    const { rowCount } = await this.db.query(
      `INSERT INTO plan_grids (plan_id, grid_id, code, name, kind, village_id, geom, attributes)
       SELECT $1, COALESCE(i.grid_id, c.grid_id), i.code, i.name, i.kind, i.village_id,
              ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(i.geometry), 4326)), COALESCE(i.attributes, '{}')
       FROM jsonb_to_recordset($2::jsonb) AS i(code text, name text, kind text, village_id bigint, grid_id bigint, geometry jsonb, attributes jsonb)
       LEFT JOIN grid_versions c ON c.code = i.code AND c.valid_to IS NULL AND c.town_id = ANY($3::bigint[])`,
      [
        planId,
        JSON.stringify(grids.map((g) => ({ ...g, village_id: g.villageId, grid_id: g.gridId ?? null }))),
        matchTownIds,
      ],
    );
    return rowCount ?? 0;
  }

  async findGrid(planId: number, code: string): Promise<PlanGrid | null> {
    const { rows } = await this.db.query<{
      code: string;
      name: string;
      kind: GridKind;
      village_id: number;
      grid_id: number | null;
    }>('SELECT code, name, kind, village_id, grid_id FROM plan_grids WHERE plan_id = $1 AND code = $2', [planId, code]);
    const r = rows[0];
    return r ? { code: r.code, name: r.name, kind: r.kind, villageId: r.village_id, gridId: r.grid_id } : null;
  }

  async updateGrid(planId: number, code: string, change: Partial<PlanGridInput>): Promise<void> {
    await this.db.query(
      `UPDATE plan_grids SET
         code = COALESCE($3, code), name = COALESCE($4, name), kind = COALESCE($5, kind),
         village_id = COALESCE($6, village_id),
         geom = COALESCE(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($7::text), 4326)), geom)
       WHERE plan_id = $1 AND code = $2`,
      [
        planId,
        code,
        change.code ?? null,
        change.name ?? null,
        change.kind ?? null,
        change.villageId ?? null,
        change.geometry ? JSON.stringify(change.geometry) : null,
      ],
    );
  }

  async deleteGrids(planId: number, codes: string[]): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM plan_grids WHERE plan_id = $1 AND code = ANY($2::text[])', [
      planId,
      codes,
    ]);
    return rowCount ?? 0;
  }

  /** Cuts a grid along a line; returns the pieces' polygons, largest first. */
  async splitGeometry(planId: number, code: string, line: unknown): Promise<AreaGeometry[]> {
    const { rows } = await this.db.query<{ g: AreaGeometry }>(
      `SELECT ST_AsGeoJSON(d.geom)::json AS g
       FROM plan_grids p, LATERAL ST_Dump(ST_Split(ST_MakeValid(p.geom), ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326))) d
       WHERE p.plan_id = $1 AND p.code = $2 AND GeometryType(d.geom) = 'POLYGON'
       ORDER BY ST_Area(d.geom) DESC`,
      [planId, code, JSON.stringify(line)],
    );
    return rows.map((r) => r.g);
  }

  /** The union of grids; parts > 1 when they do not touch. */
  async unionGeometry(planId: number, codes: string[]): Promise<{ geometry: AreaGeometry; parts: number }> {
    const { rows } = await this.db.query<{ g: AreaGeometry; parts: number }>(
      `SELECT ST_AsGeoJSON(u)::json AS g, ST_NumGeometries(u) AS parts
       FROM (SELECT ST_Multi(ST_Union(geom)) AS u FROM plan_grids WHERE plan_id = $1 AND code = ANY($2::text[])) x`,
      [planId, codes],
    );
    return { geometry: rows[0]!.g, parts: rows[0]!.parts };
  }

  /** The draft as GeoJSON features. */
  async gridFeatures(planId: number): Promise<unknown[]> {
    const { rows } = await this.db.query<{ f: unknown }>(
      `SELECT json_build_object('type', 'Feature', 'id', p.code,
                'properties', json_build_object('code', p.code, 'name', p.name, 'kind', p.kind, 'village_code', a.code,
                                                'grid_id', p.grid_id, 'valid', ST_IsValid(p.geom), 'attributes', p.attributes),
                'geometry', ST_AsGeoJSON(p.geom, 7)::json) AS f
       FROM plan_grids p JOIN areas a ON a.id = p.village_id WHERE p.plan_id = $1 ORDER BY p.code`,
      [planId],
    );
    return rows.map((r) => r.f);
  }

  /** How the draft differs from the grids published now in its towns. */
  async diff(
    planId: number,
    townIds: number[],
  ): Promise<{ added: string[]; changed: string[]; removed: string[]; unchanged: number }> {
    const { rows } = await this.db.query<{ added: string[]; changed: string[]; removed: string[]; unchanged: number }>(
      `WITH cur AS (SELECT * FROM grid_versions WHERE valid_to IS NULL AND town_id = ANY($2::bigint[])),
            p AS (SELECT * FROM plan_grids WHERE plan_id = $1),
            pairs AS (
              SELECT p.code AS pcode, cur.code AS ccode,
                     (p.code = cur.code AND p.name = cur.name AND p.kind = cur.kind AND p.village_id = cur.village_id
                      AND p.attributes = cur.attributes AND ST_OrderingEquals(p.geom, cur.geom)) AS same
              FROM p FULL JOIN cur ON p.grid_id = cur.grid_id)
       SELECT COALESCE(array_agg(pcode ORDER BY pcode) FILTER (WHERE ccode IS NULL), '{}') AS added,
              COALESCE(array_agg(pcode ORDER BY pcode) FILTER (WHERE ccode IS NOT NULL AND pcode IS NOT NULL AND NOT same), '{}') AS changed,
              COALESCE(array_agg(ccode ORDER BY ccode) FILTER (WHERE pcode IS NULL), '{}') AS removed,
              count(*) FILTER (WHERE same)::int AS unchanged
       FROM pairs`,
      [planId, townIds],
    );
    return rows[0]!;
  }
}
