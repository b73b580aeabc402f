// The checks that decide whether a draft may be published, all done by PostGIS:
// Turf's validity and overlap tests are not reliable enough for this.
import type { DbClient } from '../platform/db/pool.js';

export interface InvalidRow {
  code: string;
  reason: string;
  location: unknown;
  geometry: unknown;
}
export interface OverlapRow {
  a: string;
  b: string;
  area_m2: number;
  geometry: unknown;
}
export interface PieceRow {
  area_m2: number;
  geometry: unknown;
  grids: string[];
}

export class PlanValidationRepository {
  constructor(private readonly db: DbClient) {}

  async invalidPolygons(planId: number): Promise<InvalidRow[]> {
    const { rows } = await this.db.query<InvalidRow>(
      `SELECT p.code, d.reason, ST_AsGeoJSON(d.location, 7)::json AS location, ST_AsGeoJSON(p.geom, 7)::json AS geometry
       FROM plan_grids p, LATERAL ST_IsValidDetail(p.geom) d
       WHERE p.plan_id = $1 AND NOT d.valid ORDER BY p.code`,
      [planId],
    );
    return rows;
  }

  /** Pairs of grids whose interiors intersect (a shared edge is not an overlap). */
  async overlaps(planId: number, skip: string[]): Promise<OverlapRow[]> {
    const { rows } = await this.db.query<OverlapRow>(
      `SELECT a.code AS a, b.code AS b, ST_Area(x.g::geography) AS area_m2, ST_AsGeoJSON(x.g, 7)::json AS geometry
       FROM plan_grids a
       JOIN plan_grids b ON b.plan_id = a.plan_id AND a.code < b.code AND a.geom && b.geom
       CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS g) x
       WHERE a.plan_id = $1 AND NOT a.code = ANY($2::text[]) AND NOT b.code = ANY($2::text[])
         AND ST_Relate(a.geom, b.geom, '2********')
       ORDER BY a.code, b.code`,
      [planId, skip],
    );
    return rows;
  }

  /**
   * Parts of the scope no grid covers (gaps) and grid area outside the scope. A gap
   * names the grids along its edge, a spill the grids it is part of. One union serves both.
   */
  async gapsAndSpill(
    planId: number,
    scopeAreaId: number,
    skip: string[],
  ): Promise<{ gaps: PieceRow[]; outside: PieceRow[] }> {
    const { rows } = await this.db.query<PieceRow & { kind: 'gap' | 'outside' }>(
      `WITH u AS (SELECT ST_UnaryUnion(ST_Collect(geom)) AS g FROM plan_grids WHERE plan_id = $1 AND NOT code = ANY($3::text[])),
            s AS (SELECT geom AS g FROM areas WHERE id = $2),
            pieces AS (
              SELECT 'gap' AS kind, (ST_Dump(ST_CollectionExtract(ST_Difference(s.g, COALESCE(u.g, 'SRID=4326;POLYGON EMPTY'::geometry)), 3))).geom AS g FROM u, s
              UNION ALL
              SELECT 'outside', (ST_Dump(ST_CollectionExtract(ST_Difference(u.g, s.g), 3))).geom FROM u, s WHERE u.g IS NOT NULL)
       SELECT kind, ST_Area(g::geography) AS area_m2, ST_AsGeoJSON(g, 7)::json AS geometry,
              ARRAY(SELECT p.code FROM plan_grids p WHERE p.plan_id = $1 AND p.geom && pieces.g
                      AND ST_Relate(p.geom, pieces.g, CASE pieces.kind WHEN 'gap' THEN '****1****' ELSE '2********' END) AND NOT p.code = ANY($3::text[]) ORDER BY p.code LIMIT 20) AS grids
       FROM pieces ORDER BY area_m2 DESC`,
      [planId, scopeAreaId, skip],
    );
    return { gaps: rows.filter((r) => r.kind === 'gap'), outside: rows.filter((r) => r.kind === 'outside') };
  }

  /** Codes in the draft that a published grid outside the plan's towns already uses. */
  async codeConflicts(planId: number, townIds: number[]): Promise<{ code: string; town_id: number }[]> {
    const { rows } = await this.db.query<{ code: string; town_id: number }>(
      `SELECT p.code, v.town_id FROM plan_grids p
       JOIN grid_versions v ON v.code = p.code AND v.valid_to IS NULL AND NOT v.town_id = ANY($2::bigint[])
       WHERE p.plan_id = $1 ORDER BY p.code`,
      [planId, townIds],
    );
    return rows;
  }

  /** Grids whose village is not one of the plan's towns' villages. */
  async villagesOutsideScope(planId: number, townIds: number[]): Promise<string[]> {
    const { rows } = await this.db.query<{ code: string }>(
      `SELECT p.code FROM plan_grids p JOIN areas v ON v.id = p.village_id
       WHERE p.plan_id = $1 AND NOT v.town_id = ANY($2::bigint[]) ORDER BY p.code`,
      [planId, townIds],
    );
    return rows.map((r) => r.code);
  }
}
