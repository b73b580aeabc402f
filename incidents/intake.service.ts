// Every report becomes an incident, whoever found it (a gridworker's phone, a camera
// alarm, a citizen through Open311, an operator): located in its grid, classified and
// routed by its subcategory, given its deadlines, and handed to the dispatcher; or,
// when an open incident of the same kind is close in space and time, attached to it
// (merged) instead of being dispatched twice.
import { inTransaction, type Db } from '../server/db/pool.js';
import { Forbidden, Unprocessable } from '../server/errors.js';
import type { GridMap } from '../gis/map-revision.js';
import { DeadlinesRepository } from './deadlines.repository.js';
import type { IncidentEvents } from './incident-events.js';
import type { IncidentJobs } from './incident-jobs.js';
import { IncidentsRepository } from './incidents.repository.js';
import { MediaRepository } from './media.repository.js';
import type { Actor, Incident, IncidentSource } from './model.js';
import type { TaxonomyService } from './taxonomy.service.js';

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
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly taxonomy: TaxonomyService,
    private readonly jobs: IncidentJobs,
    private readonly events: IncidentEvents,
  ) {}

  async report(input: ReportInput, actor: Actor): Promise<IntakeResult> {
    const sub = await this.taxonomy.require(input.subcategoryCode);
    const grid = this.gridMap.current.lookup(input.lon, input.lat);
    if (!grid) {
      throw new Unprocessable(`The point ${input.lat.toFixed(6)}, ${input.lon.toFixed(6)} lies outside every town's grids`, { lon: input.lon, lat: input.lat }, 'outside_towns');
    }
    if (input.townIds && !input.townIds.includes(grid.townId)) throw new Forbidden(`The point lies in a town you are not scoped to (grid ${grid.code})`);

    const done = await inTransaction(this.db, async (tx) => {
      const repo = new IncidentsRepository(tx);
      if (input.cameraAlertId != null) {
        const already = await repo.reportOfAlert(input.cameraAlertId);
        if (already) return { incidentId: already.incidentId, reportId: already.reportId, merged: true, created: false, deadlines: [] };
      }
      await repo.lockIntake(grid.townId, sub.code);
      const reportInput = {
        source: input.source, subcategoryCode: sub.code, description: input.description, lon: input.lon, lat: input.lat,
        reporterPersonId: input.reporterPersonId ?? null, reporterAccountId: input.reporterAccountId ?? null,
        cameraAlertId: input.cameraAlertId ?? null, contact: input.contact ?? null, attributes: input.attributes ?? null,
      };
      const reportOf = (incidentId: number) => repo.insertReport({ incidentId, ...reportInput });
      const target = input.settledOnSpot ? null : await repo.findMergeTarget(grid.townId, sub.code, input.lon, input.lat, sub.mergeRadiusM, sub.mergeWindowMin);
      if (target !== null) {
        const locked = (await repo.lock(target))!;
        const reportId = await reportOf(target);
        await repo.countReport(target);
        await this.attachSnapshot(tx, target, reportId, input);
        await repo.appendHistory({ incidentId: target, action: 'report_merged', fromState: locked.state, toState: locked.state, actor, lon: input.lon, lat: input.lat, note: input.description, data: { reportId, source: input.source } });
        return { incidentId: target, reportId, merged: true, created: false, deadlines: [] };
      }
      const settled = input.settledOnSpot ?? false;
      const created = await repo.create({
        townId: grid.townId, villageId: grid.villageId, gridId: grid.gridId, gridVersionId: grid.versionId, subcategoryCode: sub.code,
        platform: sub.platform, severity: sub.severity, description: input.description, address: input.address ?? null,
        lon: input.lon, lat: input.lat, source: input.source, cameraId: input.cameraId ?? null,
        acceptMinutes: sub.acceptMinutes, finishMinutes: sub.finishMinutes,
      }, reportInput, actor, settled);
      await this.attachSnapshot(tx, created.id, created.reportId, input);
      if (settled) {
        // 就地化解: recorded for the statistics and closed at once, with no dispatch.
        await repo.setState(created.id, 'closed', { settledOnSpot: true, assignee: input.reporterPersonId ?? null });
        await new DeadlinesRepository(tx).settle(created.id, ['accept', 'finish'], 'met');
        await repo.appendHistory({ incidentId: created.id, action: 'settle', fromState: 'reported', toState: 'closed', actor, lon: input.lon, lat: input.lat, note: '就地化解 settled on the spot' });
        return { incidentId: created.id, reportId: created.reportId, merged: false, created: true, deadlines: [] };
      }
      // The new incident as the repository would read it back, without the round trip (intake is the hot path).
      const fresh: Incident = {
        id: created.id, townId: grid.townId, villageId: grid.villageId, gridId: grid.gridId, gridVersionId: grid.versionId, gridCode: grid.code,
        gridName: grid.name, subcategoryCode: sub.code, subcategoryName: sub.name, categoryCode: sub.categoryCode, platform: sub.platform,
        severity: sub.severity, description: input.description, address: input.address ?? null, lon: input.lon, lat: input.lat,
        source: input.source, state: 'reported', level: 'grid', settledOnSpot: false, assignee: null, mergedInto: null,
        cameraId: input.cameraId ?? null, reportCount: 1, rating: null, reportedAt: created.reportedAt, acceptedAt: null, handledAt: null,
        closedAt: null, acceptDueAt: created.deadlines[0]!.dueAt, finishDueAt: created.deadlines[1]!.dueAt, dispatchMisses: 0, updatedAt: created.reportedAt,
      };
      return { incidentId: created.id, reportId: created.reportId, merged: false, created: true, deadlines: created.deadlines, fresh };
    });

    const incident = ('fresh' in done && done.fresh) || (await new IncidentsRepository(this.db).get(done.incidentId))!;
    const dispatching = done.created && incident.state === 'reported';
    await Promise.all([
      dispatching ? this.jobs.wantDispatch([incident.id]) : null,
      dispatching ? this.jobs.deadlinesDue(done.deadlines) : null,
      this.events.changed(incident, done.merged ? 'report_merged' : incident.state === 'closed' ? 'settled' : 'reported'),
    ]);
    return { incident, reportId: done.reportId, merged: done.merged };
  }

  private async attachSnapshot(tx: import('pg').PoolClient, incidentId: number, reportId: number, input: ReportInput): Promise<void> {
    if (!input.snapshotFile) return;
    await new MediaRepository(tx).add({
      incidentId, reportId, kind: 'snapshot', stage: 'report', contentType: 'image/jpeg', bytes: input.snapshotBytes ?? 0, file: input.snapshotFile,
      personId: null, accountId: null,
    });
  }
}
