// SQL of patrols and household visits. Inserts are keyed by the phone's own key: a
// second send of the same thing returns the row already there. Who walked them is named
// by the people domain (the service asks it).
import type { DbClient } from '../platform/db/pool.js';

export interface Patrol {
  id: number;
  personId: number;
  personName?: string;
  clientKey: string;
  startedAt: Date;
  endedAt: Date | null;
  notes: PatrolNote[];
}
export interface PatrolNote {
  clientKey: string;
  at: Date;
  note: string;
  lon: number | null;
  lat: number | null;
  media: string[];
}
export interface Visit {
  id: number;
  personId: number;
  personName?: string;
  clientKey: string;
  visitedAt: Date;
  household: string;
  address: string | null;
  note: string;
  lon: number | null;
  lat: number | null;
  media: string[];
}

const PATROL = `pa.id, pa.person_id AS "personId", pa.client_key AS "clientKey",
  pa.started_at AS "startedAt", pa.ended_at AS "endedAt",
  COALESCE((SELECT json_agg(json_build_object('clientKey', n.client_key, 'at', n.at, 'note', n.note, 'lon', n.lon,
     'lat', n.lat, 'media', n.media) ORDER BY n.at) FROM patrol_notes n WHERE n.patrol_id = pa.id), '[]') AS notes
  FROM patrols pa`;
const VISIT = `v.id, v.person_id AS "personId", v.client_key AS "clientKey",
  v.visited_at AS "visitedAt", v.household, v.address, v.note, v.lon, v.lat, v.media
  FROM household_visits v`;

export interface PhoneRef {
  personId: number;
  deviceId: number;
  townId: number;
}

export class FieldworkRepository {
  constructor(private readonly db: DbClient) {}

  async startPatrol(p: PhoneRef, key: string, at: Date, lon: number | null, lat: number | null): Promise<void> {
    await this.db.query(
      `INSERT INTO patrols (person_id, device_id, town_id, client_key, started_at, lon, lat)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id, client_key) DO NOTHING`,
      [p.personId, p.deviceId, p.townId, key, at, lon, lat],
    );
  }

  async patrol(p: PhoneRef, key: string): Promise<Patrol | null> {
    const { rows } = await this.db.query<Patrol>(`SELECT ${PATROL} WHERE pa.device_id = $1 AND pa.client_key = $2`, [
      p.deviceId,
      key,
    ]);
    return rows[0] ?? null;
  }

  /** Ends it once; a second stop keeps the first end. */
  async stopPatrol(id: number, at: Date): Promise<void> {
    await this.db.query('UPDATE patrols SET ended_at = GREATEST($2, started_at) WHERE id = $1 AND ended_at IS NULL', [
      id,
      at,
    ]);
  }

  async addNote(patrolId: number, n: PatrolNote): Promise<void> {
    await this.db.query(
      `INSERT INTO patrol_notes (patrol_id, client_key, at, note, lon, lat, media) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (patrol_id, client_key) DO NOTHING`,
      [patrolId, n.clientKey, n.at, n.note, n.lon, n.lat, n.media],
    );
  }

  async addVisit(p: PhoneRef, v: Omit<Visit, 'id' | 'personId' | 'personName'>): Promise<Visit> {
    await this.db.query(
      `INSERT INTO household_visits (person_id, device_id, town_id, client_key, visited_at, household, address, note, lon, lat, media)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (device_id, client_key) DO NOTHING`,
      [
        p.personId,
        p.deviceId,
        p.townId,
        v.clientKey,
        v.visitedAt,
        v.household,
        v.address,
        v.note,
        v.lon,
        v.lat,
        v.media,
      ],
    );
    const { rows } = await this.db.query<Visit>(`SELECT ${VISIT} WHERE v.device_id = $1 AND v.client_key = $2`, [
      p.deviceId,
      v.clientKey,
    ]);
    return rows[0]!;
  }

  async recent(f: { townIds: number[] | null; personId?: number; limit: number }) {
    const args = [f.townIds, f.personId ?? null, f.limit];
    const [patrols, visits] = await Promise.all([
      this.db.query<Patrol>(
        `SELECT ${PATROL} WHERE ($1::bigint[] IS NULL OR pa.town_id = ANY ($1)) AND ($2::bigint IS NULL OR pa.person_id = $2)
          ORDER BY pa.started_at DESC LIMIT $3`,
        args,
      ),
      this.db.query<Visit>(
        `SELECT ${VISIT} WHERE ($1::bigint[] IS NULL OR v.town_id = ANY ($1)) AND ($2::bigint IS NULL OR v.person_id = $2)
          ORDER BY v.visited_at DESC LIMIT $3`,
        args,
      ),
    ]);
    return { patrols: patrols.rows, visits: visits.rows };
  }
}
