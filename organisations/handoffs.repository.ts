// SQL of handoffs (交办/上报/下派), their steps, the departments' yellow cards and league.
import type { DbClient } from '../platform/db/pool.js';
import type { Handoff, HandoffEvent, HandoffKind, HandoffState, QueueItem } from './model.js';

const HANDOFF_COLUMNS = `h.id, h.incident_id AS "incidentId", h.town_id AS "townId",
  json_build_object('id', o.id, 'code', o.code, 'name', o.name, 'kind', o.kind) AS org,
  CASE WHEN f.id IS NULL THEN NULL ELSE json_build_object('id', f.id, 'name', f.name) END AS "fromOrg",
  h.kind, h.role, h.state, h.offered_at AS "offeredAt", h.note, h.accept_due_at AS "acceptDueAt",
  h.finish_due_at AS "finishDueAt", h.accepted_at AS "acceptedAt", h.fed_back_at AS "fedBackAt", h.feedback,
  h.returned_at AS "returnedAt", h.return_reason AS "returnReason", h.closed_at AS "closedAt",
  ARRAY(SELECT c.kind FROM org_yellow_cards c WHERE c.handoff_id = h.id ORDER BY c.id) AS cards`;
const HANDOFF_FROM = `handoffs h JOIN organisations o ON o.id = h.org_id LEFT JOIN organisations f ON f.id = h.from_org_id`;

export interface NewHandoff {
  incidentId: number;
  townId: number;
  orgId: number;
  fromOrgId: number | null;
  kind: HandoffKind;
  role: 'lead' | 'helper';
  offeredBy: number;
  note: string | null;
  now: Date;
  acceptMinutes: number;
  finishMinutes: number;
}

export interface QueueFilter {
  /** null: every handoff of the towns. */
  orgIds: number[] | null;
  /** null: every town. */
  townIds: number[] | null;
  open: boolean;
  state?: HandoffState;
  kind?: HandoffKind;
  townId?: number;
  overdue?: boolean;
  search?: string;
  sort: 'due' | 'offered' | 'severity' | 'town';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  now: Date;
}

export interface Card {
  id: number;
  handoffId: number;
  kind: 'accept' | 'finish';
  orgId: number;
  orgName: string;
  incidentId: number;
  townId: number;
  givenAt: Date;
}

export interface LeagueRow {
  orgId: number;
  code: string;
  name: string;
  kind: string;
  platform: string | null;
  townId: number | null;
  received: number;
  accepted: number;
  finished: number;
  returned: number;
  open: number;
  overdue: number;
  cards: number;
  acceptMinutesAvg: number | null;
  finishMinutesAvg: number | null;
  satisfaction: number | null;
}

export class HandoffsRepository {
  constructor(private readonly db: DbClient) {}

  async ofIncident(incidentId: number): Promise<Handoff[]> {
    const { rows } = await this.db.query<Handoff>(
      `SELECT ${HANDOFF_COLUMNS} FROM ${HANDOFF_FROM} WHERE h.incident_id = $1 ORDER BY h.id`,
      [incidentId],
    );
    return rows;
  }

  async get(id: number): Promise<Handoff | null> {
    const { rows } = await this.db.query<Handoff>(`SELECT ${HANDOFF_COLUMNS} FROM ${HANDOFF_FROM} WHERE h.id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Locks the incident's handoffs (one writer per incident at a time). */
  async lockIncident(incidentId: number): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(51, $1::int)`, [incidentId]);
  }

  async insert(h: NewHandoff): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO handoffs (incident_id, town_id, org_id, from_org_id, kind, role, offered_by, note, offered_at,
         accept_due_at, finish_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $9::timestamptz + make_interval(secs => $10 * 60), $9::timestamptz + make_interval(secs => $11 * 60))
       RETURNING id`,
      [
        h.incidentId,
        h.townId,
        h.orgId,
        h.fromOrgId,
        h.kind,
        h.role,
        h.offeredBy,
        h.note,
        h.now,
        h.acceptMinutes,
        h.finishMinutes,
      ],
    );
    return rows[0]!.id;
  }

  /** Moves a handoff from one of `from` to `to`, setting the step's columns; false when it was not in `from`. */
  async move(
    id: number,
    from: readonly string[],
    to: string,
    set: { accountId?: number; note?: string | null; now: Date },
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE handoffs SET state = $3,
         accepted_at = CASE WHEN $3 = 'accepted' THEN $4 ELSE accepted_at END,
         accepted_by = CASE WHEN $3 = 'accepted' THEN $5 ELSE accepted_by END,
         fed_back_at = CASE WHEN $3 = 'fed_back' THEN $4 ELSE fed_back_at END,
         feedback = CASE WHEN $3 = 'fed_back' THEN $6 ELSE feedback END,
         returned_at = CASE WHEN $3 = 'returned' THEN $4 ELSE returned_at END,
         return_reason = CASE WHEN $3 = 'returned' THEN $6 ELSE return_reason END,
         closed_at = CASE WHEN $3 IN ('closed', 'withdrawn') THEN $4 ELSE closed_at END
       WHERE id = $1 AND state = ANY($2)`,
      [id, from, to, set.now, set.accountId ?? null, set.note ?? null],
    );
    return rowCount === 1;
  }

  async addEvent(e: {
    handoffId: number | null;
    incidentId: number;
    action: string;
    accountId: number | null;
    label: string;
    orgId: number | null;
    note?: string | null;
    data?: unknown;
    at?: Date;
  }): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO handoff_events (handoff_id, incident_id, action, account_id, actor_label, actor_org_id, note, data, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, clock_timestamp())) RETURNING id`,
      [
        e.handoffId,
        e.incidentId,
        e.action,
        e.accountId,
        e.label,
        e.orgId,
        e.note ?? null,
        e.data === undefined ? null : JSON.stringify(e.data),
        e.at ?? null,
      ],
    );
    return rows[0]!.id;
  }

  async events(incidentId: number): Promise<HandoffEvent[]> {
    const { rows } = await this.db.query<HandoffEvent>(
      `SELECT e.id, e.handoff_id AS "handoffId", e.at, e.action, e.note, e.data,
         json_build_object('accountId', e.account_id, 'label', e.actor_label,
           'org', CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object('id', o.id, 'name', o.name) END) AS actor
       FROM handoff_events e LEFT JOIN organisations o ON o.id = e.actor_org_id
       WHERE e.incident_id = $1 ORDER BY e.id`,
      [incidentId],
    );
    return rows;
  }

  /**
   * One page of the handoffs held by these organisations (or every one of these towns when
   * orgIds is null), filtered and ordered here, and how many match in all. The page's ids
   * are chosen first (sort keys only), then only those rows are built.
   */
  async queue(f: QueueFilter): Promise<{ items: QueueItem[]; total: number }> {
    const params: unknown[] = [f.orgIds, f.townIds];
    const where = ['($1::bigint[] IS NULL OR h.org_id = ANY($1))', '($2::bigint[] IS NULL OR h.town_id = ANY($2))'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.state) add((p) => `h.state = ${p}`, f.state);
    else if (f.open) where.push(`h.state IN ('offered', 'accepted', 'fed_back')`);
    if (f.kind) add((p) => `h.kind = ${p}`, f.kind);
    if (f.townId !== undefined) add((p) => `h.town_id = ${p}`, f.townId);
    if (f.overdue !== undefined)
      add(
        (p) => `${f.overdue ? '' : 'NOT '}((h.state = 'offered' AND h.accept_due_at < ${p})
          OR (h.state IN ('offered', 'accepted') AND h.finish_due_at < ${p}))`,
        f.now,
      );
    if (f.search) {
      const id = /^#?(\d{1,15})$/.exec(f.search)?.[1];
      if (id) add((p) => `h.incident_id = ${p}::bigint`, id);
      else
        add(
          (p) => `(i.description ILIKE ${p} OR i.address ILIKE ${p} OR s.name ILIKE ${p})`,
          `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
        );
    }
    // Only the joins the filter and the order need: a county's count reads handoffs alone.
    const needsIncident = Boolean(f.search) || f.sort === 'severity';
    const from = `handoffs h
         ${needsIncident ? 'JOIN incidents i ON i.id = h.incident_id JOIN incident_subcategories s ON s.code = i.subcategory_code' : ''}
         ${f.sort === 'town' ? 'JOIN areas t ON t.id = h.town_id' : ''}
       WHERE ${where.join(' AND ')}`;
    const dir = f.order === 'desc' ? 'DESC' : 'ASC';
    // The deadline that binds the holder now; fed back, closed or returned: none (last).
    const nextDue = `CASE h.state WHEN 'offered' THEN h.accept_due_at WHEN 'accepted' THEN h.finish_due_at END`;
    const order = {
      due: `${nextDue} ${dir} NULLS LAST, h.offered_at DESC`,
      offered: `h.offered_at ${dir}`,
      severity: `i.severity ${dir}, ${nextDue} ASC NULLS LAST`,
      town: `t.name ${dir}, ${nextDue} ASC NULLS LAST`,
    }[f.sort];
    const countParams = [...params];
    params.push(f.limit, f.offset);
    const [page, count] = await Promise.all([
      this.db.query<QueueItem>(
        `WITH page AS (
           SELECT h.id, row_number() OVER (ORDER BY ${order}, h.id) AS n FROM ${from}
           ORDER BY n LIMIT $${params.length - 1} OFFSET $${params.length})
         SELECT ${HANDOFF_COLUMNS},
           json_build_object('id', i.id, 'subcategoryName', s.name, 'platform', i.platform, 'severity', i.severity,
             'description', i.description, 'address', i.address, 'lon', i.lon, 'lat', i.lat,
             'state', i.state, 'gridCode', gv.code, 'townName', t.name, 'reportedAt', i.reported_at) AS incident
         FROM page JOIN ${HANDOFF_FROM} ON h.id = page.id
           JOIN incidents i ON i.id = h.incident_id
           JOIN incident_subcategories s ON s.code = i.subcategory_code
           JOIN areas t ON t.id = h.town_id
           LEFT JOIN grid_versions gv ON gv.id = i.grid_version_id
         ORDER BY page.n`,
        params,
      ),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`, countParams),
    ]);
    return { items: page.rows, total: count.rows[0]!.n };
  }

  /**
   * Marks missed deadlines of handoffs due by `now` with a card to the holder: not accepted
   * in time (offered past accept_due_at), not finished in time (not fed back by finish_due_at).
   * One card per handoff and kind, whatever runs it twice.
   */
  async cardsDue(now: Date): Promise<Card[]> {
    const { rows } = await this.db.query<Card>(
      `WITH due AS (
         SELECT h.id, 'accept' AS kind, h.org_id, h.incident_id, h.town_id, h.accept_due_at AS due_at FROM handoffs h
          WHERE h.state = 'offered' AND h.accept_due_at <= $1
         UNION ALL
         SELECT h.id, 'finish', h.org_id, h.incident_id, h.town_id, h.finish_due_at FROM handoffs h
          WHERE h.state IN ('offered', 'accepted') AND h.finish_due_at <= $1
       ), given AS (
         INSERT INTO org_yellow_cards (handoff_id, kind, org_id, incident_id, town_id, given_at)
         SELECT id, kind, org_id, incident_id, town_id, due_at FROM due
         ON CONFLICT (handoff_id, kind) DO NOTHING
         RETURNING id, handoff_id, kind, org_id, incident_id, town_id, given_at
       )
       SELECT g.id, g.handoff_id AS "handoffId", g.kind, g.org_id AS "orgId", o.name AS "orgName",
         g.incident_id AS "incidentId", g.town_id AS "townId", g.given_at AS "givenAt"
       FROM given g JOIN organisations o ON o.id = g.org_id ORDER BY g.id`,
      [now],
    );
    return rows;
  }

  /** Handoffs whose next deadline falls within `withinMinutes` of now and that were not reminded yet; marks them. */
  async remindersDue(
    now: Date,
    withinMinutes: number,
  ): Promise<
    {
      id: number;
      incidentId: number;
      townId: number;
      orgId: number;
      orgName: string;
      kind: string;
      dueAt: Date;
      /** The incident's subcategory, as the message names it. */
      title: string;
    }[]
  > {
    const { rows } = await this.db.query(
      `WITH a AS (
         UPDATE handoffs h SET accept_reminded_at = $1::timestamptz
          WHERE h.state = 'offered' AND h.accept_reminded_at IS NULL
            AND h.accept_due_at > $1::timestamptz AND h.accept_due_at <= $1::timestamptz + make_interval(secs => $2 * 60)
          RETURNING h.id, h.incident_id, h.town_id, h.org_id, 'accept' AS kind, h.accept_due_at AS due_at
       ), f AS (
         UPDATE handoffs h SET finish_reminded_at = $1::timestamptz
          WHERE h.state IN ('offered', 'accepted') AND h.finish_reminded_at IS NULL
            AND h.finish_due_at > $1::timestamptz AND h.finish_due_at <= $1::timestamptz + make_interval(secs => $2 * 60)
          RETURNING h.id, h.incident_id, h.town_id, h.org_id, 'finish' AS kind, h.finish_due_at AS due_at
       )
       SELECT x.id, x.incident_id AS "incidentId", x.town_id AS "townId", x.org_id AS "orgId", o.name AS "orgName",
         x.kind, x.due_at AS "dueAt", s.name AS title
       FROM (SELECT * FROM a UNION ALL SELECT * FROM f) x JOIN organisations o ON o.id = x.org_id
         JOIN incidents i ON i.id = x.incident_id JOIN incident_subcategories s ON s.code = i.subcategory_code`,
      [now, withinMinutes],
    );
    return rows as never;
  }

  async cards(f: { townIds: number[] | null; orgId?: number; limit: number }): Promise<Card[]> {
    const { rows } = await this.db.query<Card>(
      `SELECT c.id, c.handoff_id AS "handoffId", c.kind, c.org_id AS "orgId", o.name AS "orgName",
         c.incident_id AS "incidentId", c.town_id AS "townId", c.given_at AS "givenAt"
       FROM org_yellow_cards c JOIN organisations o ON o.id = c.org_id
       WHERE ($1::bigint[] IS NULL OR c.town_id = ANY($1)) AND ($2::bigint IS NULL OR c.org_id = $2)
       ORDER BY c.given_at DESC, c.id DESC LIMIT $3`,
      [f.townIds, f.orgId ?? null, f.limit],
    );
    return rows;
  }

  /**
   * The department league: per holder organisation, over handoffs offered in [from, to):
   * received, accepted, finished (fed back), returned, still open, overdue now, cards,
   * mean minutes to accept and to finish, and the citizens' mean rating of the incidents it led.
   */
  async league(f: { townIds: number[] | null; from: Date; to: Date; now: Date }): Promise<LeagueRow[]> {
    const { rows } = await this.db.query<LeagueRow>(
      `SELECT o.id AS "orgId", o.code, o.name, o.kind, o.platform, o.town_id AS "townId",
         count(h.id)::int AS received,
         count(h.accepted_at)::int AS accepted,
         count(h.fed_back_at)::int AS finished,
         count(h.returned_at)::int AS returned,
         count(h.id) FILTER (WHERE h.state IN ('offered', 'accepted', 'fed_back'))::int AS open,
         count(h.id) FILTER (WHERE (h.state = 'offered' AND h.accept_due_at < $4)
                               OR (h.state IN ('offered', 'accepted') AND h.finish_due_at < $4))::int AS overdue,
         (SELECT count(*)::int FROM org_yellow_cards c WHERE c.org_id = o.id AND c.given_at >= $2 AND c.given_at < $3) AS cards,
         round(avg(extract(epoch FROM h.accepted_at - h.offered_at) / 60)::numeric, 1)::float8 AS "acceptMinutesAvg",
         round(avg(extract(epoch FROM h.fed_back_at - h.offered_at) / 60)::numeric, 1)::float8 AS "finishMinutesAvg",
         round(avg(i.rating) FILTER (WHERE h.role = 'lead' AND h.state = 'closed')::numeric, 2)::float8 AS satisfaction
       FROM organisations o
         LEFT JOIN handoffs h ON h.org_id = o.id AND h.offered_at >= $2 AND h.offered_at < $3
         LEFT JOIN incidents i ON i.id = h.incident_id
       WHERE o.kind IN ('department', 'village', 'county_department', 'platform', 'county_centre')
         AND ($1::bigint[] IS NULL OR o.town_id = ANY($1)
              OR (o.town_id IS NULL AND EXISTS (SELECT 1 FROM areas t WHERE t.parent_id = o.area_id AND t.id = ANY($1))))
       GROUP BY o.id
       ORDER BY cards, overdue, "acceptMinutesAvg" NULLS LAST, o.id`,
      [f.townIds, f.from, f.to, f.now],
    );
    return rows;
  }

  async deadlineRule(subcategoryCode: string): Promise<{ acceptMinutes: number; finishMinutes: number } | null> {
    const { rows } = await this.db.query<{ acceptMinutes: number; finishMinutes: number }>(
      `SELECT accept_minutes AS "acceptMinutes", finish_minutes AS "finishMinutes" FROM handoff_deadline_rules WHERE subcategory_code = $1`,
      [subcategoryCode],
    );
    return rows[0] ?? null;
  }

  async setDeadlineRule(subcategoryCode: string, acceptMinutes: number, finishMinutes: number): Promise<void> {
    await this.db.query(
      `INSERT INTO handoff_deadline_rules (subcategory_code, accept_minutes, finish_minutes) VALUES ($1, $2, $3)
       ON CONFLICT (subcategory_code) DO UPDATE SET accept_minutes = EXCLUDED.accept_minutes, finish_minutes = EXCLUDED.finish_minutes`,
      [subcategoryCode, acceptMinutes, finishMinutes],
    );
  }

  async deadlineRules(): Promise<{ subcategoryCode: string; acceptMinutes: number; finishMinutes: number }[]> {
    const { rows } = await this.db.query<{ subcategoryCode: string; acceptMinutes: number; finishMinutes: number }>(
      `SELECT subcategory_code AS "subcategoryCode", accept_minutes AS "acceptMinutes", finish_minutes AS "finishMinutes"
       FROM handoff_deadline_rules ORDER BY subcategory_code`,
    );
    return rows;
  }
}
