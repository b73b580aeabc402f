import type { DbClient } from '../platform/db/pool.js';
import { FLAG_BITS, OFF_TRACK_BITS, type FixSource } from './fix.js';

/** A readable fix to store, tied to its person and grid version, with what the checks flagged. */
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
  /** FLAG_BITS of what the checks disliked; 0 for a clean fix. */
  flags: number;
  /** The phone's own time when the fix is stored at another (a clock ahead). */
  deviceTime: Date | null;
  /** A stored outlier the next fixes confirmed: written again, unflagged, so it joins the track. */
  confirms?: true;
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
// time order, starting from each person's previous grid. Fixes flagged late or outlier
// (OFF_TRACK_BITS) are stored but take no part in either.
//
// It is prepared once (a generic plan), which estimates every array at 10 rows; so no
// step joins two of these row sets (that would be planned as a nested loop, quadratic
// in the batch). The new fixes come back from the INSERT itself, each person's stored
// position joins them as the first row of a time line, and one window does the rest.
const INSERT_BATCH = `
WITH ins AS (
  INSERT INTO positions (device_id, person_id, fix_time, lon, lat, speed_mps, heading, altitude, accuracy, battery,
                         grid_id, grid_version_id, source, attributes, flags, device_time)
  SELECT device_id, person_id, to_timestamp(fix_ms / 1000), lon, lat, speed_mps, heading, altitude, accuracy, battery,
         grid_id, grid_version_id, source, attributes, flags, to_timestamp(device_ms / 1000)
  FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::real[], $7::real[], $8::real[],
              $9::real[], $10::real[], $11::bigint[], $12::bigint[], $13::text[], $14::jsonb[], $15::smallint[], $16::float8[])
    AS i(device_id, person_id, fix_ms, lon, lat, speed_mps, heading, altitude, accuracy, battery, grid_id, grid_version_id,
         source, attributes, flags, device_ms)
  ON CONFLICT DO NOTHING
  RETURNING device_id, person_id, fix_time, lon, lat, speed_mps, heading, accuracy, battery, grid_id, grid_version_id, flags),
old AS (
  SELECT c.person_id, c.grid_id, c.grid_version_id, c.fix_time FROM current_positions c
  WHERE c.person_id IN (SELECT person_id FROM ins) ORDER BY c.person_id FOR UPDATE),
timeline AS (
  SELECT person_id, NULL::bigint AS device_id, fix_time, NULL::float8 AS lon, NULL::float8 AS lat, NULL::real AS speed_mps,
         NULL::real AS heading, NULL::real AS accuracy, NULL::real AS battery, grid_id, grid_version_id, true AS stored
  FROM old
  UNION ALL
  SELECT person_id, device_id, fix_time, lon, lat, speed_mps, heading, accuracy, battery, grid_id, grid_version_id, false
  FROM ins WHERE flags & ${OFF_TRACK_BITS} = 0),
-- A fix at the stored position's time or before it is late: it sorts before the stored row.
ordered AS (
  SELECT t.*,
         max(fix_time) FILTER (WHERE stored) OVER (PARTITION BY person_id) AS stored_time,
         lag(grid_id) OVER w AS prev_grid, lag(grid_version_id) OVER w AS prev_version,
         lead(fix_time) OVER w IS NULL AS last
  FROM timeline t WINDOW w AS (PARTITION BY person_id ORDER BY fix_time, stored)),
seq AS (SELECT * FROM ordered WHERE NOT stored AND (stored_time IS NULL OR fix_time > stored_time)),
up AS (
  INSERT INTO current_positions (person_id, device_id, town_id, fix_time, lon, lat, geog, speed_mps, heading, accuracy,
                                 battery, grid_id, grid_version_id, updated_at)
  SELECT s.person_id, s.device_id, p.town_id, s.fix_time, s.lon, s.lat, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography,
         s.speed_mps, s.heading, s.accuracy, s.battery, s.grid_id, s.grid_version_id, now()
  FROM seq s JOIN people p ON p.id = s.person_id WHERE s.last
  ON CONFLICT (person_id) DO UPDATE SET device_id = EXCLUDED.device_id, town_id = EXCLUDED.town_id,
    fix_time = EXCLUDED.fix_time, lon = EXCLUDED.lon, lat = EXCLUDED.lat, geog = EXCLUDED.geog,
    speed_mps = EXCLUDED.speed_mps, heading = EXCLUDED.heading, accuracy = EXCLUDED.accuracy,
    battery = EXCLUDED.battery, grid_id = EXCLUDED.grid_id, grid_version_id = EXCLUDED.grid_version_id, updated_at = now()
  WHERE current_positions.fix_time < EXCLUDED.fix_time
  RETURNING device_id, fix_time),
events AS (
  INSERT INTO grid_events (person_id, device_id, kind, grid_id, grid_version_id, at, lon, lat)
  SELECT person_id, device_id, 'exit', prev_grid, prev_version, fix_time, lon, lat
    FROM seq WHERE prev_grid IS NOT NULL AND prev_grid IS DISTINCT FROM grid_id
  UNION ALL
  SELECT person_id, device_id, 'enter', grid_id, grid_version_id, fix_time, lon, lat
    FROM seq WHERE grid_id IS NOT NULL AND prev_grid IS DISTINCT FROM grid_id
  RETURNING id, kind, person_id, device_id, grid_id, grid_version_id, at, lon, lat)
SELECT (SELECT COALESCE(array_agg(device_id), '{}') FROM ins) AS inserted_devices,
       (SELECT COALESCE(array_agg((extract(epoch FROM fix_time) * 1000)::float8), '{}') FROM ins) AS inserted_ms,
       (SELECT COALESCE(array_agg(device_id), '{}') FROM up) AS moved_devices,
       (SELECT COALESCE(array_agg((extract(epoch FROM fix_time) * 1000)::float8), '{}') FROM up) AS moved_ms,
       (SELECT COALESCE(json_agg(json_build_object('id', id, 'kind', kind, 'personId', person_id, 'deviceId', device_id,
                 'gridId', grid_id, 'gridVersionId', grid_version_id, 'at', at, 'lon', lon, 'lat', lat) ORDER BY at, kind DESC), '[]')
        FROM events) AS events`;

/** The new and the moved fixes come back as (device, epoch ms) pairs. */
interface InsertRow {
  inserted_devices: number[];
  inserted_ms: number[];
  moved_devices: number[];
  moved_ms: number[];
  events: GridEvent[];
}

/**
 * A PostgreSQL array literal of numbers, built by hand: the driver's generic array
 * encoding (a Date to a local time string, each element quoted) costs more.
 */
function arrayLiteral(fixes: AcceptedFix[], fn: (f: AcceptedFix) => number | null): string {
  let out = '{';
  for (let i = 0; i < fixes.length; i++) {
    const v = fn(fixes[i]!);
    out += (i ? ',' : '') + (v === null ? 'NULL' : String(v));
  }
  return out + '}';
}

/** Indexes into `fixes` of the returned (device, time) pairs; a batch holds each pair once. */
function indexesOf(fixes: AcceptedFix[], devices: number[], ms: number[], at: Map<string, number>): number[] {
  if (at.size === 0) fixes.forEach((f, i) => at.set(`${f.deviceId}|${f.time.getTime()}`, i));
  const found: number[] = [];
  devices.forEach((device, k) => {
    const i = at.get(`${device}|${ms[k]}`);
    if (i !== undefined) found.push(i);
  });
  return found;
}

export class PositionsRepository {
  constructor(private readonly db: DbClient) {}

  /** Stores fixes (already free of duplicates within the batch) in one statement. */
  async insertBatch(fixes: AcceptedFix[]): Promise<BatchResult> {
    const numbers = (fn: (f: AcceptedFix) => number | null) => arrayLiteral(fixes, fn);
    // Named, so each connection parses and plans this large statement once.
    const { rows } = await this.db.query<InsertRow>({
      name: 'positions-insert-batch',
      text: INSERT_BATCH,
      values: [
        numbers((f) => f.deviceId),
        numbers((f) => f.personId),
        numbers((f) => f.time.getTime()),
        numbers((f) => f.lon),
        numbers((f) => f.lat),
        numbers((f) => f.speedMps),
        numbers((f) => f.heading),
        numbers((f) => f.altitude),
        numbers((f) => f.accuracy),
        numbers((f) => f.battery),
        numbers((f) => f.gridId),
        numbers((f) => f.gridVersionId),
        fixes.map((f) => f.source),
        fixes.map((f) => (f.attributes ? JSON.stringify(f.attributes) : null)),
        numbers((f) => f.flags),
        numbers((f) => f.deviceTime?.getTime() ?? null),
      ],
    });
    const row = rows[0]!;
    const at = new Map<string, number>();
    return {
      inserted: indexesOf(fixes, row.inserted_devices, row.inserted_ms, at).sort((a, b) => a - b),
      moved: indexesOf(fixes, row.moved_devices, row.moved_ms, at),
      events: row.events,
    };
  }

  /**
   * Removes stored outliers that the next fixes confirmed, in the transaction that writes
   * them again unflagged: written anew, they take their place in the track and its events.
   */
  async deleteConfirmedOutliers(fixes: AcceptedFix[]): Promise<void> {
    await this.db.query(
      `DELETE FROM positions p USING unnest($1::bigint[], $2::float8[]) AS c(device_id, fix_ms)
       WHERE p.device_id = c.device_id AND p.fix_time = to_timestamp(c.fix_ms / 1000) AND p.flags & ${FLAG_BITS.outlier} <> 0`,
      [fixes.map((f) => f.deviceId), fixes.map((f) => f.time.getTime())],
    );
  }

  async ensurePartitions(from: string, to: string): Promise<void> {
    // Instances starting together all create tomorrow's partition: CREATE TABLE IF NOT EXISTS
    // is not safe against a concurrent one (42P07), so they take turns for the statement.
    await this.db.query(
      `WITH turn AS (SELECT pg_advisory_xact_lock(hashtext('ensure_position_partitions')))
       SELECT ensure_position_partitions($1::date, $2::date) FROM turn`,
      [from, to],
    );
  }

  /** Drops day partitions entirely older than the cutoff day; returns their names. */
  async dropPartitionsBefore(day: string): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'positions'::regclass AND c.relname ~ '^positions_\\d{8}$'
         AND to_date(substr(c.relname, 11), 'YYYYMMDD') < $1::date`,
      [day],
    );
    for (const r of rows) await this.db.query(`DROP TABLE IF EXISTS ${r.name}`);
    return rows.map((r) => r.name);
  }

  /** Each person's newest fix and the device that sent it, to check the next one against. */
  async lastFixes(): Promise<
    { device_id: number; fix_time: Date; lat: number; lon: number; accuracy: number | null }[]
  > {
    const { rows } = await this.db.query<{
      device_id: number;
      fix_time: Date;
      lat: number;
      lon: number;
      accuracy: number | null;
    }>('SELECT device_id, fix_time, lat, lon, accuracy FROM current_positions');
    return rows;
  }
}
