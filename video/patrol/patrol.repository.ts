// SQL of the video patrol log: views, findings, checklists, and the statistics.
import type { Db } from '../../platform/db/pool.js';

export interface CameraPatrol {
  cameraId: number;
  name: string;
  views: number;
  seconds: number;
  lastWatchedAt: Date | null;
  findings: number;
}

export interface Checklist {
  townId: number;
  cameraIds: number[];
  shiftStarts: string[];
  minSeconds: number;
}

export class PatrolRepository {
  constructor(private readonly db: Db) {}

  async addView(v: {
    accountId: number;
    cameraId: number;
    townId: number;
    mode: 'tile' | 'enlarged';
    startedAt: Date;
    endedAt: Date;
  }): Promise<number> {
    return (
      await this.db.query<{ id: number }>(
        `INSERT INTO patrol_views (account_id, camera_id, town_id, mode, started_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::int`,
        [v.accountId, v.cameraId, v.townId, v.mode, v.startedAt, v.endedAt],
      )
    ).rows[0]!.id;
  }

  async addFinding(f: {
    accountId: number;
    cameraId: number;
    townId: number;
    note: string;
    incidentId: number | null;
  }) {
    return (
      await this.db.query<{ id: number; at: Date }>(
        `INSERT INTO patrol_findings (account_id, camera_id, town_id, note, incident_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id::int, at`,
        [f.accountId, f.cameraId, f.townId, f.note, f.incidentId],
      )
    ).rows[0]!;
  }

  /** Every camera of the town in service with what was watched of it in [from, to). */
  async byCamera(townId: number, from: Date, to: Date): Promise<CameraPatrol[]> {
    return (
      await this.db.query<CameraPatrol>(
        `SELECT c.id::int AS "cameraId", c.name,
                COUNT(v.id)::int AS views,
                COALESCE(round(SUM(EXTRACT(EPOCH FROM v.ended_at - v.started_at)))::int, 0) AS seconds,
                MAX(v.ended_at) AS "lastWatchedAt",
                (SELECT COUNT(*)::int FROM patrol_findings f
                  WHERE f.camera_id = c.id AND f.at >= $2 AND f.at < $3) AS findings
           FROM cameras c
           LEFT JOIN patrol_views v ON v.camera_id = c.id AND v.started_at >= $2 AND v.started_at < $3
          WHERE c.town_id = $1 AND c.retired_at IS NULL
          GROUP BY c.id, c.name
          ORDER BY seconds DESC, c.name`,
        [townId, from, to],
      )
    ).rows;
  }

  async findings(townId: number, from: Date, to: Date) {
    return (
      await this.db.query(
        `SELECT f.id::int, f.camera_id::int AS "cameraId", c.name AS "cameraName", f.note, f.incident_id::int AS "incidentId",
                f.at, a.username
           FROM patrol_findings f JOIN cameras c ON c.id = f.camera_id JOIN accounts a ON a.id = f.account_id
          WHERE f.town_id = $1 AND f.at >= $2 AND f.at < $3 ORDER BY f.at DESC LIMIT 500`,
        [townId, from, to],
      )
    ).rows;
  }

  async checklist(townId: number): Promise<Checklist | null> {
    return (
      (
        await this.db.query<Checklist>(
          `SELECT town_id::int AS "townId", camera_ids::int[] AS "cameraIds",
                  ARRAY(SELECT to_char(s, 'HH24:MI') FROM unnest(shift_starts) s ORDER BY s) AS "shiftStarts",
                  min_seconds AS "minSeconds"
             FROM patrol_checklists WHERE town_id = $1`,
          [townId],
        )
      ).rows[0] ?? null
    );
  }

  async saveChecklist(c: Checklist, accountId: number): Promise<void> {
    await this.db.query(
      `INSERT INTO patrol_checklists (town_id, camera_ids, shift_starts, min_seconds, updated_by)
       VALUES ($1, $2, $3::time[], $4, $5)
       ON CONFLICT (town_id) DO UPDATE SET camera_ids = $2, shift_starts = $3::time[], min_seconds = $4,
         updated_by = $5, updated_at = now()`,
      [c.townId, c.cameraIds, c.shiftStarts, c.minSeconds, accountId],
    );
  }

  /** Seconds each camera was watched in [from, to), by anyone. */
  async secondsWatched(cameraIds: number[], from: Date, to: Date): Promise<Map<number, number>> {
    const rows = (
      await this.db.query<{ cameraId: number; seconds: number }>(
        `SELECT camera_id::int AS "cameraId", round(SUM(EXTRACT(EPOCH FROM ended_at - started_at)))::int AS seconds
           FROM patrol_views WHERE camera_id = ANY($1::bigint[]) AND started_at >= $2 AND started_at < $3
          GROUP BY camera_id`,
        [cameraIds, from, to],
      )
    ).rows;
    return new Map(rows.map((r) => [r.cameraId, r.seconds]));
  }

  /** Cameras (of these ids) in the town and in service. */
  async camerasOfTown(townId: number, ids: number[]): Promise<{ id: number; name: string }[]> {
    return (
      await this.db.query<{ id: number; name: string }>(
        `SELECT id::int, name FROM cameras WHERE town_id = $1 AND id = ANY($2::bigint[]) AND retired_at IS NULL`,
        [townId, ids],
      )
    ).rows;
  }
}
