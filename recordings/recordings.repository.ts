// The SQL of recording: policies, the segment index, gaps, holds, exports, status.
// Nothing here knows of HTTP or ffmpeg.
import type { DbClient } from '../platform/db/pool.js';

export const RECORDING_MODES = ['off', 'continuous', 'on_alarm', 'schedule'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];
export type StreamName = 'main' | 'sub';

export interface ScheduleWindow {
  /** 0 Sunday … 6 Saturday, in the towns' local time. */
  day: number;
  from: string;
  to: string;
}

export interface RecordingPolicy {
  cameraId: number;
  mode: RecordingMode;
  stream: StreamName;
  preRollS: number;
  postRollS: number;
  schedule: ScheduleWindow[];
  retentionDays: number;
  updatedAt: Date | null;
}

export interface NewSegment {
  cameraId: number;
  stream: StreamName;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  file: string;
  run: string;
  keepUntil: Date;
  recorder: string;
}

export interface Segment {
  id: number;
  cameraId: number;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  file: string;
  run: string;
}

export interface Span {
  from: Date;
  to: Date;
}

export interface Gap extends Span {
  reason: string;
}

export interface Hold {
  id: number;
  cameraId: number;
  from: Date;
  to: Date;
  heldUntil: Date | null;
  reason: 'alarm' | 'incident';
  incidentId: number | null;
  label: string;
  createdAt: Date;
}

export interface ExportRow {
  id: number;
  cameraId: number;
  townId: number;
  accountId: number;
  username: string;
  from: Date;
  to: Date;
  file: string;
  bytes: number;
  sha256: string;
  ms: number;
  createdAt: Date;
}

export interface RecordingAlert {
  id: number;
  kind: 'disk_full' | 'clock_jump';
  recorder: string;
  detail: string;
  jumpMs: number | null;
  count: number;
  firstAt: Date;
  lastAt: Date;
  resolvedAt: Date | null;
}

/** Segments overlapping a hold that still holds are never deleted. */
const UNHELD = `NOT EXISTS (SELECT 1 FROM recording_holds h WHERE h.camera_id = s.camera_id
  AND h.from_at < s.ended_at AND h.to_at > s.started_at AND (h.held_until IS NULL OR h.held_until > now()))`;

const POLICY = `camera_id AS "cameraId", mode, stream, pre_roll_s AS "preRollS", post_roll_s AS "postRollS",
  schedule, retention_days AS "retentionDays", updated_at AS "updatedAt"`;
const SEGMENT = `id, camera_id AS "cameraId", started_at AS "startedAt", ended_at AS "endedAt", bytes, file, run`;
const HOLD = `id, camera_id AS "cameraId", from_at AS "from", to_at AS "to", held_until AS "heldUntil", reason,
  incident_id AS "incidentId", label, created_at AS "createdAt"`;
const ALERT = `id, kind, recorder, detail, jump_ms::float8 AS "jumpMs", count, first_at AS "firstAt", last_at AS "lastAt",
  resolved_at AS "resolvedAt"`;
const EXPORT = `id, camera_id AS "cameraId", town_id AS "townId", account_id AS "accountId", username,
  from_at AS "from", to_at AS "to", file, bytes, sha256, ms, created_at AS "createdAt"`;

export class RecordingsRepository {
  constructor(private readonly db: DbClient) {}

  async policy(cameraId: number): Promise<RecordingPolicy | null> {
    const { rows } = await this.db.query<RecordingPolicy>(
      `SELECT ${POLICY} FROM recording_policies WHERE camera_id = $1`,
      [cameraId],
    );
    return rows[0] ?? null;
  }

  async policies(): Promise<RecordingPolicy[]> {
    const { rows } = await this.db.query<RecordingPolicy>(`SELECT ${POLICY} FROM recording_policies`);
    return rows;
  }

  async putPolicy(p: Omit<RecordingPolicy, 'updatedAt'>, by: number): Promise<RecordingPolicy> {
    const { rows } = await this.db.query<RecordingPolicy>(
      `INSERT INTO recording_policies (camera_id, mode, stream, pre_roll_s, post_roll_s, schedule, retention_days, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (camera_id) DO UPDATE SET mode = $2, stream = $3, pre_roll_s = $4, post_roll_s = $5, schedule = $6,
         retention_days = $7, updated_by = $8, updated_at = now()
       RETURNING ${POLICY}`,
      [p.cameraId, p.mode, p.stream, p.preRollS, p.postRollS, JSON.stringify(p.schedule), p.retentionDays, by],
    );
    return rows[0]!;
  }

  async insertSegment(s: NewSegment): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO recording_segments (camera_id, stream, started_at, ended_at, bytes, file, run, keep_until, recorder)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (file) DO NOTHING RETURNING id`,
      [s.cameraId, s.stream, s.startedAt, s.endedAt, s.bytes, s.file, s.run, s.keepUntil, s.recorder],
    );
    return rows[0]?.id ?? 0;
  }

  /** Where the camera's footage last ended (within a day), for the gap before a new run. */
  async lastEnd(cameraId: number): Promise<Date | null> {
    const { rows } = await this.db.query<{ end: Date | null }>(
      `SELECT max(ended_at) AS "end" FROM recording_segments WHERE camera_id = $1 AND started_at > now() - interval '1 day'`,
      [cameraId],
    );
    return rows[0]?.end ?? null;
  }

  async insertGap(cameraId: number, from: Date, to: Date, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_gaps (camera_id, started_at, ended_at, reason) VALUES ($1, $2, $3, $4)`,
      [cameraId, from, to, reason.slice(0, 500)],
    );
  }

  async segments(cameraId: number, from: Date, to: Date, limit = 5000): Promise<Segment[]> {
    const { rows } = await this.db.query<Segment>(
      `SELECT ${SEGMENT} FROM recording_segments WHERE camera_id = $1 AND ended_at > $2 AND started_at < $3
       ORDER BY started_at, id LIMIT $4`,
      [cameraId, from, to, limit],
    );
    return rows;
  }

  async segment(id: number): Promise<Segment | null> {
    const { rows } = await this.db.query<Segment>(`SELECT ${SEGMENT} FROM recording_segments WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Removes index rows whose file is gone, recording the hole as a gap (in one transaction by the caller). */
  async forgetSegments(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `WITH gone AS (DELETE FROM recording_segments WHERE id = ANY($1) RETURNING camera_id, started_at, ended_at)
       INSERT INTO recording_gaps (camera_id, started_at, ended_at, reason)
       SELECT camera_id, started_at, ended_at, 'file_missing' FROM gone`,
      [ids],
    );
  }

  /** Recorded spans: segments closer than `joinS` to each other are one span. */
  async spans(cameraId: number, from: Date, to: Date, joinS = 1.5): Promise<Span[]> {
    const { rows } = await this.db.query<Span>(
      `SELECT min(started_at) AS "from", max(ended_at) AS "to" FROM (
         SELECT started_at, ended_at, sum(brk) OVER (ORDER BY started_at, id) AS grp FROM (
           SELECT id, started_at, ended_at,
             CASE WHEN started_at - lag(ended_at) OVER (ORDER BY started_at, id) <= make_interval(secs => $4) THEN 0 ELSE 1 END AS brk
           FROM recording_segments WHERE camera_id = $1 AND ended_at > $2 AND started_at < $3) a) b
       GROUP BY grp ORDER BY 1`,
      [cameraId, from, to, joinS],
    );
    return rows;
  }

  async gaps(cameraId: number, from: Date, to: Date): Promise<Gap[]> {
    const { rows } = await this.db.query<Gap>(
      `SELECT started_at AS "from", ended_at AS "to", reason FROM recording_gaps
       WHERE camera_id = $1 AND ended_at > $2 AND started_at < $3 ORDER BY started_at LIMIT 2000`,
      [cameraId, from, to],
    );
    return rows;
  }

  /** Local calendar days (offset hours from UTC) with footage, between two instants. */
  async days(cameraId: number, from: Date, to: Date, offsetHours: number): Promise<string[]> {
    const { rows } = await this.db.query<{ day: string }>(
      `SELECT DISTINCT to_char(started_at + make_interval(hours => $4), 'YYYY-MM-DD') AS day
       FROM recording_segments WHERE camera_id = $1 AND started_at >= $2 AND started_at < $3 ORDER BY 1`,
      [cameraId, from, to, offsetHours],
    );
    return rows.map((r) => r.day);
  }

  async addHold(h: {
    cameraId: number;
    from: Date;
    to: Date;
    heldUntil: Date | null;
    reason: 'alarm' | 'incident';
    incidentId?: number | null;
    alertId?: number | null;
    label: string;
  }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO recording_holds (camera_id, from_at, to_at, held_until, reason, incident_id, alert_id, label)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [h.cameraId, h.from, h.to, h.heldUntil, h.reason, h.incidentId ?? null, h.alertId ?? null, h.label.slice(0, 200)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** An incident closed: its evidence is held until then. */
  async holdIncidentUntil(incidentId: number, until: Date | null): Promise<number> {
    const { rowCount } = await this.db.query(`UPDATE recording_holds SET held_until = $2 WHERE incident_id = $1`, [
      incidentId,
      until,
    ]);
    return rowCount ?? 0;
  }

  async holds(cameraId: number, from: Date, to: Date): Promise<Hold[]> {
    const { rows } = await this.db.query<Hold>(
      `SELECT ${HOLD} FROM recording_holds WHERE camera_id = $1 AND to_at > $2 AND from_at < $3 ORDER BY from_at LIMIT 1000`,
      [cameraId, from, to],
    );
    return rows;
  }

  /** Which of these incidents have evidence attached (a hold on any camera). */
  async incidentsWithHolds(incidentIds: number[]): Promise<Set<number>> {
    if (incidentIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT DISTINCT incident_id AS id FROM recording_holds WHERE incident_id = ANY($1::bigint[])`,
      [incidentIds],
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Which of these cameras have footage overlapping [from, to). */
  async camerasWithFootage(cameraIds: number[], from: Date, to: Date): Promise<Set<number>> {
    if (cameraIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT c.id FROM unnest($1::bigint[]) AS c(id) WHERE EXISTS (
         SELECT 1 FROM recording_segments s WHERE s.camera_id = c.id AND s.started_at < $3 AND s.ended_at > $2
           AND s.started_at > $2::timestamptz - interval '1 hour')`,
      [cameraIds, from, to],
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  async incidentHolds(incidentId: number): Promise<Hold[]> {
    const { rows } = await this.db.query<Hold>(
      `SELECT ${HOLD} FROM recording_holds WHERE incident_id = $1 ORDER BY camera_id`,
      [incidentId],
    );
    return rows;
  }

  /** Segments past their keep_until and not held, oldest first; their rows go, their files are returned. */
  async deleteExpired(limit: number): Promise<{ file: string; bytes: number }[]> {
    const { rows } = await this.db.query<{ file: string; bytes: number }>(
      `DELETE FROM recording_segments WHERE id IN (
         SELECT id FROM recording_segments s WHERE keep_until < now() AND ${UNHELD} ORDER BY keep_until LIMIT $1)
       RETURNING file, bytes`,
      [limit],
    );
    return rows;
  }

  /** The oldest unheld segments, at least `bytes` of them; their rows go, their files are returned. */
  async deleteOldest(bytes: number): Promise<{ file: string; bytes: number }[]> {
    const { rows } = await this.db.query<{ file: string; bytes: number }>(
      `WITH c AS (
         SELECT id, bytes, sum(bytes) OVER (ORDER BY started_at, id) AS upto FROM (
           SELECT id, bytes, started_at FROM recording_segments s WHERE ${UNHELD} ORDER BY started_at, id LIMIT 20000) o)
       DELETE FROM recording_segments WHERE id IN (SELECT id FROM c WHERE upto - bytes < $1) RETURNING file, bytes`,
      [bytes],
    );
    return rows;
  }

  async totalBytes(): Promise<number> {
    const { rows } = await this.db.query<{ total: number | null }>(
      `SELECT sum(bytes)::bigint AS total FROM recording_segments`,
    );
    return rows[0]?.total ?? 0;
  }

  async insertExport(e: Omit<ExportRow, 'id' | 'createdAt'>): Promise<ExportRow> {
    const { rows } = await this.db.query<ExportRow>(
      `INSERT INTO recording_exports (camera_id, town_id, account_id, username, from_at, to_at, file, bytes, sha256, ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${EXPORT}`,
      [e.cameraId, e.townId, e.accountId, e.username, e.from, e.to, e.file, e.bytes, e.sha256, e.ms],
    );
    return rows[0]!;
  }

  async exportById(id: number): Promise<ExportRow | null> {
    const { rows } = await this.db.query<ExportRow>(`SELECT ${EXPORT} FROM recording_exports WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async exports(townIds: number[] | null, limit = 200): Promise<ExportRow[]> {
    const { rows } = await this.db.query<ExportRow>(
      `SELECT ${EXPORT} FROM recording_exports WHERE ($1::bigint[] IS NULL OR town_id = ANY($1))
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      [townIds, limit],
    );
    return rows;
  }

  async setStatus(cameraId: number, state: string, recorder: string | null, lastError: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO recording_status (camera_id, state, recorder, last_error) VALUES ($1, $2, $3, $4)
       ON CONFLICT (camera_id) DO UPDATE SET state = $2, recorder = $3,
         last_error = COALESCE($4, recording_status.last_error), updated_at = now()`,
      [cameraId, state, recorder, lastError?.slice(0, 500) ?? null],
    );
  }

  async status(
    cameraId: number,
  ): Promise<{ state: string; recorder: string | null; lastError: string | null; updatedAt: Date } | null> {
    const { rows } = await this.db.query<{
      state: string;
      recorder: string | null;
      lastError: string | null;
      updatedAt: Date;
    }>(
      `SELECT state, recorder, last_error AS "lastError", updated_at AS "updatedAt" FROM recording_status WHERE camera_id = $1`,
      [cameraId],
    );
    return rows[0] ?? null;
  }

  /** A full disk: opens this recorder's alert, or counts one more ENOSPC on the open one. */
  async diskFullAlert(recorder: string, detail: string): Promise<RecordingAlert> {
    const { rows } = await this.db.query<RecordingAlert>(
      `INSERT INTO recording_alerts (kind, recorder, detail) VALUES ('disk_full', $1, $2)
       ON CONFLICT (kind, recorder) WHERE resolved_at IS NULL AND kind = 'disk_full'
       DO UPDATE SET count = recording_alerts.count + 1, last_at = now(), detail = $2
       RETURNING ${ALERT}`,
      [recorder, detail.slice(0, 500)],
    );
    return rows[0]!;
  }

  async clockJumpAlert(recorder: string, jumpMs: number, detail: string): Promise<RecordingAlert> {
    const { rows } = await this.db.query<RecordingAlert>(
      `INSERT INTO recording_alerts (kind, recorder, detail, jump_ms) VALUES ('clock_jump', $1, $2, $3) RETURNING ${ALERT}`,
      [recorder, detail.slice(0, 500), Math.round(jumpMs)],
    );
    return rows[0]!;
  }

  /** The disk has room again: this recorder's open disk_full alert ends. */
  async resolveDiskFull(recorder: string): Promise<RecordingAlert | null> {
    const { rows } = await this.db.query<RecordingAlert>(
      `UPDATE recording_alerts SET resolved_at = now() WHERE kind = 'disk_full' AND recorder = $1 AND resolved_at IS NULL
       RETURNING ${ALERT}`,
      [recorder],
    );
    return rows[0] ?? null;
  }

  async alerts(limit = 100): Promise<RecordingAlert[]> {
    const { rows } = await this.db.query<RecordingAlert>(
      `SELECT ${ALERT} FROM recording_alerts ORDER BY (resolved_at IS NULL) DESC, last_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows;
  }
}
