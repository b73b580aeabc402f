import type { DbClient } from '../platform/db/pool.js';

export interface IncidentMedia {
  id: number;
  incidentId: number;
  reportId: number | null;
  kind: 'photo' | 'video' | 'snapshot';
  stage: 'report' | 'feedback';
  contentType: string;
  bytes: number;
  file: string;
  createdAt: Date;
}

const SELECT = `SELECT id, incident_id AS "incidentId", report_id AS "reportId", kind, stage, content_type AS "contentType", bytes, file,
  created_at AS "createdAt" FROM incident_media`;

export class MediaRepository {
  constructor(private readonly db: DbClient) {}

  async add(
    m: Omit<IncidentMedia, 'id' | 'createdAt'> & { personId: number | null; accountId: number | null },
  ): Promise<IncidentMedia> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO incident_media (incident_id, report_id, kind, stage, content_type, bytes, file, added_by_person_id, added_by_account_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [m.incidentId, m.reportId, m.kind, m.stage, m.contentType, m.bytes, m.file, m.personId, m.accountId],
    );
    return (await this.find(m.incidentId, rows[0]!.id))!;
  }

  async find(incidentId: number, id: number): Promise<IncidentMedia | null> {
    const { rows } = await this.db.query<IncidentMedia>(`${SELECT} WHERE incident_id = $1 AND id = $2`, [
      incidentId,
      id,
    ]);
    return rows[0] ?? null;
  }

  async ofIncident(incidentId: number): Promise<IncidentMedia[]> {
    const { rows } = await this.db.query<IncidentMedia>(`${SELECT} WHERE incident_id = $1 ORDER BY id`, [incidentId]);
    return rows;
  }
}
