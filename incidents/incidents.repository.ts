import type { DbClient } from '../platform/db/pool.js';
import type { Deadline } from './deadlines.repository.js';
import type { Actor, EscalationLevel, Incident, IncidentSource, IncidentState, Platform } from './model.js';
import { OPEN_TASK_STATES } from './state-machine.js';

/** One report as incident_intake() takes it (migration 010): where, what, who, and the routing rules of its subcategory. */
export interface IntakeRow {
  town_id: number;
  village_id: number | null;
  grid_id: number;
  grid_version_id: number;
  subcategory_code: string;
  platform: Platform;
  severity: number;
  description: string;
  address: string | null;
  lon: number;
  lat: number;
  source: IncidentSource;
  camera_id: number | null;
  accept_minutes: number;
  finish_minutes: number;
  merge_radius_m: number;
  merge_window_min: number;
  settled: boolean;
  reporter_person_id: number | null;
  reporter_account_id: number | null;
  camera_alert_id: number | null;
  contact: Record<string, string> | null;
  attributes: Record<string, string> | null;
  actor_kind: string;
  actor_label: string;
  actor_account_id: number | null;
  actor_person_id: number | null;
  snapshot_file: string | null;
  snapshot_bytes: number;
}

/** What intake did with one report. */
export interface IntakeAnswer {
  incidentId: number;
  reportId: number;
  /** Attached to an open incident of the same kind nearby. */
  merged: boolean;
  created: boolean;
  /** Opened and closed at once (就地化解). */
  settled?: boolean;
  /** The camera alert had already been made into this incident; nothing was written. */
  duplicateAlert?: boolean;
  /** A new incident waiting for dispatch: when it was reported and its two deadlines. */
  reportedAt?: Date;
  deadlines?: Deadline[];
}

export interface HistoryEntry {
  incidentId: number;
  action: string;
  fromState: IncidentState | null;
  toState: IncidentState;
  actor: Actor;
  lon?: number | null;
  lat?: number | null;
  note?: string | null;
  data?: unknown;
}

export interface TimelineEntry {
  id: number;
  at: Date;
  action: string;
  fromState: IncidentState | null;
  toState: IncidentState;
  actor: { kind: Actor['kind']; label: string; accountId: number | null; personId: number | null };
  lon: number | null;
  lat: number | null;
  note: string | null;
  data: unknown;
}

export interface Report {
  id: number;
  source: IncidentSource;
  subcategoryCode: string;
  description: string;
  lon: number;
  lat: number;
  reporterPersonId: number | null;
  reporterAccountId: number | null;
  cameraAlertId: number | null;
  /** A citizen's contact, for the revisit (回访): the command room's eyes only. */
  contact: Record<string, string> | null;
  attributes: Record<string, string> | null;
  receivedAt: Date;
}

export interface IncidentFilter {
  townIds: number[] | null;
  states?: IncidentState[];
  open?: boolean;
  gridId?: number;
  platform?: Platform;
  assigneePersonId?: number;
  source?: IncidentSource;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

/** The row a transition locks and reads. */
export interface LockedIncident {
  id: number;
  townId: number;
  state: IncidentState;
  level: EscalationLevel;
  assigneePersonId: number | null;
  lon: number;
  lat: number;
  gridId: number | null;
  dispatchWanted: boolean;
  dispatchMisses: number;
  pendingOfferId: number | null;
  pendingOfferPersonId: number | null;
}

const SELECT = `SELECT i.id, i.town_id AS "townId", i.village_id AS "villageId", i.grid_id AS "gridId", i.grid_version_id AS "gridVersionId",
  g.code AS "gridCode", g.name AS "gridName", i.subcategory_code AS "subcategoryCode", s.name AS "subcategoryName",
  s.category_code AS "categoryCode", i.platform, i.severity, i.description, i.address, i.lon, i.lat, i.source, i.state, i.level,
  i.settled_on_spot AS "settledOnSpot",
  CASE WHEN p.id IS NULL THEN NULL ELSE json_build_object('personId', p.id, 'name', p.name) END AS assignee,
  i.merged_into AS "mergedInto", i.camera_id AS "cameraId", i.report_count AS "reportCount", i.rating,
  i.reported_at AS "reportedAt", i.accepted_at AS "acceptedAt", i.handled_at AS "handledAt", i.closed_at AS "closedAt",
  i.accept_due_at AS "acceptDueAt", i.finish_due_at AS "finishDueAt", i.dispatch_misses AS "dispatchMisses", i.updated_at AS "updatedAt"
  FROM incidents i
  JOIN incident_subcategories s ON s.code = i.subcategory_code
  LEFT JOIN grid_versions g ON g.id = i.grid_version_id
  LEFT JOIN people p ON p.id = i.assignee_person_id`;

export function actorColumns(actor: Actor): [string, number | null, number | null, string] {
  switch (actor.kind) {
    case 'account':
      return ['account', actor.accountId, actor.personId, actor.label];
    case 'phone':
      return ['phone', null, actor.personId, actor.label];
    default:
      return [actor.kind, null, null, actor.label];
  }
}

export class IncidentsRepository {
  constructor(private readonly db: DbClient) {}

  /**
   * Takes in a batch of reports in one statement: per report, merged into a matching open
   * incident nearby or opened with its deadlines and first history line (or settled on the
   * spot); one answer per row, in order. The batch commits or fails whole.
   */
  async intake(rows: IntakeRow[]): Promise<IntakeAnswer[]> {
    const {
      rows: [result],
    } = await this.db.query<{
      answers: (IntakeAnswer & { reportedAt?: string; deadlines?: (Omit<Deadline, 'dueAt'> & { dueAt: string })[] })[];
    }>({
      name: 'incident-intake',
      text: 'SELECT incident_intake($1::jsonb) AS answers',
      values: [JSON.stringify(rows)],
    });
    return result!.answers.map((a) => ({
      ...a,
      reportedAt: a.reportedAt === undefined ? undefined : new Date(a.reportedAt),
      deadlines: a.deadlines?.map((d) => ({
        ...d,
        dueAt: new Date(d.dueAt),
        settledAt: d.settledAt && new Date(d.settledAt),
      })),
    }));
  }

  async appendHistory(e: HistoryEntry): Promise<number> {
    const [kind, accountId, personId, label] = actorColumns(e.actor);
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, lon, lat, note, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        e.incidentId,
        e.action,
        e.fromState,
        e.toState,
        kind,
        label,
        accountId,
        personId,
        e.lon ?? null,
        e.lat ?? null,
        e.note ?? null,
        e.data === undefined ? null : JSON.stringify(e.data),
      ],
    );
    return rows[0]!.id;
  }

  async lock(id: number): Promise<LockedIncident | null> {
    const { rows } = await this.db.query<Omit<LockedIncident, 'pendingOfferId' | 'pendingOfferPersonId'>>(
      `SELECT id, town_id AS "townId", state, level, assignee_person_id AS "assigneePersonId", lon, lat, grid_id AS "gridId",
         dispatch_wanted AS "dispatchWanted", dispatch_misses AS "dispatchMisses"
       FROM incidents WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!rows[0]) return null;
    // A statement of its own after the lock: under READ COMMITTED it sees what the
    // transaction we waited for committed (a join in the locking query would not).
    const offer = await this.db.query<{ id: number; personId: number }>(
      `SELECT id, person_id AS "personId" FROM dispatch_offers WHERE incident_id = $1 AND outcome = 'pending'`,
      [id],
    );
    return {
      ...rows[0],
      pendingOfferId: offer.rows[0]?.id ?? null,
      pendingOfferPersonId: offer.rows[0]?.personId ?? null,
    };
  }

  /** Moves the incident to `state`, stamping the time the loop's milestones were reached. */
  async setState(
    id: number,
    state: IncidentState,
    extra: {
      level?: EscalationLevel;
      assignee?: number | null;
      rating?: number;
      mergedInto?: number;
      settledOnSpot?: boolean;
      dispatchWanted?: boolean;
    } = {},
  ): Promise<void> {
    await this.db.query(
      `UPDATE incidents SET state = $2::incident_state, updated_at = clock_timestamp(),
         level = COALESCE($3::escalation_level, level),
         assignee_person_id = CASE WHEN $4::boolean THEN $5 ELSE assignee_person_id END,
         rating = COALESCE($6, rating),
         merged_into = COALESCE($7, merged_into),
         settled_on_spot = COALESCE($8, settled_on_spot),
         dispatch_wanted = COALESCE($9, dispatch_wanted),
         accepted_at = CASE WHEN $2::incident_state = 'accepted' AND accepted_at IS NULL THEN clock_timestamp() ELSE accepted_at END,
         handled_at = CASE WHEN $2::incident_state = 'handled' THEN clock_timestamp() WHEN $2::incident_state = 'returned' THEN NULL ELSE handled_at END,
         closed_at = CASE WHEN $2::incident_state IN ('closed', 'merged') THEN clock_timestamp() ELSE closed_at END
       WHERE id = $1`,
      [
        id,
        state,
        extra.level ?? null,
        extra.assignee !== undefined,
        extra.assignee ?? null,
        extra.rating ?? null,
        extra.mergedInto ?? null,
        extra.settledOnSpot ?? null,
        extra.dispatchWanted ?? null,
      ],
    );
  }

  async addMiss(id: number): Promise<number> {
    const { rows } = await this.db.query<{ misses: number }>(
      `UPDATE incidents SET dispatch_misses = dispatch_misses + 1 WHERE id = $1 RETURNING dispatch_misses AS misses`,
      [id],
    );
    return rows[0]!.misses;
  }

  async get(id: number): Promise<Incident | null> {
    const { rows } = await this.db.query<Incident>(`${SELECT} WHERE i.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async getMany(ids: number[]): Promise<Incident[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<Incident>(`${SELECT} WHERE i.id = ANY($1::bigint[])`, [ids]);
    return rows;
  }

  async list(f: IncidentFilter): Promise<{ items: Incident[]; total: number }> {
    const where = [
      '($1::bigint[] IS NULL OR i.town_id = ANY($1))',
      '($2::incident_state[] IS NULL OR i.state = ANY($2))',
      `($3::boolean IS NULL OR (i.state NOT IN ('closed', 'merged')) = $3)`,
      '($4::bigint IS NULL OR i.grid_id = $4)',
      '($5::platform IS NULL OR i.platform = $5)',
      '($6::bigint IS NULL OR i.assignee_person_id = $6)',
      '($7::incident_source IS NULL OR i.source = $7)',
      '($8::timestamptz IS NULL OR i.reported_at >= $8)',
      '($9::timestamptz IS NULL OR i.reported_at < $9)',
    ].join(' AND ');
    const params = [
      f.townIds,
      f.states ?? null,
      f.open ?? null,
      f.gridId ?? null,
      f.platform ?? null,
      f.assigneePersonId ?? null,
      f.source ?? null,
      f.since ?? null,
      f.until ?? null,
    ];
    // The queue order of the command room: most severe first, then the nearest deadline.
    const [{ rows }, count] = await Promise.all([
      this.db.query<Incident>(
        `${SELECT} WHERE ${where} ORDER BY i.severity DESC, LEAST(i.accept_due_at, i.finish_due_at), i.id LIMIT $10 OFFSET $11`,
        [...params, f.limit, f.offset],
      ),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents i WHERE ${where}`, params),
    ]);
    return { items: rows, total: count.rows[0]!.n };
  }

  async timeline(id: number): Promise<TimelineEntry[]> {
    const { rows } = await this.db.query<TimelineEntry>(
      `SELECT id, at, action, from_state AS "fromState", to_state AS "toState",
         json_build_object('kind', actor_kind, 'label', actor_label, 'accountId', actor_account_id, 'personId', actor_person_id) AS actor,
         lon, lat, note, data
       FROM incident_history WHERE incident_id = $1 ORDER BY id`,
      [id],
    );
    return rows;
  }

  async reports(id: number): Promise<Report[]> {
    const { rows } = await this.db.query<Report>(
      `SELECT id, source, subcategory_code AS "subcategoryCode", description, lon, lat, reporter_person_id AS "reporterPersonId",
         reporter_account_id AS "reporterAccountId", camera_alert_id AS "cameraAlertId", contact, attributes, received_at AS "receivedAt"
       FROM incident_reports WHERE incident_id = $1 ORDER BY id`,
      [id],
    );
    return rows;
  }

  /** Attaches a pushed stream; false when it was attached already. */
  async attachLiveSource(incidentId: number, liveSourceId: number, accountId: number | null): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO incident_live_sources (incident_id, live_source_id, attached_by_account_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [incidentId, liveSourceId, accountId],
    );
    return rowCount === 1;
  }

  async liveSourcesOf(
    incidentId: number,
  ): Promise<{ id: number; name: string; live: boolean; townId: number; attachedAt: Date }[]> {
    const { rows } = await this.db.query<{ id: number; name: string; live: boolean; townId: number; attachedAt: Date }>(
      `SELECT s.id, s.name, s.live_since IS NOT NULL AS live, s.town_id AS "townId", a.attached_at AS "attachedAt"
       FROM incident_live_sources a JOIN live_sources s ON s.id = a.live_source_id WHERE a.incident_id = $1 ORDER BY a.attached_at`,
      [incidentId],
    );
    return rows;
  }

  /** Whether the person holds an open task other than this incident (accepted, started or sent back). */
  async holdsOtherTask(personId: number, incidentId: number): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM incidents WHERE assignee_person_id = $1 AND id <> $2 AND state = ANY($3::incident_state[]) LIMIT 1`,
      [personId, incidentId, OPEN_TASK_STATES],
    );
    return rows.length > 0;
  }

  async liveSourceTown(liveSourceId: number): Promise<number | null> {
    const { rows } = await this.db.query<{ townId: number }>(
      `SELECT town_id AS "townId" FROM live_sources WHERE id = $1`,
      [liveSourceId],
    );
    return rows[0]?.townId ?? null;
  }

  async gridIdByCode(code: string): Promise<number | null> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT grid_id AS id FROM grid_versions WHERE code = $1 ORDER BY valid_to DESC NULLS FIRST LIMIT 1`,
      [code],
    );
    return rows[0]?.id ?? null;
  }

  async townIdByCode(code: string): Promise<number | null> {
    const { rows } = await this.db.query<{ id: number }>(`SELECT id FROM areas WHERE code = $1 AND level = 'town'`, [
      code,
    ]);
    return rows[0]?.id ?? null;
  }

  /** Incidents whose dispatch is wanted but has no pending offer: their job may be lost. */
  async wantingDispatch(limit: number): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT i.id FROM incidents i
       WHERE i.dispatch_wanted AND i.updated_at < now() - interval '2 seconds'
         AND NOT EXISTS (SELECT 1 FROM dispatch_offers o WHERE o.incident_id = i.id AND o.outcome = 'pending')
       ORDER BY i.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }
}
