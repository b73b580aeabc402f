// SQL of 会商: consultations, the organisations convened, the shared thread.
import type { DbClient } from '../platform/db/pool.js';

export interface Consultation {
  id: number;
  incidentId: number;
  townId: number;
  topic: string;
  convenedAt: Date;
  closedAt: Date | null;
  orgs: { id: number; code: string; name: string }[];
  messages: { id: number; at: Date; label: string; org: string | null; body: string }[];
}

const COLUMNS = `c.id, c.incident_id AS "incidentId", c.town_id AS "townId", c.topic, c.convened_at AS "convenedAt",
  c.closed_at AS "closedAt",
  (SELECT coalesce(json_agg(json_build_object('id', o.id, 'code', o.code, 'name', o.name) ORDER BY o.id), '[]')
     FROM consultation_orgs co JOIN organisations o ON o.id = co.org_id WHERE co.consultation_id = c.id) AS orgs,
  (SELECT coalesce(json_agg(json_build_object('id', m.id, 'at', m.at, 'label', m.actor_label, 'org', mo.name, 'body', m.body)
     ORDER BY m.id), '[]')
     FROM consultation_messages m LEFT JOIN organisations mo ON mo.id = m.org_id WHERE m.consultation_id = c.id) AS messages`;

export class ConsultationsRepository {
  constructor(private readonly db: DbClient) {}

  async insert(incidentId: number, townId: number, topic: string, by: number, orgIds: number[]): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO consultations (incident_id, town_id, topic, convened_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [incidentId, townId, topic, by],
    );
    const id = rows[0]!.id;
    await this.db.query(`INSERT INTO consultation_orgs (consultation_id, org_id) SELECT $1, unnest($2::bigint[])`, [
      id,
      orgIds,
    ]);
    return id;
  }

  async ofIncident(incidentId: number): Promise<Consultation[]> {
    const { rows } = await this.db.query<Consultation>(
      `SELECT ${COLUMNS} FROM consultations c WHERE c.incident_id = $1 ORDER BY c.id`,
      [incidentId],
    );
    return rows;
  }

  /** Open consultations one of these organisations is convened to. */
  async ofOrgs(orgIds: number[], townIds: number[] | null): Promise<Consultation[]> {
    const { rows } = await this.db.query<Consultation>(
      `SELECT ${COLUMNS} FROM consultations c
       WHERE c.closed_at IS NULL AND ($2::bigint[] IS NULL OR c.town_id = ANY($2))
         AND EXISTS (SELECT 1 FROM consultation_orgs co WHERE co.consultation_id = c.id AND co.org_id = ANY($1))
       ORDER BY c.id DESC LIMIT 200`,
      [orgIds, townIds],
    );
    return rows;
  }

  async addMessage(consultationId: number, accountId: number, label: string, orgId: number | null, body: string) {
    await this.db.query(
      `INSERT INTO consultation_messages (consultation_id, account_id, actor_label, org_id, body) VALUES ($1, $2, $3, $4, $5)`,
      [consultationId, accountId, label, orgId, body],
    );
  }

  async close(id: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE consultations SET closed_at = now() WHERE id = $1 AND closed_at IS NULL`,
      [id],
    );
    return rowCount === 1;
  }
}
