// The SQL of the statistics and the yellow-card pages. Every query starts from a town's
// rows in a period (incidents_town_reported, yellow_cards_town), so a town's month reads
// that month only, whatever the table holds.
import type { DbClient } from '../platform/db/pool.js';
import type { IncidentState, Platform } from './model.js';

export const STATS_GROUPS = ['town', 'village', 'grid', 'platform', 'gridworker', 'category', 'subcategory'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];
export const LEAGUE_GROUPS = ['grid', 'platform', 'village'] as const;
export type LeagueGroup = (typeof LEAGUE_GROUPS)[number];

export interface StatsQuery {
  groupBy: StatsGroup;
  /** null: every town. */
  townIds: number[] | null;
  from: Date;
  to: Date;
  now: Date;
}

export interface StatsRow {
  /** Whether this is the totals row. */
  total: boolean;
  /** Area, grid or person id; null for platforms, categories and the "none" row. */
  id: number | null;
  code: string | null;
  name: string | null;
  received: number;
  closed: number;
  settledOnSpot: number;
  openNow: number;
  overdueNow: number;
  acceptP50S: number | null;
  acceptP95S: number | null;
  closeP50S: number | null;
  closeP95S: number | null;
  yellowCards: number;
  /** The citizens' mean rating (1–5) at the revisit (回访), and how many rated. */
  satisfaction: number | null;
  rated: number;
  /** Grids only: every card the grid ever got (the flag counts these). */
  cardsAllTime: number | null;
}

export interface CardFilter {
  townIds: number[] | null;
  gridId?: number;
  platform?: Platform;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

export interface CardWithIncident {
  id: number;
  kind: 'accept' | 'finish';
  platform: Platform;
  givenAt: Date;
  town: { id: number; code: string; name: string };
  village: { id: number; code: string; name: string } | null;
  grid: { id: number; code: string | null; name: string | null } | null;
  person: { id: number; name: string } | null;
  incident: {
    id: number;
    subcategoryCode: string;
    subcategoryName: string;
    description: string;
    state: IncidentState;
    deadlineKind: 'accept' | 'finish';
    dueAt: Date;
  };
}

export interface LeagueRow {
  id: number | null;
  code: string | null;
  name: string | null;
  count: number;
  lastGivenAt: Date;
  /** Grids only. */
  cardsAllTime: number | null;
}

export interface GridRef {
  id: number;
  code: string;
  name: string;
  townId: number;
  village: { code: string; name: string };
  town: { code: string; name: string };
}

/**
 * How each grouping reads its key from an incident (`i`, its subcategory `s`) and from a
 * card (`c`, or its incident `ci` and subcategory `cs`), and finds the key's names (`n`,
 * from the grouped row `r` whose key `k` is text, '' for none). A card counts for the
 * grid, platform and person it was given to, not for whoever holds the incident now.
 */
interface Dimension {
  incidentKey: string;
  cardKey: string;
  cardsNeedIncident: boolean;
  names: string;
  id: string;
  code: string;
  name: string;
}

const AREA_NAMES = `LEFT JOIN areas n ON n.id = NULLIF(r.k, '')::bigint`;
// A grid's names are those of its current version, or of the last one it had.
const GRID_NAMES = `LEFT JOIN LATERAL (SELECT v.code, v.name FROM grid_versions v WHERE v.grid_id = NULLIF(r.k, '')::bigint
  ORDER BY v.valid_to DESC NULLS FIRST LIMIT 1) n ON true`;
const ID = `NULLIF(r.k, '')::bigint`;

const DIMENSIONS: Record<StatsGroup, Dimension> = {
  town: {
    incidentKey: 'i.town_id::text',
    cardKey: 'c.town_id::text',
    cardsNeedIncident: false,
    names: AREA_NAMES,
    id: ID,
    code: 'n.code',
    name: 'n.name',
  },
  village: {
    incidentKey: 'i.village_id::text',
    cardKey: 'c.village_id::text',
    cardsNeedIncident: false,
    names: AREA_NAMES,
    id: ID,
    code: 'n.code',
    name: 'n.name',
  },
  grid: {
    incidentKey: 'i.grid_id::text',
    cardKey: 'c.grid_id::text',
    cardsNeedIncident: false,
    names: GRID_NAMES,
    id: ID,
    code: 'n.code',
    name: 'n.name',
  },
  platform: {
    incidentKey: 'i.platform::text',
    cardKey: 'c.platform::text',
    cardsNeedIncident: false,
    names: '',
    id: 'NULL::bigint',
    code: `NULLIF(r.k, '')`,
    name: 'NULL::text',
  },
  gridworker: {
    incidentKey: 'i.assignee_person_id::text',
    cardKey: 'c.person_id::text',
    cardsNeedIncident: false,
    names: `LEFT JOIN people n ON n.id = NULLIF(r.k, '')::bigint`,
    id: ID,
    code: 'NULL::text',
    name: 'n.name',
  },
  category: {
    incidentKey: 's.category_code',
    cardKey: 'cs.category_code',
    cardsNeedIncident: true,
    names: `LEFT JOIN incident_categories n ON n.code = r.k`,
    id: 'NULL::bigint',
    code: `NULLIF(r.k, '')`,
    name: 'n.name',
  },
  subcategory: {
    incidentKey: 'i.subcategory_code',
    cardKey: 'ci.subcategory_code',
    cardsNeedIncident: true,
    names: `LEFT JOIN incident_subcategories n ON n.code = r.k`,
    id: 'NULL::bigint',
    code: `NULLIF(r.k, '')`,
    name: 'n.name',
  },
};

const seconds = (from: string, to: string) => `extract(epoch FROM ${to} - ${from})::float8`;

export class StatsRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * One row per group plus the totals row (GROUPING SETS: one pass over the period).
   * Incidents count by when they were reported; merged ones are reports of another and
   * are left out. Cards count by when they were given. Settled-on-the-spot incidents
   * are closed at once, so they stay out of the time to close.
   */
  async incidentStats(q: StatsQuery): Promise<StatsRow[]> {
    const d = DIMENSIONS[q.groupBy];
    const params: unknown[] = [q.from, q.to, q.now];
    const townOf = (column: string) => {
      if (q.townIds === null) return '';
      params.push(q.townIds);
      return ` AND ${column} = ANY($${params.length}::bigint[])`;
    };
    // Keys are text, '' for none; the totals row has the grouped key NULL, made '' too
    // so that its incident and card halves meet in the join.
    const incidentKey = `COALESCE(${d.incidentKey}, '')`;
    const cardKey = `COALESCE(${d.cardKey}, '')`;
    const open = `i.state <> 'closed'`;
    const closeTimed = `i.state = 'closed' AND NOT i.settled_on_spot`;
    const sql = `
      WITH inc AS (
        SELECT COALESCE(${incidentKey}, '') AS k, GROUPING(${incidentKey}) = 1 AS total,
          count(*)::int AS received,
          count(*) FILTER (WHERE i.state = 'closed')::int AS closed,
          count(*) FILTER (WHERE i.settled_on_spot)::int AS "settledOnSpot",
          count(*) FILTER (WHERE ${open})::int AS "openNow",
          count(*) FILTER (WHERE ${open} AND ((i.accepted_at IS NULL AND i.accept_due_at <= $3)
                                           OR (i.handled_at IS NULL AND i.finish_due_at <= $3)))::int AS "overdueNow",
          percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds('i.reported_at', 'i.accepted_at')}) AS "acceptP50S",
          percentile_cont(0.95) WITHIN GROUP (ORDER BY ${seconds('i.reported_at', 'i.accepted_at')}) AS "acceptP95S",
          percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds('i.reported_at', 'i.closed_at')}) FILTER (WHERE ${closeTimed}) AS "closeP50S",
          percentile_cont(0.95) WITHIN GROUP (ORDER BY ${seconds('i.reported_at', 'i.closed_at')}) FILTER (WHERE ${closeTimed}) AS "closeP95S",
          round(avg(i.rating)::numeric, 2)::float8 AS satisfaction,
          count(i.rating)::int AS rated
        FROM incidents i JOIN incident_subcategories s ON s.code = i.subcategory_code
        WHERE i.reported_at >= $1 AND i.reported_at < $2 AND i.state <> 'merged'${townOf('i.town_id')}
        GROUP BY GROUPING SETS ((${incidentKey}), ())
      ), cards AS (
        SELECT COALESCE(${cardKey}, '') AS k, GROUPING(${cardKey}) = 1 AS total, count(*)::int AS cards
        FROM yellow_cards c
        ${d.cardsNeedIncident ? 'JOIN incidents ci ON ci.id = c.incident_id JOIN incident_subcategories cs ON cs.code = ci.subcategory_code' : ''}
        WHERE c.given_at >= $1 AND c.given_at < $2${townOf('c.town_id')}
        GROUP BY GROUPING SETS ((${cardKey}), ())
      ), r AS (
        SELECT COALESCE(inc.k, cards.k) AS k, COALESCE(inc.total, cards.total) AS total, inc.received, inc.closed, inc."settledOnSpot",
          inc."openNow", inc."overdueNow", inc."acceptP50S", inc."acceptP95S", inc."closeP50S", inc."closeP95S", inc.satisfaction, inc.rated, cards.cards
        FROM inc FULL JOIN cards ON cards.k = inc.k AND cards.total = inc.total
      )
      SELECT r.total,
        CASE WHEN r.total THEN NULL ELSE ${d.id} END AS id,
        CASE WHEN r.total THEN NULL ELSE ${d.code} END AS code,
        CASE WHEN r.total THEN NULL ELSE ${d.name} END AS name,
        COALESCE(r.received, 0) AS received, COALESCE(r.closed, 0) AS closed, COALESCE(r."settledOnSpot", 0) AS "settledOnSpot",
        COALESCE(r."openNow", 0) AS "openNow", COALESCE(r."overdueNow", 0) AS "overdueNow",
        r."acceptP50S", r."acceptP95S", r."closeP50S", r."closeP95S", COALESCE(r.cards, 0) AS "yellowCards",
        r.satisfaction, COALESCE(r.rated, 0) AS rated,
        ${q.groupBy === 'grid' ? `CASE WHEN r.total OR r.k = '' THEN NULL ELSE (SELECT count(*)::int FROM yellow_cards y WHERE y.grid_id = NULLIF(r.k, '')::bigint) END` : 'NULL::int'} AS "cardsAllTime"
      FROM r ${d.names}
      ORDER BY r.total, COALESCE(r.received, 0) DESC, COALESCE(r.cards, 0) DESC, code NULLS LAST`;
    const { rows } = await this.db.query<StatsRow>(sql, params);
    return rows;
  }

  /** Cards with the incident and the deadline behind each, newest first. */
  async cards(f: CardFilter): Promise<{ items: CardWithIncident[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.townIds !== null) add((p) => `c.town_id = ANY(${p}::bigint[])`, f.townIds);
    if (f.gridId !== undefined) add((p) => `c.grid_id = ${p}`, f.gridId);
    if (f.platform !== undefined) add((p) => `c.platform = ${p}::platform`, f.platform);
    if (f.since !== undefined) add((p) => `c.given_at >= ${p}`, f.since);
    if (f.until !== undefined) add((p) => `c.given_at < ${p}`, f.until);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ rows }, count] = await Promise.all([
      this.db.query<CardRow>(
        `SELECT c.id, c.kind, c.platform, c.given_at, c.town_id, t.code AS town_code, t.name AS town_name,
           c.village_id, v.code AS village_code, v.name AS village_name, c.grid_id, g.code AS grid_code, g.name AS grid_name,
           c.person_id, p.name AS person_name, i.id AS incident_id, i.subcategory_code, s.name AS subcategory_name, i.description,
           i.state, d.kind AS deadline_kind, d.due_at
         FROM yellow_cards c
         JOIN incidents i ON i.id = c.incident_id
         JOIN incident_subcategories s ON s.code = i.subcategory_code
         JOIN incident_deadlines d ON d.id = c.deadline_id
         JOIN areas t ON t.id = c.town_id
         LEFT JOIN areas v ON v.id = c.village_id
         LEFT JOIN people p ON p.id = c.person_id
         LEFT JOIN LATERAL (SELECT code, name FROM grid_versions WHERE grid_id = c.grid_id ORDER BY valid_to DESC NULLS FIRST LIMIT 1) g ON true
         ${filter}
         ORDER BY c.given_at DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, f.limit, f.offset],
      ),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM yellow_cards c ${filter}`, params),
    ]);
    return { items: rows.map(cardOf), total: count.rows[0]!.n };
  }

  /** Cards per grid, platform or village in a period, most first. */
  async league(
    groupBy: LeagueGroup,
    townIds: number[] | null,
    since: Date | null,
    until: Date | null,
  ): Promise<LeagueRow[]> {
    const d = DIMENSIONS[groupBy];
    const where: string[] = [];
    const params: unknown[] = [];
    if (townIds !== null) where.push(`c.town_id = ANY($${params.push(townIds)}::bigint[])`);
    if (since !== null) where.push(`c.given_at >= $${params.push(since)}`);
    if (until !== null) where.push(`c.given_at < $${params.push(until)}`);
    const allTime =
      groupBy === 'grid'
        ? `(SELECT count(*)::int FROM yellow_cards y WHERE y.grid_id = NULLIF(r.k, '')::bigint)`
        : 'NULL::int';
    const { rows } = await this.db.query<LeagueRow>(
      `WITH r AS (
         SELECT COALESCE(${d.cardKey}, '') AS k, count(*)::int AS count, max(c.given_at) AS "lastGivenAt"
         FROM yellow_cards c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         GROUP BY 1
       )
       SELECT ${d.id} AS id, ${d.code} AS code, ${d.name} AS name, r.count, r."lastGivenAt",
         CASE WHEN r.k = '' THEN NULL ELSE ${allTime} END AS "cardsAllTime"
       FROM r ${d.names}
       ORDER BY r.count DESC, r."lastGivenAt" DESC, code NULLS LAST`,
      params,
    );
    return rows;
  }

  /** A grid by its code (its current version, or its last one), with its village and town. */
  async gridByCode(code: string): Promise<GridRef | null> {
    const { rows } = await this.db.query<GridRef>(
      `SELECT v.grid_id AS id, v.code, v.name, v.town_id AS "townId",
         json_build_object('code', va.code, 'name', va.name) AS village, json_build_object('code', ta.code, 'name', ta.name) AS town
       FROM grid_versions v JOIN areas va ON va.id = v.village_id JOIN areas ta ON ta.id = v.town_id
       WHERE v.code = $1 ORDER BY v.valid_to DESC NULLS FIRST LIMIT 1`,
      [code],
    );
    return rows[0] ?? null;
  }

  async cardCountOfGrid(gridId: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM yellow_cards WHERE grid_id = $1`,
      [gridId],
    );
    return rows[0]!.n;
  }

  async townByCode(code: string): Promise<{ id: number; code: string; name: string } | null> {
    const { rows } = await this.db.query<{ id: number; code: string; name: string }>(
      `SELECT id, code, name FROM areas WHERE code = $1 AND level = 'town'`,
      [code],
    );
    return rows[0] ?? null;
  }
}

interface CardRow {
  id: number;
  kind: 'accept' | 'finish';
  platform: Platform;
  given_at: Date;
  town_id: number;
  town_code: string;
  town_name: string;
  village_id: number | null;
  village_code: string | null;
  village_name: string | null;
  grid_id: number | null;
  grid_code: string | null;
  grid_name: string | null;
  person_id: number | null;
  person_name: string | null;
  incident_id: number;
  subcategory_code: string;
  subcategory_name: string;
  description: string;
  state: IncidentState;
  deadline_kind: 'accept' | 'finish';
  due_at: Date;
}

function cardOf(r: CardRow): CardWithIncident {
  return {
    id: r.id,
    kind: r.kind,
    platform: r.platform,
    givenAt: r.given_at,
    town: { id: r.town_id, code: r.town_code, name: r.town_name },
    village: r.village_id === null ? null : { id: r.village_id, code: r.village_code!, name: r.village_name! },
    grid: r.grid_id === null ? null : { id: r.grid_id, code: r.grid_code, name: r.grid_name },
    person: r.person_id === null ? null : { id: r.person_id, name: r.person_name! },
    incident: {
      id: r.incident_id,
      subcategoryCode: r.subcategory_code,
      subcategoryName: r.subcategory_name,
      description: r.description,
      state: r.state,
      deadlineKind: r.deadline_kind,
      dueAt: r.due_at,
    },
  };
}
