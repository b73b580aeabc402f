// SQL of the county's comparison of its towns: where each town lies (its box and a point
// inside it, for the map), and what its organisations did with the cases handed to them.
import type { DbClient } from '../platform/db/pool.js';

export interface TownHandoffRow {
  id: number;
  code: string;
  name: string;
  /** [west, south, east, north], WGS-84. */
  bbox: [number, number, number, number];
  /** A point inside the town, for its label. */
  centre: [number, number];
  /** Handoffs (交办, 上报, 下派) offered in the period. */
  handoffs: number;
  /** Of those, escalated to the county (上报). */
  escalated: number;
  /** Handoffs open now and past a deadline (not accepted, or not fed back, in time). */
  handoffsOverdue: number;
  /** Yellow cards given to its organisations in the period. */
  orgCards: number;
}

export class CountyRepository {
  constructor(private readonly db: DbClient) {}

  /** Every town of these (null: every town), by code. */
  async towns(f: { townIds: number[] | null; from: Date; to: Date; now: Date }): Promise<TownHandoffRow[]> {
    const { rows } = await this.db.query<TownHandoffRow>(
      `SELECT t.id, t.code, t.name,
         ARRAY[ST_XMin(t.geom), ST_YMin(t.geom), ST_XMax(t.geom), ST_YMax(t.geom)]::float8[] AS bbox,
         ARRAY[ST_X(p.c), ST_Y(p.c)]::float8[] AS centre,
         COALESCE(h.handoffs, 0) AS handoffs, COALESCE(h.escalated, 0) AS escalated,
         COALESCE(o.overdue, 0) AS "handoffsOverdue", COALESCE(c.cards, 0) AS "orgCards"
       FROM areas t
         CROSS JOIN LATERAL (SELECT ST_PointOnSurface(t.geom) AS c) p
         LEFT JOIN (
           SELECT town_id, count(*)::int AS handoffs, count(*) FILTER (WHERE kind = 'escalation')::int AS escalated
           FROM handoffs WHERE offered_at >= $2 AND offered_at < $3 GROUP BY town_id) h ON h.town_id = t.id
         LEFT JOIN (
           SELECT town_id, count(*)::int AS overdue FROM handoffs
           WHERE (state = 'offered' AND accept_due_at < $4) OR (state IN ('offered', 'accepted') AND finish_due_at < $4)
           GROUP BY town_id) o ON o.town_id = t.id
         LEFT JOIN (
           SELECT town_id, count(*)::int AS cards FROM org_yellow_cards
           WHERE given_at >= $2 AND given_at < $3 GROUP BY town_id) c ON c.town_id = t.id
       WHERE t.level = 'town' AND ($1::bigint[] IS NULL OR t.id = ANY($1))
       ORDER BY t.code`,
      [f.townIds, f.from, f.to, f.now],
    );
    return rows;
  }
}
