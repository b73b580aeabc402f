// 待定位: a report whose address named no single place opens 'unlocated', with no grid,
// no deadlines and no dispatch, at a provisional point where the command room starts
// looking. A dispatcher or operator places it on the map ('place'); from then on it is
// an ordinary reported incident: its grid and village, its deadlines counted from the
// placing, and the dispatch job.
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import type { GridMap } from '../gis/module.js';
import { DeadlinesRepository, type Deadline } from './deadlines.repository.js';
import type { IncidentEvents } from './incident-events.js';
import type { IncidentJobs } from './incident-jobs.js';
import { actorColumns, IncidentsRepository } from './incidents.repository.js';
import { PlacementRepository } from './placement.repository.js';
import type { Actor, Incident, IncidentSource } from './model.js';
import { decide } from './state-machine.js';
import type { TaxonomyService } from './taxonomy.service.js';

export interface UnlocatedInput {
  source: IncidentSource;
  subcategoryCode: string;
  description: string;
  address: string;
  townId: number;
  /** Where the command room starts looking (a village, a road, the town): not the incident's place. */
  provisional: { lon: number; lat: number };
  /** What the gazetteer understood and why it could not place the address; `key`: the address normalised. */
  geocode: { key: string } & Record<string, unknown>;
  reporterAccountId?: number | null;
  contact?: Record<string, string> | null;
  attributes?: Record<string, string> | null;
}

export type UnlocatedIncident = Incident & { geocode: unknown };

export class PlacementService {
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly taxonomy: TaxonomyService,
    private readonly jobs: IncidentJobs,
    private readonly events: IncidentEvents,
  ) {}

  /**
   * Opens a 待定位 incident in one statement (incident, report, two history lines), or
   * joins an open one of the same kind whose address reads the same (geocode.key).
   */
  async reportUnlocated(input: UnlocatedInput, actor: Actor): Promise<{ incident: Incident; merged: boolean }> {
    const sub = await this.taxonomy.require(input.subcategoryCode);
    const [actorKind, actorAccountId, actorPersonId, actorLabel] = actorColumns(actor);
    const { incidentId, merged } = await new PlacementRepository(this.db).intakeUnlocated({
      town_id: input.townId,
      subcategory_code: sub.code,
      platform: sub.platform,
      severity: sub.severity,
      description: input.description,
      address: input.address,
      lon: input.provisional.lon,
      lat: input.provisional.lat,
      source: input.source,
      accept_minutes: sub.acceptMinutes,
      finish_minutes: sub.finishMinutes,
      merge_window_min: sub.mergeWindowMin,
      geocode: input.geocode,
      reporter_account_id: input.reporterAccountId ?? null,
      contact: input.contact ?? null,
      attributes: input.attributes ?? null,
      actor_kind: actorKind,
      actor_label: actorLabel,
      actor_account_id: actorAccountId,
      actor_person_id: actorPersonId,
    });
    const incident = (await new IncidentsRepository(this.db).get(incidentId))!;
    await this.events.changed(incident, merged ? 'report_merged' : 'reported_unlocated');
    return { incident, merged };
  }

  /** Records how an address-only report was placed by the gazetteer (shown on the card). */
  async noteGeocode(incidentId: number, geocode: unknown): Promise<void> {
    await new PlacementRepository(this.db).noteGeocode(incidentId, geocode);
  }

  /** The 待定位 list: oldest call first, with what the gazetteer understood of each. */
  async list(auth: AuthContext, townCode?: string): Promise<{ items: UnlocatedIncident[] }> {
    const repo = new IncidentsRepository(this.db);
    let townIds = auth.townFilter;
    if (townCode) {
      const townId = await repo.townIdByCode(townCode);
      if (townId === null) throw new NotFound(`Town ${townCode}`);
      auth.assertTown(townId);
      townIds = [townId];
    }
    const { items } = await repo.list({ townIds, states: ['unlocated'], limit: 500, offset: 0 });
    const geocodes = await new PlacementRepository(this.db).geocodes(items.map((i) => i.id));
    return {
      items: items
        .sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime())
        .map((i) => ({ ...i, geocode: geocodes.get(i.id) ?? null })),
    };
  }

  /** The command room puts a 待定位 incident on the map; routing, deadlines and dispatch follow. */
  async place(
    auth: AuthContext,
    actor: Actor,
    id: number,
    lon: number,
    lat: number,
    note: string | null,
  ): Promise<Incident> {
    const grid = this.gridMap.current.lookup(lon, lat);
    if (!grid)
      throw new Unprocessable(
        `The point ${lat.toFixed(6)}, ${lon.toFixed(6)} lies outside every town's grids`,
        { lon, lat },
        'outside_towns',
      );
    if (!auth.canAccessTown(grid.townId))
      throw new Forbidden(`The point lies in a town you are not scoped to (grid ${grid.code})`);
    const { deadlines } = await inTransaction(this.db, async (tx) => {
      const repo = new IncidentsRepository(tx);
      const inc = await repo.lock(id);
      if (!inc || !auth.canAccessTown(inc.townId)) throw new NotFound(`Incident ${id}`);
      const verdict = decide('place', actor, {
        state: inc.state,
        assigneePersonId: inc.assigneePersonId,
        offereePersonId: inc.pendingOfferPersonId,
      });
      if (!verdict.ok)
        throw verdict.reason === 'illegal'
          ? new Conflict(verdict.message, { state: inc.state, action: 'place' }, 'illegal_transition')
          : new Forbidden(verdict.message);
      const placements = new PlacementRepository(tx);
      const sub = await this.taxonomy.require(await placements.subcategoryOf(id));
      const due = await placements.place(id, grid, lon, lat, { accept: sub.acceptMinutes, finish: sub.finishMinutes });
      const made = await new DeadlinesRepository(tx).create(id, due.acceptDueAt, due.finishDueAt);
      await repo.appendHistory({
        incidentId: id,
        action: 'place',
        fromState: inc.state,
        toState: verdict.to,
        actor,
        lon,
        lat,
        note: `已确定位置：${grid.name}，正在派遣网格员 Placed on the map (grid ${grid.code}); a gridworker is being sent${note ? `。${note}` : ''}`,
        data: { gridCode: grid.code, from: { lon: inc.lon, lat: inc.lat } },
      });
      return { deadlines: made as Deadline[] };
    });
    const incident = (await new IncidentsRepository(this.db).get(id))!;
    await Promise.all([
      this.jobs.wantDispatch([id]),
      this.jobs.deadlinesDue(deadlines),
      this.events.changed(incident, 'place'),
    ]);
    return incident;
  }
}
