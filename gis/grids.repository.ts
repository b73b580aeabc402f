import type { DbClient } from '../platform/db/pool.js';
import type { AreaGeometry } from './geojson.js';

export type GridKind = 'residential' | 'dedicated';

/** A grid as it was during [validFrom, validTo). */
export interface GridVersion {
  versionId: number;
  gridId: number;
  version: number;
  code: string;
  name: string;
  kind: GridKind;
  villageId: number;
  townId: number;
  areaM2: number;
  validFrom: Date;
  validTo: Date | null;
}

export interface GridVersionWithGeometry extends GridVersion {
  geometry: AreaGeometry;
}

interface GridVersionRow {
  version_id: number;
  grid_id: number;
  version: number;
  code: string;
  name: string;
  kind: GridKind;
  village_id: number;
  town_id: number;
  area_m2: number;
  valid_from: Date;
  valid_to: Date | null;
  geometry?: AreaGeometry;
}

const COLUMNS = `v.id AS version_id, v.grid_id, v.version, v.code, v.name, v.kind, v.village_id, v.town_id,
                 v.area_m2, v.valid_from, v.valid_to`;

function toVersion(r: GridVersionRow): GridVersion {
  return {
    versionId: r.version_id,
    gridId: r.grid_id,
    version: r.version,
    code: r.code,
    name: r.name,
    kind: r.kind,
    villageId: r.village_id,
    townId: r.town_id,
    areaM2: r.area_m2,
    validFrom: r.valid_from,
    validTo: r.valid_to,
  };
}

export class GridsRepository {
  constructor(private readonly db: DbClient) {}

  /** The map revision: the last publication's id, 0 before any. */
  async revision(): Promise<number> {
    const { rows } = await this.db.query<{ r: number }>('SELECT COALESCE(max(id), 0)::int AS r FROM grid_publications');
    return rows[0]?.r ?? 0;
  }

  /** Every version ever published, with geometry: what the in-process index is built from. */
  async allVersionsWithGeometry(): Promise<GridVersionWithGeometry[]> {
    const { rows } = await this.db.query<GridVersionRow & { geometry: AreaGeometry }>(
      `SELECT ${COLUMNS}, ST_AsGeoJSON(v.geom)::json AS geometry FROM grid_versions v ORDER BY v.id`,
    );
    return rows.map((r) => ({ ...toVersion(r), geometry: r.geometry }));
  }

  /**
   * Which grid covered each point at time `at`, decided by PostGIS. On a shared edge
   * several grids cover the point; the lowest code wins, the same rule as the index.
   */
  async findAt(points: ReadonlyArray<readonly [number, number]>, at: Date): Promise<(GridVersion | null)[]> {
    const { rows } = await this.db.query<GridVersionRow & { i: number }>(
      `SELECT p.i::int AS i, ${COLUMNS}
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
       JOIN LATERAL (
         SELECT * FROM grid_versions g
         WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
           AND g.valid_from <= $3 AND (g.valid_to IS NULL OR g.valid_to > $3)
         ORDER BY g.code LIMIT 1) v ON true`,
      [points.map((p) => p[0]), points.map((p) => p[1]), at],
    );
    const out: (GridVersion | null)[] = points.map(() => null);
    for (const r of rows) out[r.i - 1] = toVersion(r);
    return out;
  }

  async findCurrentByCode(code: string): Promise<GridVersionWithGeometry | null> {
    const { rows } = await this.db.query<GridVersionRow & { geometry: AreaGeometry }>(
      `SELECT ${COLUMNS}, ST_AsGeoJSON(v.geom, 7)::json AS geometry FROM grid_versions v WHERE v.code = $1 AND v.valid_to IS NULL`,
      [code],
    );
    return rows[0] ? { ...toVersion(rows[0]), geometry: rows[0].geometry } : null;
  }

  /** The grid's name: its current version's, or its last one's when it was retired. */
  async nameOf(gridId: number): Promise<string | null> {
    const { rows } = await this.db.query<{ name: string }>(
      'SELECT name FROM grid_versions WHERE grid_id = $1 ORDER BY valid_to IS NULL DESC, version DESC LIMIT 1',
      [gridId],
    );
    return rows[0]?.name ?? null;
  }

  async history(gridId: number): Promise<GridVersion[]> {
    const { rows } = await this.db.query<GridVersionRow>(
      `SELECT ${COLUMNS} FROM grid_versions v WHERE v.grid_id = $1 ORDER BY v.version`,
      [gridId],
    );
    return rows.map(toVersion);
  }

  async listCurrent(townIds: number[] | null): Promise<GridVersion[]> {
    const { rows } = await this.db.query<GridVersionRow>(
      `SELECT ${COLUMNS} FROM grid_versions v WHERE v.valid_to IS NULL AND ($1::bigint[] IS NULL OR v.town_id = ANY($1)) ORDER BY v.code`,
      [townIds],
    );
    return rows.map(toVersion);
  }

  /** A town's grids valid at `at` as GeoJSON features, built by PostGIS. */
  async townGridFeatures(townId: number, at: Date | null): Promise<unknown[]> {
    const { rows } = await this.db.query<{ f: unknown }>(
      `SELECT json_build_object('type', 'Feature', 'id', v.code,
                'properties', json_build_object('layer', 'grid', 'code', v.code, 'name', v.name, 'kind', v.kind,
                   'village_code', a.code, 'grid_id', v.grid_id, 'version', v.version, 'version_id', v.id,
                   'area_m2', round(v.area_m2::numeric, 1), 'valid_from', v.valid_from, 'valid_to', v.valid_to),
                'geometry', ST_AsGeoJSON(v.geom, 7)::json) AS f
       FROM grid_versions v JOIN areas a ON a.id = v.village_id
       WHERE v.town_id = $1
         AND ($2::timestamptz IS NULL AND v.valid_to IS NULL
              OR $2 IS NOT NULL AND v.valid_from <= $2 AND (v.valid_to IS NULL OR v.valid_to > $2))
       ORDER BY v.code`,
      [townId, at],
    );
    return rows.map((r) => r.f);
  }
}
