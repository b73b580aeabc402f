import type { DbClient } from '../platform/db/pool.js';

export interface Deadline {
  id: number;
  incidentId: number;
  kind: 'accept' | 'finish';
  dueAt: Date;
  outcome: 'met' | 'missed' | 'cancelled' | null;
  settledAt: Date | null;
}

export interface YellowCard {
  id: number;
  deadlineId: number;
  incidentId: number;
  kind: 'accept' | 'finish';
  platform: string;
  townId: number;
  villageId: number | null;
  gridId: number | null;
  personId: number | null;
  givenAt: Date;
}

const CARD = `id, deadline_id AS "deadlineId", incident_id AS "incidentId", kind, platform, town_id AS "townId", village_id AS "villageId",
  grid_id AS "gridId", person_id AS "personId", given_at AS "givenAt"`;

export class DeadlinesRepository {
  constructor(private readonly db: DbClient) {}

  async create(incidentId: number, acceptDueAt: Date, finishDueAt: Date): Promise<Deadline[]> {
    const { rows } = await this.db.query<Deadline>(
      `INSERT INTO incident_deadlines (incident_id, kind, due_at) VALUES ($1, 'accept', $2), ($1, 'finish', $3)
       RETURNING id, incident_id AS "incidentId", kind, due_at AS "dueAt", outcome, settled_at AS "settledAt"`,
      [incidentId, acceptDueAt, finishDueAt],
    );
    return rows;
  }

  /** Marks open deadlines of the incident met or cancelled; a missed one stays missed. */
  async settle(incidentId: number, kinds: Deadline['kind'][], outcome: 'met' | 'cancelled'): Promise<void> {
    await this.db.query(
      `UPDATE incident_deadlines SET outcome = $3, settled_at = clock_timestamp()
       WHERE incident_id = $1 AND kind = ANY($2) AND outcome IS NULL`,
      [incidentId, kinds, outcome],
    );
  }

  /** Work sent back: the finish deadline runs again (and may already be missed). */
  async reopenFinish(incidentId: number): Promise<Deadline | null> {
    const { rows } = await this.db.query<Deadline>(
      `UPDATE incident_deadlines SET outcome = NULL, settled_at = NULL WHERE incident_id = $1 AND kind = 'finish' AND outcome = 'met'
       RETURNING id, incident_id AS "incidentId", kind, due_at AS "dueAt", outcome, settled_at AS "settledAt"`,
      [incidentId],
    );
    return rows[0] ?? null;
  }

  async ofIncident(incidentId: number): Promise<Deadline[]> {
    const { rows } = await this.db.query<Deadline>(
      `SELECT id, incident_id AS "incidentId", kind, due_at AS "dueAt", outcome, settled_at AS "settledAt"
       FROM incident_deadlines WHERE incident_id = $1 ORDER BY due_at`,
      [incidentId],
    );
    return rows;
  }

  /**
   * Gives a yellow card for each open deadline due by `now` (one deadline when `deadlineId`
   * is set), at most `limit` at a time. The deadline is marked missed and the card made in
   * one statement, and a card is unique per deadline: a job and a sweep racing for the
   * same deadline give one card between them.
   */
  async expireDue(now: Date, limit: number, deadlineId: number | null = null): Promise<YellowCard[]> {
    const { rows } = await this.db.query<YellowCard>(
      `WITH due AS (
         SELECT id FROM incident_deadlines
         WHERE outcome IS NULL AND due_at <= $1 AND ($3::bigint IS NULL OR id = $3)
         ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), missed AS (
         -- The incident is read once, here, for both the card and the history line.
         UPDATE incident_deadlines d SET outcome = 'missed', settled_at = $1 FROM due, incidents i WHERE d.id = due.id AND i.id = d.incident_id
         RETURNING d.id, d.incident_id, d.kind, d.due_at, i.platform, i.town_id, i.village_id, i.grid_id, i.assignee_person_id, i.state
       ), cards AS (
         INSERT INTO yellow_cards (deadline_id, incident_id, kind, platform, town_id, village_id, grid_id, person_id, given_at)
         SELECT id, incident_id, kind, platform, town_id, village_id, grid_id, assignee_person_id, due_at FROM missed
         ON CONFLICT (deadline_id) DO NOTHING
         RETURNING *
       ), history AS (
         INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, note, data)
         SELECT c.incident_id, 'yellow_card', m.state, m.state, 'system', 'deadline sweep',
           CASE c.kind WHEN 'accept' THEN '未按时受理 accept deadline missed' ELSE '未按时办结 finish deadline missed' END,
           json_build_object('cardId', c.id, 'kind', c.kind, 'platform', c.platform, 'dueAt', c.given_at)
         FROM cards c JOIN missed m ON m.id = c.deadline_id
       )
       SELECT ${CARD} FROM cards`,
      [now, limit, deadlineId],
    );
    return rows;
  }

  /** Cards of a grid, to tell whether it has just been flagged. */
  async cardsOfGrids(gridIds: number[]): Promise<Map<number, number>> {
    const { rows } = await this.db.query<{ gridId: number; n: number }>(
      `SELECT grid_id AS "gridId", count(*)::int AS n FROM yellow_cards WHERE grid_id = ANY($1) GROUP BY grid_id`,
      [gridIds],
    );
    return new Map(rows.map((r) => [r.gridId, r.n]));
  }
}
