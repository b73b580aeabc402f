import type { DbClient } from '../platform/db/pool.js';

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

export interface DispatchDecision {
  outcome: 'gone' | 'pending' | 'not_needed' | 'escalated' | 'offered';
  offer?: Offer;
  /** The offer that had run out, retired by this decision. */
  expired?: Offer;
}

export interface DispatchDecisionSettings {
  offerTimeoutS: number;
  maxMisses: number;
  ownGridMaxM: number;
  freshS: number;
  workloadPenaltyM: number;
  /** How many of the nearest are ranked. */
  nearest: number;
}

type OfferJson = Omit<Offer, 'offeredAt' | 'expiresAt' | 'answeredAt'> & {
  offeredAt: string;
  expiresAt: string;
  answeredAt: string | null;
};

const offerOf = (o: OfferJson): Offer => ({
  ...o,
  offeredAt: new Date(o.offeredAt),
  expiresAt: new Date(o.expiresAt),
  answeredAt: o.answeredAt === null ? null : new Date(o.answeredAt),
});

const OFFER = `SELECT id, incident_id AS "incidentId", person_id AS "personId", offered_at AS "offeredAt", expires_at AS "expiresAt",
  answered_at AS "answeredAt", outcome, distance_m AS "distanceM", by_hand AS "byHand" FROM dispatch_offers`;

export class DispatchRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * Gridworkers with a fresh position near a point, in the order they would be asked
   * (dispatch_candidates(), migration 011): the grid's own within `ownGridMaxM` first,
   * then by metres plus `workloadPenaltyM` per open task or pending offer.
   */
  async candidates(q: {
    lon: number;
    lat: number;
    townId: number;
    gridId: number | null;
    freshS: number;
    nearest: number;
    onDutyOnly: boolean;
    excludePersonIds: number[];
    ownGridMaxM: number;
    workloadPenaltyM: number;
  }): Promise<Candidate[]> {
    const { rows } = await this.db.query<Candidate>({
      name: 'dispatch-candidates',
      text: 'SELECT * FROM dispatch_candidates($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      values: [
        q.lon,
        q.lat,
        q.townId,
        q.gridId,
        q.freshS,
        q.nearest,
        q.onDutyOnly,
        q.excludePersonIds,
        q.ownGridMaxM,
        q.workloadPenaltyM,
      ],
    });
    return rows;
  }

  /**
   * The dispatch job's decisions in one statement (incident_dispatch_many(), migration 012,
   * over incident_dispatch(), migration 011), in incident id order: per incident, locked,
   * an offer that ran out retired, the next gridworker offered, or the incident escalated
   * after too many misses or with nobody near.
   */
  async decideMany(incidentIds: number[], settings: DispatchDecisionSettings): Promise<Map<number, DispatchDecision>> {
    const { rows } = await this.db.query<{
      incidentId: number;
      decision: { outcome: DispatchDecision['outcome']; offer?: OfferJson; expired?: OfferJson | null };
    }>({
      name: 'incident-dispatch-many',
      text: 'SELECT incident_id AS "incidentId", decision FROM incident_dispatch_many($1, $2::jsonb)',
      values: [incidentIds, JSON.stringify(settings)],
    });
    return new Map(
      rows.map(({ incidentId, decision: { outcome, offer, expired } }) => [
        incidentId,
        { outcome, offer: offer ? offerOf(offer) : undefined, expired: expired ? offerOf(expired) : undefined },
      ]),
    );
  }

  /** One person's distance to a point (null without a position), for an offer made by hand. */
  async personAt(
    personId: number,
    lon: number,
    lat: number,
  ): Promise<{ personId: number; name: string; townId: number; distanceM: number | null } | null> {
    const { rows } = await this.db.query<{ personId: number; name: string; townId: number; distanceM: number | null }>(
      `SELECT p.id AS "personId", p.name, p.town_id AS "townId",
         ST_Distance(cp.geog, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS "distanceM"
       FROM people p LEFT JOIN current_positions cp ON cp.person_id = p.id WHERE p.id = $1`,
      [personId, lon, lat],
    );
    return rows[0] ?? null;
  }

  async create(o: {
    incidentId: number;
    personId: number;
    timeoutS: number;
    distanceM: number | null;
    byHand: boolean;
    accountId: number | null;
  }): Promise<Offer> {
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
    const { rows } = await this.db.query<Offer>(`${OFFER} WHERE person_id = $1 AND outcome = 'pending' ORDER BY id`, [
      personId,
    ]);
    return rows;
  }

  /** Settles a pending offer; false when it was no longer pending. */
  async settle(offerId: number, outcome: Offer['outcome']): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE dispatch_offers SET outcome = $2, answered_at = clock_timestamp() WHERE id = $1 AND outcome = 'pending'`,
      [offerId, outcome],
    );
    return rowCount === 1;
  }

  async isExpired(offerId: number): Promise<boolean> {
    const { rows } = await this.db.query<{ expired: boolean }>(
      `SELECT expires_at <= clock_timestamp() AS expired FROM dispatch_offers WHERE id = $1`,
      [offerId],
    );
    return rows[0]?.expired ?? false;
  }

  /** The offer outbox (migration 021): these offers reached the phones' push stream. */
  async markPushed(offerIds: number[]): Promise<void> {
    if (offerIds.length === 0) return;
    await this.db.query({
      name: 'offers-pushed',
      text: 'UPDATE dispatch_offers SET pushed_at = clock_timestamp() WHERE id = ANY($1) AND pushed_at IS NULL',
      values: [offerIds],
    });
  }

  /** Pending offers committed more than `olderThanMs` ago and never pushed (a worker killed between commit and push). */
  async unpushed(olderThanMs: number, limit: number): Promise<Offer[]> {
    const { rows } = await this.db.query<Offer>(
      `${OFFER} WHERE outcome = 'pending' AND pushed_at IS NULL AND offered_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
       ORDER BY offered_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows;
  }

  /** Incidents whose pending offer has run out (a lost timeout job, a restarted Redis). */
  async incidentsWithExpiredOffers(limit: number): Promise<number[]> {
    const { rows } = await this.db.query<{ incidentId: number }>(
      `SELECT incident_id AS "incidentId" FROM dispatch_offers WHERE outcome = 'pending' AND expires_at <= clock_timestamp() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.incidentId);
  }
}
