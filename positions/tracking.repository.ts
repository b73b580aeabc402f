// Reads of where people were: traces, grid events, patrol coverage, refused fixes.
// (Who is where now is answered from memory: live-roster.ts.)
import type { DbClient } from '../platform/db/pool.js';
import { FLAG_BITS } from './fix.js';

// Outliers (a jump the next fixes did not confirm) are stored but drawn and counted nowhere.
const NOT_OUTLIER = `flags & ${FLAG_BITS.outlier} = 0`;

export class TrackingRepository {
  constructor(private readonly db: DbClient) {}

  /** The path as GeoJSON (outliers left out, and counted); simplified (tolerance in metres) when asked. */
  async trace(
    personId: number,
    from: Date,
    to: Date,
    toleranceM: number,
  ): Promise<{
    geometry: unknown;
    points: number;
    outliers: number;
    lengthM: number;
    first: Date | null;
    last: Date | null;
  }> {
    const { rows } = await this.db.query<{
      geometry: unknown;
      points: number;
      outliers: number;
      length_m: number;
      first: Date | null;
      last: Date | null;
    }>(
      `WITH all_pts AS (
         SELECT fix_time, flags, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS g FROM positions
         WHERE person_id = $1 AND fix_time >= $2 AND fix_time < $3),
       pts AS (SELECT * FROM all_pts WHERE ${NOT_OUTLIER}),
       line AS (SELECT ST_MakeLine(g ORDER BY fix_time) AS l, count(*)::int AS n, min(fix_time) AS first, max(fix_time) AS last FROM pts)
       SELECT n AS points, first, last, (SELECT count(*)::int FROM all_pts WHERE NOT ${NOT_OUTLIER}) AS outliers,
              COALESCE(ST_Length(l::geography), 0) AS length_m,
              ST_AsGeoJSON(CASE WHEN $4::float8 > 0 AND n > 2
                 THEN ST_Transform(ST_Simplify(ST_Transform(l, 3857), $4::float8 / cos(radians(ST_Y(ST_Centroid(l))))), 4326)
                 ELSE l END, 7)::json AS geometry
       FROM line`,
      [personId, from, to, toleranceM],
    );
    const r = rows[0]!;
    return {
      geometry: r.geometry,
      points: r.points,
      outliers: r.outliers,
      lengthM: r.length_m,
      first: r.first,
      last: r.last,
    };
  }

  async gridEvents(filter: { personId?: number; gridId?: number; from: Date; to: Date; limit: number }) {
    const { rows } = await this.db.query(
      `SELECT e.id, e.kind, e.person_id AS "personId", e.grid_id AS "gridId", g.code AS "gridCode", e.grid_version_id AS "gridVersionId",
              e.at, e.lon, e.lat
       FROM grid_events e JOIN grid_versions g ON g.id = e.grid_version_id
       WHERE ($1::bigint IS NULL OR e.person_id = $1) AND ($2::bigint IS NULL OR e.grid_id = $2) AND e.at >= $3 AND e.at < $4
       ORDER BY e.at, e.id LIMIT $5`,
      [filter.personId ?? null, filter.gridId ?? null, filter.from, filter.to, filter.limit],
    );
    return rows;
  }

  /**
   * Patrol coverage of one grid over [from, to): time spent inside it (consecutive
   * fixes in the grid at most `maxGapS` apart), and the share of its streets (or of
   * its area, when it has no streets) within `radiusM` of a trace.
   */
  async coverage(gridId: number, from: Date, to: Date, radiusM: number, maxGapS: number) {
    const { rows } = await this.db.query<{
      grid_geom_area: number;
      streets_m: number;
      covered_streets_m: number;
      covered_area_m2: number;
      people: { personId: number; name: string; seconds: number; fixes: number }[];
    }>(
      `WITH grid AS (SELECT geom FROM grid_versions WHERE grid_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)
                     ORDER BY valid_from DESC LIMIT 1),
       fixes AS (
         SELECT person_id, fix_time, lon, lat, grid_id,
                lag(fix_time) OVER w AS prev_time, lag(grid_id) OVER w AS prev_grid
         FROM positions WHERE fix_time >= $2 AND fix_time < $3 AND ${NOT_OUTLIER}
           AND person_id IN (SELECT DISTINCT person_id FROM positions WHERE grid_id = $1 AND fix_time >= $2 AND fix_time < $3 AND ${NOT_OUTLIER})
         WINDOW w AS (PARTITION BY person_id ORDER BY fix_time)),
       inside AS (
         SELECT person_id, sum(CASE WHEN prev_grid = $1 AND extract(epoch FROM fix_time - prev_time) <= $5
                                    THEN extract(epoch FROM fix_time - prev_time) ELSE 0 END) AS seconds,
                count(*) FILTER (WHERE grid_id = $1) AS fixes
         FROM fixes WHERE grid_id = $1 OR prev_grid = $1 GROUP BY person_id),
       traces AS (
         SELECT ST_Collect(l) AS lines FROM (
           SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint(lon, lat), 4326) ORDER BY fix_time) AS l FROM fixes GROUP BY person_id) t),
       reach AS (SELECT ST_Buffer(lines::geography, $4)::geometry AS g FROM traces WHERE lines IS NOT NULL),
       streets AS (SELECT ST_Intersection(r.geom, grid.geom) AS g FROM roads r, grid WHERE r.geom && grid.geom AND ST_Intersects(r.geom, grid.geom))
       SELECT ST_Area(grid.geom::geography) AS grid_geom_area,
              COALESCE((SELECT sum(ST_Length(g::geography)) FROM streets), 0) AS streets_m,
              COALESCE((SELECT sum(ST_Length(ST_Intersection(s.g, reach.g)::geography)) FROM streets s, reach), 0) AS covered_streets_m,
              COALESCE((SELECT ST_Area(ST_Intersection(grid.geom, reach.g)::geography) FROM reach), 0) AS covered_area_m2,
              COALESCE((SELECT json_agg(json_build_object('personId', i.person_id, 'name', p.name, 'seconds', round(i.seconds)::int, 'fixes', i.fixes)
                                        ORDER BY i.seconds DESC)
                        FROM inside i JOIN people p ON p.id = i.person_id), '[]') AS people
       FROM grid`,
      [gridId, from, to, radiusM, maxGapS],
    );
    return rows[0] ?? null;
  }

  /**
   * Refused, flagged and counted fixes of a day, one row per device and reason, with the
   * device's person and town; `towns` null is every town (and refs of no known device).
   */
  async rejections(day: string, towns: number[] | null, limit: number) {
    const { rows } = await this.db.query<RejectionRow>(
      `SELECT r.device_ref AS "deviceRef", r.reason, r.count::int AS count, r.last_detail AS "lastDetail", r.last_at AS "lastAt",
              r.last_example AS "lastExample", d.id::int AS "deviceId", p.id::int AS "personId", p.name AS "personName", p.town_id::int AS "townId"
       FROM fix_rejections r LEFT JOIN devices d ON d.identifier = r.device_ref LEFT JOIN people p ON p.id = d.person_id
       WHERE r.day = $1::date AND ($2::bigint[] IS NULL OR p.town_id = ANY($2))
       ORDER BY r.count DESC LIMIT $3`,
      [day, towns, limit],
    );
    return rows;
  }
}

export interface RejectionRow {
  deviceRef: string;
  reason: string;
  count: number;
  lastDetail: string | null;
  lastAt: Date;
  lastExample: Record<string, unknown> | null;
  deviceId: number | null;
  personId: number | null;
  personName: string | null;
  townId: number | null;
}
