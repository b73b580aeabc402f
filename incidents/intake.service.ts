// Every report becomes an incident, whoever found it (a gridworker's phone, a camera
// alarm, a citizen through Open311, an operator): located in its grid, classified and
// routed by its subcategory, given its deadlines, and handed to the dispatcher; or,
// when an open incident of the same kind is close in space and time, attached to it
// (merged) instead of being dispatched twice.
import type { Db } from '../platform/db/pool.js';
import { GroupCommit } from '../platform/db/group-commit.js';
import { Forbidden, Unprocessable } from '../platform/errors.js';
import { TickBatch } from '../platform/tick-batch.js';
import type { GridMap } from '../gis/module.js';
import type { GridVersion } from '../gis/module.js';
import type { Deadline } from './deadlines.repository.js';
import type { IncidentEvents } from './incident-events.js';
import type { IncidentJobs } from './incident-jobs.js';
import { actorColumns, IncidentsRepository, type IntakeAnswer, type IntakeRow } from './incidents.repository.js';
import type { Actor, Incident, IncidentSource } from './model.js';
import type { Subcategory } from './taxonomy.repository.js';
import type { TaxonomyService } from './taxonomy.service.js';

// Reports written by one statement, waiting at most (then 503), and statements in flight.
const INTAKE_BATCH = {
  maxBatch: 100,
  maxQueued: 2000,
  concurrency: 2,
  overloaded: 'Too many reports are waiting to be stored; send again shortly',
};

export interface ReportInput {
  source: IncidentSource;
  subcategoryCode: string;
  description: string;
  /** WGS-84; routes convert GCJ-02 first. */
  lon: number;
  lat: number;
  address?: string | null;
  settledOnSpot?: boolean;
  reporterPersonId?: number | null;
  reporterAccountId?: number | null;
  cameraId?: number | null;
  cameraAlertId?: number | null;
  snapshotFile?: string | null;
  snapshotBytes?: number;
  contact?: Record<string, string> | null;
  attributes?: Record<string, string> | null;
  /** The towns the reporter may report in; null: any. */
  townIds?: number[] | null;
}

export interface IntakeResult {
  incident: Incident;
  reportId: number;
  /** Attached to an open incident of the same kind nearby instead of opening one. */
  merged: boolean;
}

export class IntakeService {
  private readonly writer: GroupCommit<IntakeRow, IntakeAnswer>;
  // What follows a commit goes to Redis once per burst, not once per report.
  private readonly dispatchWanted: TickBatch<number>;
  private readonly deadlinesDue: TickBatch<Deadline>;
  private readonly changes: TickBatch<{ incident: Incident; action: string }>;

  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly taxonomy: TaxonomyService,
    jobs: IncidentJobs,
    events: IncidentEvents,
  ) {
    this.writer = new GroupCommit((rows) => new IncidentsRepository(db).intake(rows), INTAKE_BATCH);
    this.dispatchWanted = new TickBatch((ids) => jobs.wantDispatch(ids));
    this.deadlinesDue = new TickBatch((deadlines) => jobs.deadlinesDue(deadlines));
    this.changes = new TickBatch((changes) => events.changedMany(changes));
  }

  async report(input: ReportInput, actor: Actor): Promise<IntakeResult> {
    const sub = await this.taxonomy.require(input.subcategoryCode);
    const grid = this.gridMap.current.lookup(input.lon, input.lat);
    if (!grid) {
      throw new Unprocessable(
        `The point ${input.lat.toFixed(6)}, ${input.lon.toFixed(6)} lies outside every town's grids`,
        { lon: input.lon, lat: input.lat },
        'outside_towns',
      );
    }
    if (input.townIds && !input.townIds.includes(grid.townId))
      throw new Forbidden(`The point lies in a town you are not scoped to (grid ${grid.code})`);

    const [actorKind, actorAccountId, actorPersonId, actorLabel] = actorColumns(actor);
    const answer = await this.writer.submit({
      town_id: grid.townId,
      village_id: grid.villageId,
      grid_id: grid.gridId,
      grid_version_id: grid.versionId,
      subcategory_code: sub.code,
      platform: sub.platform,
      severity: sub.severity,
      description: input.description,
      address: input.address ?? null,
      lon: input.lon,
      lat: input.lat,
      source: input.source,
      camera_id: input.cameraId ?? null,
      accept_minutes: sub.acceptMinutes,
      finish_minutes: sub.finishMinutes,
      merge_radius_m: sub.mergeRadiusM,
      merge_window_min: sub.mergeWindowMin,
      settled: input.settledOnSpot ?? false,
      reporter_person_id: input.reporterPersonId ?? null,
      reporter_account_id: input.reporterAccountId ?? null,
      camera_alert_id: input.cameraAlertId ?? null,
      contact: input.contact ?? null,
      attributes: input.attributes ?? null,
      actor_kind: actorKind,
      actor_label: actorLabel,
      actor_account_id: actorAccountId,
      actor_person_id: actorPersonId,
      snapshot_file: input.snapshotFile ?? null,
      snapshot_bytes: input.snapshotBytes ?? 0,
    });
    const incident = answer.deadlines
      ? this.opened(answer, input, grid, sub)
      : (await new IncidentsRepository(this.db).get(answer.incidentId))!;
    if (answer.duplicateAlert) return { incident, reportId: answer.reportId, merged: true }; // nothing changed
    await Promise.all([
      answer.deadlines ? this.dispatchWanted.add(incident.id) : null,
      answer.deadlines ? this.deadlinesDue.add(...answer.deadlines) : null,
      this.changes.add({ incident, action: answer.merged ? 'report_merged' : answer.settled ? 'settled' : 'reported' }),
    ]);
    return { incident, reportId: answer.reportId, merged: answer.merged };
  }

  /** The new incident as the repository would read it back, without the round trip (intake is the hot path). */
  private opened(answer: IntakeAnswer, input: ReportInput, grid: GridVersion, sub: Subcategory): Incident {
    const [accept, finish] = answer.deadlines!;
    return {
      id: answer.incidentId,
      townId: grid.townId,
      villageId: grid.villageId,
      gridId: grid.gridId,
      gridVersionId: grid.versionId,
      gridCode: grid.code,
      gridName: grid.name,
      subcategoryCode: sub.code,
      subcategoryName: sub.name,
      categoryCode: sub.categoryCode,
      platform: sub.platform,
      severity: sub.severity,
      description: input.description,
      address: input.address ?? null,
      lon: input.lon,
      lat: input.lat,
      source: input.source,
      state: 'reported',
      level: 'grid',
      settledOnSpot: false,
      assignee: null,
      mergedInto: null,
      cameraId: input.cameraId ?? null,
      reportCount: 1,
      rating: null,
      reportedAt: answer.reportedAt!,
      acceptedAt: null,
      handledAt: null,
      closedAt: null,
      acceptDueAt: accept!.dueAt,
      finishDueAt: finish!.dueAt,
      dispatchMisses: 0,
      updatedAt: answer.reportedAt!,
    };
  }
}
