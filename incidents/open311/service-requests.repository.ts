// Incidents seen as Open311 service requests: those a citizen or the 12345 hotline
// reported (at least one Open311 report), with what the public may see of them.
import type { DbClient } from '../../platform/db/pool.js';
import type { IncidentState, Platform } from '../model.js';

export interface ServiceRequestRow {
  id: number;
  state: IncidentState;
  serviceCode: string;
  serviceName: string;
  description: string;
  platform: Platform;
  requestedAt: Date;
  updatedAt: Date;
  expectedAt: Date;
  address: string | null;
  lon: number;
  lat: number;
  mergedInto: number | null;
  photoId: number | null;
  /** A picture a citizen linked to when reporting. */
  citizenMediaUrl: string | null;
}

export interface ServiceRequestQuery {
  ids?: number[];
  serviceCodes?: string[];
  since?: Date;
  until?: Date;
  /** true: open only; false: closed only. */
  open?: boolean;
  townId?: number;
  limit: number;
}

// Only a photo a citizen sent with their own report is public: never the gridworkers'
// feedback photos, the command room's, nor camera snapshots.
const CITIZENS_OWN = `EXISTS (SELECT 1 FROM incident_reports cr WHERE cr.id = m.report_id AND cr.source = 'open311')`;

const SELECT = `SELECT i.id, i.state, i.subcategory_code AS "serviceCode", s.name AS "serviceName", i.description, i.platform,
  i.reported_at AS "requestedAt", i.updated_at AS "updatedAt", i.finish_due_at AS "expectedAt", i.address, i.lon, i.lat,
  i.merged_into AS "mergedInto",
  (SELECT m.id FROM incident_media m WHERE m.incident_id = i.id AND m.kind = 'photo' AND ${CITIZENS_OWN} ORDER BY m.id LIMIT 1) AS "photoId",
  (SELECT r.attributes->>'media_url' FROM incident_reports r WHERE r.incident_id = i.id AND r.source = 'open311' AND r.attributes ? 'media_url'
    ORDER BY r.id LIMIT 1) AS "citizenMediaUrl"
  FROM incidents i JOIN incident_subcategories s ON s.code = i.subcategory_code
  WHERE EXISTS (SELECT 1 FROM incident_reports r WHERE r.incident_id = i.id AND r.source = 'open311')`;

export class ServiceRequestsRepository {
  constructor(private readonly db: DbClient) {}

  /** The report a citizen's call just added to an incident (a 待定位 call's photo goes with it). */
  async newestReportId(incidentId: number): Promise<number | null> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT max(id) AS id FROM incident_reports WHERE incident_id = $1',
      [incidentId],
    );
    return rows[0]?.id == null ? null : Number(rows[0].id);
  }

  async list(q: ServiceRequestQuery): Promise<ServiceRequestRow[]> {
    const { rows } = await this.db.query<ServiceRequestRow>(
      `${SELECT}
         AND ($1::bigint[] IS NULL OR i.id = ANY($1))
         AND ($2::text[] IS NULL OR i.subcategory_code = ANY($2))
         AND ($3::timestamptz IS NULL OR i.reported_at >= $3)
         AND ($4::timestamptz IS NULL OR i.reported_at <= $4)
         AND ($5::boolean IS NULL OR (i.state NOT IN ('closed', 'merged')) = $5)
         AND ($6::bigint IS NULL OR i.town_id = $6)
       ORDER BY i.reported_at DESC, i.id DESC LIMIT $7`,
      [
        q.ids ?? null,
        q.serviceCodes ?? null,
        q.since ?? null,
        q.until ?? null,
        q.open ?? null,
        q.townId ?? null,
        q.limit,
      ],
    );
    return rows;
  }

  /** A photo of a request, only when a citizen sent it with their report. */
  async photo(id: number, mediaId: number): Promise<{ contentType: string; file: string } | null> {
    const { rows } = await this.db.query<{ contentType: string; file: string }>(
      `SELECT m.content_type AS "contentType", m.file FROM incident_media m
       WHERE m.incident_id = $1 AND m.id = $2 AND m.kind = 'photo' AND ${CITIZENS_OWN}`,
      [id, mediaId],
    );
    return rows[0] ?? null;
  }
}
