import type { DbClient } from '../server/db/pool.js';

export interface Candidate {
  personId: number;
  name: string;
  phone: string;
  roles: string[];
  dutyStatus: string;
  lon: number;
  lat: number;
  distanceM: number;
  positionAgeS: number;
  openTasks: number;
  ownGrid: boolean;
}

export interface Offer {
  id: number;
  incidentId: number;
  personId: number;
  offeredAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  outcome: 'pending' | 'accepted' | 'declined' | 'expired' | 'withdrawn';
  distanceM: number | null;
  byHand: boolean;
}

// Roles that go out on patrol and take tasks.
const FIELD_ROLES = `ARRAY['grid_head', 'fulltime_gridworker', 'parttime_gridworker', 'info_assistant']::person_role[]`;

const OFFER = `SELECT id, incident_id AS "incidentId", person_id AS "personId", offered_at AS "offeredAt", expires_at AS "expiresAt",
  answered_at AS "answeredAt", outcome, distance_m AS "distanceM", by_hand AS "byHand" FROM dispatch_offers`;

export class DispatchRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * Gridworkers with a fresh position near a point: the `nearest` by PostGIS KNN on
   * geography (the GiST index walks outwards), plus the grid's own people wherever they
   * are, each with the distance in metres and their open tasks, for the service to rank.
   */
  async candidates(q: { lon: number; lat: number; townId: number; gridId: number | null; freshS: number; nearest: number; onDutyOnly: boolean; excludePersonIds: number[] }): Promise<Candidate[]> {
    // Named: PostGIS planning costs more than the search; a prepared plan is reused per connection.
    const { rows } = await this.db.query<Candidate>({
      name: 'dispatch-candidates',
      text: `WITH near AS (
         -- KNN: the GiST index on geog walks outwards from the point (a constant, so the index can order), filtering as it goes.
         (SELECT cp.person_id FROM current_positions cp JOIN people p ON p.id = cp.person_id
          WHERE cp.town_id = $3 AND cp.fix_time > now() - make_interval(secs => $5)
            AND p.roles && ${FIELD_ROLES} AND (NOT $7::boolean OR p.duty_status = 'on_duty') AND NOT (cp.person_id = ANY($8::bigint[]))
          ORDER BY cp.geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT $6)
         UNION
         -- The grid's own people, wherever they are.
         SELECT cp.person_id FROM person_grids pg JOIN current_positions cp ON cp.person_id = pg.person_id JOIN people p ON p.id = cp.person_id
         WHERE pg.grid_id = $4 AND cp.fix_time > now() - make_interval(secs => $5)
           AND p.roles && ${FIELD_ROLES} AND (NOT $7::boolean OR p.duty_status = 'on_duty') AND NOT (cp.person_id = ANY($8::bigint[]))
       )
       SELECT cp.person_id AS "personId", p.name, p.phone, p.roles::text[] AS roles, p.duty_status AS "dutyStatus", cp.lon, cp.lat,
         ST_Distance(cp.geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS "distanceM",
         extract(epoch FROM now() - cp.fix_time)::float8 AS "positionAgeS",
         (SELECT count(*)::int FROM incidents i WHERE i.assignee_person_id = cp.person_id AND i.state IN ('accepted', 'in_progress', 'returned'))
           + (SELECT count(*)::int FROM dispatch_offers o WHERE o.person_id = cp.person_id AND o.outcome = 'pending') AS "openTasks",
         EXISTS (SELECT 1 FROM person_grids pg WHERE pg.person_id = cp.person_id AND pg.grid_id = $4) AS "ownGrid"
       FROM near n JOIN current_positions cp ON cp.person_id = n.person_id JOIN people p ON p.id = n.person_id
       ORDER BY "distanceM"`,
      values: [q.lon, q.lat, q.townId, q.gridId, q.freshS, q.nearest, q.onDutyOnly, q.excludePersonIds],
    });
    return rows;
  }

  /** One person's distance to a point (null without a position), for an offer made by hand. */
  async personAt(personId: number, lon: number, lat: number): Promise<{ personId: number; name: string; townId: number; distanceM: number | null } | null> {
    const { rows } = await this.db.query<{ personId: number; name: string; townId: number; distanceM: number | null }>(
      `SELECT p.id AS "personId", p.name, p.town_id AS "townId",
         ST_Distance(cp.geog, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS "distanceM"
       FROM people p LEFT JOIN current_positions cp ON cp.person_id = p.id WHERE p.id = $1`,
      [personId, lon, lat],
    );
    return rows[0] ?? null;
  }

  /** Everyone this incident has already been offered to (not asked twice by the worker). */
  async offeredPeople(incidentId: number): Promise<number[]> {
    const { rows } = await this.db.query<{ personId: number }>(
      `SELECT DISTINCT person_id AS "personId" FROM dispatch_offers WHERE incident_id = $1 AND outcome IN ('declined', 'expired')`, [incidentId]);
    return rows.map((r) => r.personId);
  }

  async create(o: { incidentId: number; personId: number; timeoutS: number; distanceM: number | null; byHand: boolean; accountId: number | null }): Promise<Offer> {
    const { rows } = await this.db.query<Offer>(
      `WITH o AS (
         INSERT INTO dispatch_offers (incident_id, person_id, expires_at, distance_m, by_hand, offered_by_account_id)
         VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3), $4, $5, $6) RETURNING *)
       SELECT id, incident_id AS "incidentId", person_id AS "personId", offered_at AS "offeredAt", expires_at AS "expiresAt",
         answered_at AS "answeredAt", outcome, distance_m AS "distanceM", by_hand AS "byHand" FROM o`,
      [o.incidentId, o.personId, o.timeoutS, o.distanceM, o.byHand, o.accountId],
    );
    return rows[0]!;
  }

  async find(offerId: number): Promise<Offer | null> {
    const { rows } = await this.db.query<Offer>(`${OFFER} WHERE id = $1`, [offerId]);
    return rows[0] ?? null;
  }

  async ofIncident(incidentId: number): Promise<Offer[]> {
    const { rows } = await this.db.query<Offer>(`${OFFER} WHERE incident_id = $1 ORDER BY id`, [incidentId]);
    return rows;
  }

  async pendingFor(personId: number): Promise<Offer[]> {
    const { rows } = await this.db.query<Offer>(`${OFFER} WHERE person_id = $1 AND outcome = 'pending' ORDER BY id`, [personId]);
    return rows;
  }

  /** Settles a pending offer; false when it was no longer pending. */
  async settle(offerId: number, outcome: Offer['outcome']): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE dispatch_offers SET outcome = $2, answered_at = clock_timestamp() WHERE id = $1 AND outcome = 'pending'`, [offerId, outcome]);
    return rowCount === 1;
  }

  async isExpired(offerId: number): Promise<boolean> {
    const { rows } = await this.db.query<{ expired: boolean }>(`SELECT expires_at <= clock_timestamp() AS expired FROM dispatch_offers WHERE id = $1`, [offerId]);
    return rows[0]?.expired ?? false;
  }

  /** Incidents whose pending offer has run out (a lost timeout job, a restarted Redis). */
  async incidentsWithExpiredOffers(limit: number): Promise<number[]> {
    const { rows } = await this.db.query<{ incidentId: number }>(
      `SELECT incident_id AS "incidentId" FROM dispatch_offers WHERE outcome = 'pending' AND expires_at <= clock_timestamp() ORDER BY expires_at LIMIT $1`, [limit]);
    return rows.map((r) => r.incidentId);
  }
}
