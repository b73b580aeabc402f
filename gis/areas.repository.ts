import type { DbClient } from '../platform/db/pool.js';
import type { AreaGeometry } from './geojson.js';

export type AreaLevel = 'city' | 'district' | 'town' | 'village';
export const AREA_LEVELS: readonly AreaLevel[] = ['city', 'district', 'town', 'village'];

export interface Area {
  id: number;
  code: string;
  name: string;
  level: AreaLevel;
  parentId: number | null;
  townId: number | null;
  synthetic: boolean;
}

export interface AreaInput {
  code: string;
  name: string;
  level: AreaLevel;
  parentCode: string | null;
  synthetic: boolean;
  geometry: AreaGeometry;
}

interface AreaRow {
  id: number;
  code: string;
  name: string;
  level: AreaLevel;
  parent_id: number | null;
  town_id: number | null;
  synthetic: boolean;
}

const toArea = (r: AreaRow): Area => ({
  id: r.id,
  code: r.code,
  name: r.name,
  level: r.level,
  parentId: r.parent_id,
  townId: r.town_id,
  synthetic: r.synthetic,
});

const AREA_COLUMNS = 'id, code, name, level, parent_id, town_id, synthetic';

export interface InvalidGeometry {
  code: string;
  reason: string;
  location: unknown;
}

export class AreasRepository {
  constructor(private readonly db: DbClient) {}

  async findByCode(code: string): Promise<Area | null> {
    const { rows } = await this.db.query<AreaRow>(`SELECT ${AREA_COLUMNS} FROM areas WHERE code = $1`, [code]);
    return rows[0] ? toArea(rows[0]) : null;
  }

  async findById(id: number): Promise<Area | null> {
    const { rows } = await this.db.query<AreaRow>(`SELECT ${AREA_COLUMNS} FROM areas WHERE id = $1`, [id]);
    return rows[0] ? toArea(rows[0]) : null;
  }

  async findByCodes(codes: string[]): Promise<Area[]> {
    const { rows } = await this.db.query<AreaRow>(`SELECT ${AREA_COLUMNS} FROM areas WHERE code = ANY($1::text[])`, [
      codes,
    ]);
    return rows.map(toArea);
  }

  async list(filter: { level?: AreaLevel; parentId?: number; townIds?: number[] | null }): Promise<Area[]> {
    const { rows } = await this.db.query<AreaRow>(
      `SELECT ${AREA_COLUMNS} FROM areas
       WHERE ($1::area_level IS NULL OR level = $1)
         AND ($2::bigint IS NULL OR parent_id = $2)
         AND ($3::bigint[] IS NULL OR town_id = ANY($3) OR town_id IS NULL)
       ORDER BY level, code`,
      [filter.level ?? null, filter.parentId ?? null, filter.townIds ?? null],
    );
    return rows.map(toArea);
  }

  /** Towns inside an area (the area itself when it is a town). */
  async townsWithin(area: Area): Promise<number[]> {
    if (area.level === 'town') return [area.id];
    if (area.level === 'village') return [area.townId!];
    const { rows } = await this.db.query<{ id: number }>(
      `WITH RECURSIVE sub AS (SELECT id, level FROM areas WHERE id = $1
         UNION ALL SELECT a.id, a.level FROM areas a JOIN sub ON a.parent_id = sub.id)
       SELECT id FROM sub WHERE level = 'town'`,
      [area.id],
    );
    return rows.map((r) => r.id);
  }

  /** Geometries PostGIS finds invalid, with its reason and where. */
  async invalidGeometries(inputs: AreaInput[]): Promise<InvalidGeometry[]> {
    const { rows } = await this.db.query<InvalidGeometry>(
      `SELECT i.code, d.reason, ST_AsGeoJSON(d.location)::json AS location
       FROM jsonb_to_recordset($1::jsonb) AS i(code text, geometry jsonb),
            LATERAL ST_IsValidDetail(ST_GeomFromGeoJSON(i.geometry)) d
       WHERE NOT d.valid`,
      [JSON.stringify(inputs.map((a) => ({ code: a.code, geometry: a.geometry })))],
    );
    return rows;
  }

  /**
   * Inserts or updates areas by code, parents first, so one call can load a
   * city-to-village tree (a trigger derives town_id). Runs inside the caller's transaction.
   */
  async upsert(inputs: AreaInput[]): Promise<number> {
    let count = 0;
    for (const level of AREA_LEVELS) {
      const batch = inputs.filter((a) => a.level === level);
      if (!batch.length) continue;
      const { rowCount } = await this.db.query(
        `INSERT INTO areas (code, name, level, parent_id, geom, synthetic)
         SELECT i.code, i.name, i.level::area_level, p.id, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(i.geometry), 4326)), i.synthetic
         FROM jsonb_to_recordset($1::jsonb) AS i(code text, name text, level text, parent_code text, geometry jsonb, synthetic boolean)
         LEFT JOIN areas p ON p.code = i.parent_code
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
           geom = EXCLUDED.geom, synthetic = EXCLUDED.synthetic`,
        [JSON.stringify(batch.map((a) => ({ ...a, parent_code: a.parentCode })))],
      );
      count += rowCount ?? 0;
    }
    return count;
  }

  async geometryAsGeoJson(id: number): Promise<AreaGeometry | null> {
    const { rows } = await this.db.query<{ g: AreaGeometry }>(
      'SELECT ST_AsGeoJSON(geom, 7)::json AS g FROM areas WHERE id = $1',
      [id],
    );
    return rows[0]?.g ?? null;
  }

  /** The town's areas (itself and its villages) as GeoJSON features, built by PostGIS. */
  async townAreaFeatures(townId: number): Promise<unknown[]> {
    const { rows } = await this.db.query<{ f: unknown }>(
      `SELECT json_build_object('type', 'Feature', 'id', code,
                'properties', json_build_object('layer', level, 'code', code, 'name', name, 'level', level,
                                                'parent_code', (SELECT code FROM areas p WHERE p.id = a.parent_id), 'synthetic', synthetic),
                'geometry', ST_AsGeoJSON(geom, 7)::json) AS f
       FROM areas a WHERE town_id = $1 ORDER BY level, code`,
      [townId],
    );
    return rows.map((r) => r.f);
  }
}
