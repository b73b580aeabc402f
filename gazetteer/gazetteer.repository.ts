// The gazetteer in PostGIS: towns and villages (areas), roads, and the landmarks admins
// import; read whole to build the in-process address index, checked and replaced in
// one transaction on import.
import type { DbClient } from '../platform/db/pool.js';
import type { GazetteerData, GazetteerLandmark, LonLat } from './address-index.js';
import type { LandmarkKind, LandmarkRow, RowProblem } from './landmark-csv.js';

export interface StoredLandmark extends GazetteerLandmark {
  village: string | null;
}

/** A village written in the file may be off by this much and still count as the village. */
const VILLAGE_SLACK_M = 50;

export class GazetteerRepository {
  constructor(private readonly db: DbClient) {}

  /** The last import's id (0 before any): with the map revision, what the index is keyed by. */
  async revision(): Promise<number> {
    const { rows } = await this.db.query<{ id: string | null }>('SELECT max(id) AS id FROM gazetteer_imports');
    return Number(rows[0]?.id ?? 0);
  }

  async load(): Promise<GazetteerData> {
    const [towns, villages, roads, landmarks] = await Promise.all([
      this.db.query<{ id: string; code: string; name: string; lon: number; lat: number; parents: string[] }>(
        `WITH RECURSIVE up AS (
           SELECT t.id AS town, t.parent_id AS next, ARRAY[]::text[] AS names FROM areas t WHERE t.level = 'town'
           UNION ALL
           SELECT up.town, a.parent_id, up.names || a.name FROM up JOIN areas a ON a.id = up.next)
         SELECT t.id, t.code, t.name, ST_X(p) AS lon, ST_Y(p) AS lat,
           (SELECT names FROM up WHERE up.town = t.id AND up.next IS NULL) AS parents
         FROM areas t, LATERAL ST_PointOnSurface(t.geom) p WHERE t.level = 'town'`,
      ),
      this.db.query<{ id: string; townId: string; code: string; name: string; lon: number; lat: number }>(
        `SELECT v.id, v.town_id AS "townId", v.code, v.name, ST_X(p) AS lon, ST_Y(p) AS lat
         FROM areas v, LATERAL ST_PointOnSurface(v.geom) p WHERE v.level = 'village'`,
      ),
      this.db.query<{ townId: string; name: string; lines: LonLat[][] }>(
        `SELECT town_id AS "townId", name, json_agg(ST_AsGeoJSON(geom)::json->'coordinates') AS lines
         FROM roads WHERE town_id IS NOT NULL AND name <> '' GROUP BY town_id, name`,
      ),
      this.db.query<{
        id: string;
        townId: string;
        villageId: string | null;
        name: string;
        kind: string;
        aliases: string[];
        lon: number;
        lat: number;
      }>(
        `SELECT id, town_id AS "townId", village_id AS "villageId", name, kind, aliases, lon, lat FROM gazetteer_landmarks ORDER BY id`,
      ),
    ]);
    return {
      towns: towns.rows.map((t) => ({
        id: Number(t.id),
        code: t.code,
        name: t.name,
        point: [t.lon, t.lat],
        parentNames: t.parents ?? [],
      })),
      villages: villages.rows.map((v) => ({
        id: Number(v.id),
        townId: Number(v.townId),
        code: v.code,
        name: v.name,
        point: [v.lon, v.lat],
      })),
      roads: roads.rows.map((r) => ({ townId: Number(r.townId), name: r.name, lines: r.lines })),
      landmarks: landmarks.rows.map((l) => ({
        ...l,
        id: Number(l.id),
        townId: Number(l.townId),
        villageId: l.villageId === null ? null : Number(l.villageId),
      })),
    };
  }

  /**
   * What PostGIS says is wrong with the rows in this town: a point outside the town, a
   * village that is not one of the town's, a point away from the village written.
   * Answers each row's village id (written, or the one its point lies in).
   */
  async check(townId: number, rows: LandmarkRow[]): Promise<{ problems: RowProblem[]; villageIds: (number | null)[] }> {
    const { rows: found } = await this.db.query<{
      i: number;
      inTown: boolean;
      written: string | null;
      writtenFits: boolean | null;
      at: string | null;
    }>(
      `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(i int, lon float8, lat float8, village text)),
            p AS (SELECT r.*, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS pt FROM r)
       SELECT p.i,
         EXISTS (SELECT 1 FROM areas t WHERE t.id = $1 AND ST_Covers(t.geom, p.pt)) AS "inTown",
         w.id AS written,
         CASE WHEN w.id IS NULL THEN NULL ELSE ST_DWithin(w.geom::geography, p.pt::geography, $3) END AS "writtenFits",
         (SELECT v.id FROM areas v WHERE v.level = 'village' AND v.town_id = $1 AND ST_Covers(v.geom, p.pt) ORDER BY v.code LIMIT 1) AS at
       FROM p LEFT JOIN LATERAL (
         SELECT v.id, v.geom FROM areas v WHERE v.level = 'village' AND v.town_id = $1 AND p.village IS NOT NULL
           AND (v.code = p.village OR v.name = p.village OR regexp_replace(v.name, '(社区|村)$', '') = regexp_replace(p.village, '(社区|村|村委会|居委会)$', ''))
         ORDER BY (v.name = p.village) DESC, v.code LIMIT 1) w ON true
       ORDER BY p.i`,
      [
        townId,
        JSON.stringify(rows.map((r, i) => ({ i, lon: r.lon, lat: r.lat, village: r.village }))),
        VILLAGE_SLACK_M,
      ],
    );
    const problems: RowProblem[] = [];
    const villageIds = found.map((f) => {
      const row = rows[f.i]!;
      if (!f.inTown)
        problems.push({ line: row.line, field: 'lon', problem: `${row.lon}, ${row.lat} lies outside the town` });
      if (row.village !== null && f.written === null)
        problems.push({ line: row.line, field: 'village', problem: `"${row.village}" is not a village of this town` });
      else if (f.writtenFits === false)
        problems.push({
          line: row.line,
          field: 'village',
          problem: `the point lies more than ${VILLAGE_SLACK_M} m outside ${row.village}`,
        });
      const id = f.written ?? f.at;
      return id === null ? null : Number(id);
    });
    return { problems, villageIds };
  }

  /** Writes the import (the caller's transaction): replace drops the town's landmarks first; append replaces same-named ones. */
  async write(
    townId: number,
    rows: LandmarkRow[],
    villageIds: (number | null)[],
    mode: 'replace' | 'append',
    accountId: number | null,
    encoding: string,
  ): Promise<{ importId: number; total: number }> {
    const { rows: imp } = await this.db.query<{ id: string }>(
      `INSERT INTO gazetteer_imports (town_id, account_id, mode, rows, encoding) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [townId, accountId, mode, rows.length, encoding],
    );
    const importId = Number(imp[0]!.id);
    if (mode === 'replace') await this.db.query('DELETE FROM gazetteer_landmarks WHERE town_id = $1', [townId]);
    await this.db.query(
      `INSERT INTO gazetteer_landmarks (town_id, village_id, name, kind, aliases, lon, lat, import_id)
       SELECT $1, r.village_id, r.name, r.kind, ARRAY(SELECT jsonb_array_elements_text(r.aliases)), r.lon, r.lat, $3
       FROM jsonb_to_recordset($2::jsonb) AS r(village_id bigint, name text, kind text, aliases jsonb, lon float8, lat float8)
       ON CONFLICT (town_id, kind, name) DO UPDATE SET village_id = EXCLUDED.village_id, aliases = EXCLUDED.aliases,
         lon = EXCLUDED.lon, lat = EXCLUDED.lat, import_id = EXCLUDED.import_id`,
      [
        townId,
        JSON.stringify(
          rows.map((r, i) => ({
            village_id: villageIds[i],
            name: r.name,
            kind: r.kind,
            aliases: r.aliases,
            lon: r.lon,
            lat: r.lat,
          })),
        ),
        importId,
      ],
    );
    const { rows: count } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM gazetteer_landmarks WHERE town_id = $1',
      [townId],
    );
    return { importId, total: count[0]!.n };
  }

  async list(
    townId: number,
    kind: LandmarkKind | undefined,
    limit: number,
    offset: number,
  ): Promise<{ items: StoredLandmark[]; total: number }> {
    const { rows } = await this.db.query<StoredLandmark & { total: number }>(
      `SELECT l.id::int, l.town_id::int AS "townId", l.village_id::int AS "villageId", v.name AS village, l.name, l.kind, l.aliases, l.lon, l.lat,
         count(*) OVER ()::int AS total
       FROM gazetteer_landmarks l LEFT JOIN areas v ON v.id = l.village_id
       WHERE l.town_id = $1 AND ($2::text IS NULL OR l.kind = $2) ORDER BY l.kind, l.name LIMIT $3 OFFSET $4`,
      [townId, kind ?? null, limit, offset],
    );
    return { items: rows.map(({ total: _t, ...l }) => l), total: rows[0]?.total ?? 0 };
  }
}
