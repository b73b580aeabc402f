import type { DbClient } from '../platform/db/pool.js';

export interface Alert {
  id: number;
  cameraId: number;
  kind: string;
  topic: string;
  firstAt: Date;
  lastAt: Date;
  count: number;
  gridId: number | null;
  gridVersionId: number | null;
  gridCode: string | null;
  snapshot: string | null;
  data: unknown;
  queuedAt: Date | null;
}

const SELECT = `SELECT a.id, a.camera_id AS "cameraId", a.kind, a.topic, a.first_at AS "firstAt", a.last_at AS "lastAt", a.count,
  a.grid_id AS "gridId", a.grid_version_id AS "gridVersionId", g.code AS "gridCode", a.snapshot, a.data, a.queued_at AS "queuedAt"
  FROM camera_alerts a LEFT JOIN grid_versions g ON g.id = a.grid_version_id`;

export class AlertsRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * One alert per camera and kind per burst: an alarm within `windowMs` of the last
   * one of its kind is counted into it; otherwise a new alert begins, tied to the grid
   * the camera stands in. Serialised per camera by a row lock.
   */
  async record(
    cameraId: number,
    kind: string,
    topic: string,
    at: Date,
    data: unknown,
    windowMs: number,
  ): Promise<{ alert: Alert; isNew: boolean }> {
    await this.db.query('SELECT id FROM cameras WHERE id = $1 FOR UPDATE', [cameraId]);
    const { rows: open } = await this.db.query<{ id: number }>(
      `UPDATE camera_alerts SET count = count + 1, last_at = GREATEST(last_at, $3)
       WHERE id = (SELECT id FROM camera_alerts WHERE camera_id = $1 AND kind = $2 AND last_at >= $3::timestamptz - make_interval(secs => $4 / 1000.0)
                   ORDER BY last_at DESC LIMIT 1)
       RETURNING id`,
      [cameraId, kind, at, windowMs],
    );
    if (open[0]) return { alert: (await this.find(open[0].id))!, isNew: false };
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO camera_alerts (camera_id, kind, topic, first_at, last_at, grid_id, grid_version_id, data)
       SELECT $1, $2, $3, $4, $4, p.grid_id, p.grid_version_id, $5
       FROM cameras c LEFT JOIN camera_placements p ON p.camera_id = c.id AND p.valid_to IS NULL WHERE c.id = $1
       RETURNING id`,
      [cameraId, kind, topic, at, JSON.stringify(data)],
    );
    return { alert: (await this.find(rows[0]!.id))!, isNew: true };
  }

  async find(id: number): Promise<Alert | null> {
    const { rows } = await this.db.query<Alert>(`${SELECT} WHERE a.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(filter: { cameraId?: number; townIds: number[] | null; limit: number }): Promise<Alert[]> {
    const { rows } = await this.db.query<Alert>(
      `${SELECT} JOIN cameras c ON c.id = a.camera_id
       WHERE ($1::bigint IS NULL OR a.camera_id = $1) AND ($2::bigint[] IS NULL OR c.town_id = ANY($2))
       ORDER BY a.last_at DESC LIMIT $3`,
      [filter.cameraId ?? null, filter.townIds, filter.limit],
    );
    return rows;
  }

  async setSnapshot(id: number, name: string): Promise<void> {
    await this.db.query('UPDATE camera_alerts SET snapshot = $2 WHERE id = $1', [id, name]);
  }

  async markQueued(ids: number[]): Promise<void> {
    await this.db.query(
      'UPDATE camera_alerts SET queued_at = now() WHERE id = ANY($1::bigint[]) AND queued_at IS NULL',
      [ids],
    );
  }

  /** Alerts not yet handed to the queue (the outbox), oldest first. */
  async unqueued(limit: number): Promise<Alert[]> {
    const { rows } = await this.db.query<Alert>(`${SELECT} WHERE a.queued_at IS NULL ORDER BY a.id LIMIT $1`, [limit]);
    return rows;
  }
}
