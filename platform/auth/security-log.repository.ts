import type { DbClient } from '../db/pool.js';

export interface SecurityEventRow {
  id: number;
  at: Date;
  kind: string;
  actorId: number | null;
  actorName: string | null;
  ip: string | null;
  townIds: number[];
  subject: string | null;
  details: Record<string, unknown>;
}

/** A row before the database gives it its id and time. */
export type NewSecurityEvent = Omit<SecurityEventRow, 'id' | 'at'>;

export interface SecurityLogQuery {
  /** null: every town (an all-towns admin); otherwise rows touching one of these towns. */
  townIds: number[] | null;
  kinds: string[] | null;
  since: Date | null;
  beforeId: number | null;
  limit: number;
}

export class SecurityLogRepository {
  constructor(private readonly db: DbClient) {}

  async insert(e: NewSecurityEvent): Promise<void> {
    await this.db.query(
      `INSERT INTO security_log (kind, actor_id, actor_name, ip, town_ids, subject, details)
       VALUES ($1, $2, $3, $4, $5::bigint[], $6, $7)`,
      [e.kind, e.actorId, e.actorName, e.ip, e.townIds, e.subject, JSON.stringify(e.details)],
    );
  }

  async list(q: SecurityLogQuery): Promise<SecurityEventRow[]> {
    const { rows } = await this.db.query<SecurityEventRow>(
      `SELECT id, at, kind, actor_id AS "actorId", actor_name AS "actorName", ip,
              town_ids AS "townIds", subject, details
       FROM security_log
       WHERE ($1::bigint[] IS NULL OR town_ids && $1::bigint[])
         AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
         AND ($3::timestamptz IS NULL OR at >= $3)
         AND ($4::bigint IS NULL OR id < $4)
       ORDER BY id DESC LIMIT $5`,
      [q.townIds, q.kinds, q.since, q.beforeId, q.limit],
    );
    return rows;
  }
}
