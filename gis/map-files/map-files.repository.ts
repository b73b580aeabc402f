// The SQL of map-file import and export: the scope's villages (to match a file's village
// column by code or name, or a grid to the village it lies in), and grids as features.
import type { DbClient } from '../../platform/db/pool.js';
import type { AreaGeometry } from '../geojson.js';

export interface VillageRef {
  code: string;
  name: string;
}

export interface ExportGrid {
  code: string;
  name: string;
  kind: string;
  village_code: string;
  village_name: string;
  attributes: Record<string, unknown>;
  geometry: AreaGeometry;
}

export class MapFilesRepository {
  constructor(private readonly db: DbClient) {}

  async villages(townIds: number[]): Promise<VillageRef[]> {
    const { rows } = await this.db.query<VillageRef>(
      `SELECT code, name FROM areas WHERE level = 'village' AND town_id = ANY($1::bigint[]) ORDER BY code`,
      [townIds],
    );
    return rows;
  }

  /** For each geometry, the village of the towns holding a point inside it (null when none). */
  async villagesAt(geometries: AreaGeometry[], townIds: number[]): Promise<(string | null)[]> {
    const { rows } = await this.db.query<{ i: number; code: string | null }>(
      `SELECT g.i::int AS i,
              (SELECT a.code FROM areas a WHERE a.level = 'village' AND a.town_id = ANY($2::bigint[])
                 AND ST_Covers(a.geom, ST_PointOnSurface(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(g.geometry), 4326))))
               ORDER BY a.code LIMIT 1) AS code
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS g(geometry, i) ORDER BY g.i`,
      [JSON.stringify(geometries), townIds],
    );
    return rows.map((r) => r.code);
  }

  async publishedGrids(townId: number): Promise<ExportGrid[]> {
    const { rows } = await this.db.query<ExportGrid>(
      `SELECT v.code, v.name, v.kind, a.code AS village_code, a.name AS village_name, v.attributes, ST_AsGeoJSON(v.geom, 8)::json AS geometry
       FROM grid_versions v JOIN areas a ON a.id = v.village_id
       WHERE v.valid_to IS NULL AND v.town_id = $1 ORDER BY v.code`,
      [townId],
    );
    return rows;
  }

  async planGrids(planId: number): Promise<ExportGrid[]> {
    const { rows } = await this.db.query<ExportGrid>(
      `SELECT p.code, p.name, p.kind, a.code AS village_code, a.name AS village_name, p.attributes, ST_AsGeoJSON(p.geom, 8)::json AS geometry
       FROM plan_grids p JOIN areas a ON a.id = p.village_id WHERE p.plan_id = $1 ORDER BY p.code`,
      [planId],
    );
    return rows;
  }
}
