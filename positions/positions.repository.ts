import type { DbClient } from '../server/db/pool.js';
import type { FixSource } from './fix.js';

/** A fix that passed every check, tied to its person and grid version. */
export interface AcceptedFix {
  deviceId: number;
  personId: number;
  townId: number;
  time: Date;
  lon: number;
  lat: number;
  speedMps: number | null;
  heading: number | null;
  altitude: number | null;
  accuracy: number | null;
  battery: number | null;
  gridId: number | null;
  gridVersionId: number | null;
  source: FixSource;
  attributes: Record<string, unknown> | null;
}

export interface GridEvent {
  id: number;
  kind: 'enter' | 'exit';
  personId: number;
  deviceId: number;
  gridId: number;
  gridVersionId: number;
  at: string;
  lon: number;
  lat: number;
}

export interface BatchResult {
  /** Indexes of the fixes that were new (the others were already stored). */
  inserted: number[];
  /** Indexes of the fixes that became their person's current position. */
  moved: number[];
  events: GridEvent[];
}

// One statement stores the fixes, moves current positions forward (never back: a late
// fix only joins the history) and derives grid enter / exit events from the fixes in
// time order, starting from each person's previous grid.
const INSERT_BATCH = `
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::float8[], $6::float8[],
                       $7::real[], $8::real[], $9::real[], $10::real[], $11::real[], $12::bigint[], $13::bigint[],
                       $14::text[], $15::jsonb[], $16::int[])
    AS i(device_id, person_id, town_id, fix_time, lon, lat, speed_mps, heading, altitude, accuracy, battery,
         grid_id, grid_version_id, source, attributes, ord)),
ins AS (
  INSERT INTO positions (device_id, person_id, fix_time, lon, lat, speed_mps, heading, altitude, accuracy, battery,
                         grid_id, grid_version_id, source, attributes)
  SELECT device_id, person_id, fix_time, lon, lat, speed_mps, heading, altitude, accuracy, battery,
         grid_id, grid_version_id, source, attributes FROM input
  ON CONFLICT DO NOTHING
  RETURNING device_id, fix_time),
fresh AS (SELECT i.* FROM input i JOIN ins USING (device_id, fix_time)),
old AS (
  SELECT c.person_id, c.grid_id, c.grid_version_id, c.fix_time FROM current_positions c
  WHERE c.person_id IN (SELECT person_id FROM fresh) ORDER BY c.person_id FOR UPDATE),
newer AS (
  SELECT f.*, o.grid_id AS old_grid, o.grid_version_id AS old_version
  FROM fresh f LEFT JOIN old o USING (person_id)
  WHERE o.fix_time IS NULL OR f.fix_time > o.fix_time),
seq AS (
  SELECT n.*,
         CASE WHEN row_number() OVER w = 1 THEN n.old_grid ELSE lag(n.grid_id) OVER w END AS prev_grid,
         CASE WHEN row_number() OVER w = 1 THEN n.old_version ELSE lag(n.grid_version_id) OVER w END AS prev_version,
         row_number() OVER w AS rn, count(*) OVER (PARTITION BY n.person_id) AS cnt
  FROM newer n WINDOW w AS (PARTITION BY n.person_id ORDER BY n.fix_time)),
latest AS (SELECT * FROM seq WHERE rn = cnt),
up AS (
  INSERT INTO current_positions (person_id, device_id, town_id, fix_time, lon, lat, geog, speed_mps, heading, accuracy,
                                 battery, grid_id, grid_version_id, updated_at)
  SELECT person_id, device_id, town_id, fix_time, lon, lat, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography,
         speed_mps, heading, accuracy, battery, grid_id, grid_version_id, now() FROM latest
  ON CONFLICT (person_id) DO UPDATE SET device_id = EXCLUDED.device_id, town_id = EXCLUDED.town_id,
    fix_time = EXCLUDED.fix_time, lon = EXCLUDED.lon, lat = EXCLUDED.lat, geog = EXCLUDED.geog,
    speed_mps = EXCLUDED.speed_mps, heading = EXCLUDED.heading, accuracy = EXCLUDED.accuracy,
    battery = EXCLUDED.battery, grid_id = EXCLUDED.grid_id, grid_version_id = EXCLUDED.grid_version_id, updated_at = now()
  WHERE current_positions.fix_time < EXCLUDED.fix_time
  RETURNING person_id),
events AS (
  INSERT INTO grid_events (person_id, device_id, kind, grid_id, grid_version_id, at, lon, lat)
  SELECT person_id, device_id, 'exit', prev_grid, prev_version, fix_time, lon, lat
    FROM seq WHERE prev_grid IS NOT NULL AND prev_grid IS DISTINCT FROM grid_id
  UNION ALL
  SELECT person_id, device_id, 'enter', grid_id, grid_version_id, fix_time, lon, lat
    FROM seq WHERE grid_id IS NOT NULL AND prev_grid IS DISTINCT FROM grid_id
  RETURNING id, kind, person_id, device_id, grid_id, grid_version_id, at, lon, lat)
SELECT (SELECT COALESCE(array_agg(ord), '{}') FROM fresh) AS inserted,
       (SELECT COALESCE(array_agg(ord), '{}') FROM latest WHERE person_id IN (SELECT person_id FROM up)) AS moved,
       (SELECT COALESCE(json_agg(json_build_object('id', id, 'kind', kind, 'personId', person_id, 'deviceId', device_id,
                 'gridId', grid_id, 'gridVersionId', grid_version_id, 'at', at, 'lon', lon, 'lat', lat) ORDER BY at, kind DESC), '[]')
        FROM events) AS events`;

export class PositionsRepository {
  constructor(private readonly db: DbClient) {}

  /** Stores fixes (already free of duplicates within the batch) in one statement. */
  async insertBatch(fixes: AcceptedFix[]): Promise<BatchResult> {
    const col = <T>(fn: (f: AcceptedFix) => T) => fixes.map(fn);
    // Named, so each connection parses and plans this large statement once.
    const { rows } = await this.db.query<{ inserted: number[]; moved: number[]; events: GridEvent[] }>({ name: 'positions-insert-batch', text: INSERT_BATCH, values: [
      col((f) => f.deviceId),
      col((f) => f.personId),
      col((f) => f.townId),
      col((f) => f.time),
      col((f) => f.lon),
      col((f) => f.lat),
      col((f) => f.speedMps),
      col((f) => f.heading),
      col((f) => f.altitude),
      col((f) => f.accuracy),
      col((f) => f.battery),
      col((f) => f.gridId),
      col((f) => f.gridVersionId),
      col((f) => f.source),
      col((f) => (f.attributes ? JSON.stringify(f.attributes) : null)),
      fixes.map((_, i) => i),
    ] });
    const row = rows[0]!;
    return { inserted: row.inserted, moved: row.moved, events: row.events };
  }

  async ensurePartitions(from: string, to: string): Promise<void> {
    await this.db.query('SELECT ensure_position_partitions($1::date, $2::date)', [from, to]);
  }

  /** Drops day partitions entirely older than the cutoff day; returns their names. */
  async dropPartitionsBefore(day: string): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'positions'::regclass AND c.relname ~ '^positions_\\d{8}$'
         AND to_date(substr(c.relname, 11), 'YYYYMMDD') < $1::date`,
      [day],
    );
    for (const r of rows) await this.db.query(`DROP TABLE ${r.name}`);
    return rows.map((r) => r.name);
  }

  /** Each person's newest fix and the device that sent it, to check the next one against. */
  async lastFixes(): Promise<{ device_id: number; fix_time: Date; lat: number; lon: number; accuracy: number | null }[]> {
    const { rows } = await this.db.query<{ device_id: number; fix_time: Date; lat: number; lon: number; accuracy: number | null }>(
      'SELECT device_id, fix_time, lat, lon, accuracy FROM current_positions',
    );
    return rows;
  }
}
