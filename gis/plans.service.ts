import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db, type DbClient } from '../platform/db/pool.js';
import { BadRequest, Conflict, NotFound, Unprocessable } from '../platform/errors.js';
import { AreasRepository, type Area } from './areas.repository.js';
import type { AreaGeometry } from './geojson.js';
import type { GridKind } from './grids.repository.js';
import type { GridMap } from './map-revision.js';
import { validatePlan, type ValidationReport } from './plan-validation.js';
import { PlansRepository, type Plan, type PlanGrid, type PlanGridInput } from './plans.repository.js';
import { PublicationRepository, type PublicationCounts } from './publication.repository.js';

/** A grid as a planner sends it: the village by code. */
export interface GridDraftInput {
  code: string;
  name: string;
  kind: GridKind;
  villageCode: string;
  geometry: AreaGeometry;
  /** Attributes beyond code, name, kind and village, kept under their own names. */
  attributes?: Record<string, unknown>;
}

export interface GridChangeInput {
  code?: string;
  name?: string;
  kind?: GridKind;
  villageCode?: string;
  geometry?: AreaGeometry;
}

export interface SplitInput {
  line: unknown;
  parts: { code: string; name: string; kind?: GridKind }[];
}

export interface MergeInput {
  codes: string[];
  into: { code: string; name: string; kind?: GridKind; villageCode?: string };
}

export interface PlanView extends Plan {
  scope: { id: number; code: string; name: string; level: string };
}

export class PlansService {
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly sliverM2: number,
    /** Tells the towns' open maps that their grids changed (the push stream). */
    private readonly published: (townIds: number[], revision: number) => Promise<void> = async () => undefined,
  ) {}

  // --- reading -------------------------------------------------------------

  async list(auth: AuthContext, status: Plan['status'] | null): Promise<Plan[]> {
    const plans = await new PlansRepository(this.db).list(null, status);
    const areas = new AreasRepository(this.db);
    const visible: Plan[] = [];
    for (const plan of plans) {
      const towns = await areas.townsWithin((await areas.findById(plan.scopeAreaId))!);
      if (towns.every((t) => auth.canAccessTown(t))) visible.push(plan);
    }
    return visible;
  }

  async get(auth: AuthContext, planId: number): Promise<PlanView> {
    const { plan, scope } = await this.load(this.db, auth, planId, false);
    return { ...plan, scope: { id: scope.id, code: scope.code, name: scope.name, level: scope.level } };
  }

  async gridsGeoJson(auth: AuthContext, planId: number): Promise<{ type: 'FeatureCollection'; features: unknown[] }> {
    await this.load(this.db, auth, planId, false);
    return { type: 'FeatureCollection', features: await new PlansRepository(this.db).gridFeatures(planId) };
  }

  async diff(auth: AuthContext, planId: number) {
    const { towns } = await this.load(this.db, auth, planId, false);
    return new PlansRepository(this.db).diff(planId, towns);
  }

  // --- drafting ------------------------------------------------------------

  async create(auth: AuthContext, scopeCode: string, title: string): Promise<PlanView> {
    const view = await inTransaction(this.db, async (tx) => {
      const areas = new AreasRepository(tx);
      const scope = await areas.findByCode(scopeCode);
      if (!scope) throw new NotFound(`Area ${scopeCode}`, { field: 'scopeCode' });
      if (scope.level !== 'town' && scope.level !== 'district') {
        throw new BadRequest(`A plan covers a town or a district; ${scope.name} is a ${scope.level}`, {
          field: 'scopeCode',
        });
      }
      const towns = await areas.townsWithin(scope);
      for (const t of towns) auth.assertTown(t, `every town of ${scope.name}`);
      const repo = new PlansRepository(tx);
      const plan = await repo.insert(scope.id, title, auth.me.id);
      await repo.copyCurrentGrids(plan.id, towns);
      const fresh = (await repo.find(plan.id, false))!;
      return { ...fresh, scope: { id: scope.id, code: scope.code, name: scope.name, level: scope.level } };
    });
    // The copy is a bulk insert too: the web app validates a draft as soon as it opens it.
    if (view.gridCount >= 1000) await new PlansRepository(this.db).analyze();
    return view;
  }

  /** Replaces the draft's grids with a FeatureCollection, all or nothing. */
  async importGrids(auth: AuthContext, planId: number, grids: GridDraftInput[], allowInvalid: boolean) {
    const result = await this.editDraft(auth, planId, async (tx, towns) => {
      const inputs = await this.resolveVillages(tx, grids, towns, 'features');
      if (!allowInvalid) await this.refuseInvalid(tx, inputs);
      const repo = new PlansRepository(tx);
      await repo.deleteAllGrids(planId);
      const imported = await repo.insertGrids(planId, towns, inputs);
      return { imported };
    });
    // Thousands of new rows leave the planner's statistics stale until autovacuum gets
    // to them: validation's overlap self-join then took 6.0 s instead of 0.58 s (10,000 grids).
    if (result.imported >= 1000) await new PlansRepository(this.db).analyze();
    return result;
  }

  async addGrid(auth: AuthContext, planId: number, grid: GridDraftInput, allowInvalid: boolean) {
    return this.editDraft(auth, planId, async (tx, towns) => {
      const repo = new PlansRepository(tx);
      if (await repo.findGrid(planId, grid.code))
        throw new Conflict(`The draft already has a grid ${grid.code}`, { field: 'code' });
      const inputs = await this.resolveVillages(tx, [grid], towns, 'body');
      if (!allowInvalid) await this.refuseInvalid(tx, inputs);
      await repo.insertGrids(planId, towns, inputs);
      return { added: grid.code };
    });
  }

  async changeGrid(auth: AuthContext, planId: number, code: string, change: GridChangeInput, allowInvalid: boolean) {
    return this.editDraft(auth, planId, async (tx, towns) => {
      const repo = new PlansRepository(tx);
      const existing = await repo.findGrid(planId, code);
      if (!existing) throw new NotFound(`Grid ${code} in plan ${planId}`);
      if (change.code && change.code !== code && (await repo.findGrid(planId, change.code))) {
        throw new Conflict(`The draft already has a grid ${change.code}`, { field: 'code' });
      }
      const villageId = change.villageCode
        ? (await this.villageIds(tx, [change.villageCode], towns, 'body')).get(change.villageCode)
        : undefined;
      if (change.geometry && !allowInvalid) {
        await this.refuseInvalid(tx, [
          { code, name: existing.name, kind: existing.kind, villageId: existing.villageId, geometry: change.geometry },
        ]);
      }
      await repo.updateGrid(planId, code, { ...change, villageId });
      return { changed: change.code ?? code };
    });
  }

  async deleteGrid(auth: AuthContext, planId: number, code: string) {
    return this.editDraft(auth, planId, async (tx) => {
      if ((await new PlansRepository(tx).deleteGrids(planId, [code])) === 0)
        throw new NotFound(`Grid ${code} in plan ${planId}`);
      return { deleted: code };
    });
  }

  /** Cuts one grid in pieces along a line; a piece named with the old code keeps its identity. */
  async splitGrid(auth: AuthContext, planId: number, code: string, input: SplitInput) {
    return this.editDraft(auth, planId, async (tx) => {
      const repo = new PlansRepository(tx);
      const grid = await repo.findGrid(planId, code);
      if (!grid) throw new NotFound(`Grid ${code} in plan ${planId}`);
      const pieces = await repo.splitGeometry(planId, code, input.line);
      if (pieces.length < 2)
        throw new Unprocessable('The line does not cut the grid in two: it must cross the grid from edge to edge', {
          field: 'line',
        });
      if (pieces.length !== input.parts.length) {
        throw new Unprocessable(
          `The line cuts the grid in ${pieces.length} pieces but ${input.parts.length} were named`,
          { field: 'parts', pieces: pieces.length },
        );
      }
      await this.refuseTakenCodes(
        repo,
        planId,
        input.parts.map((p) => p.code),
        [code],
      );
      await repo.deleteGrids(planId, [code]);
      const keeper = input.parts.findIndex((p) => p.code === code);
      for (const [i, part] of input.parts.entries()) {
        const gridId = i === keeper ? grid.gridId : null;
        await repo.insertGrids(
          planId,
          [],
          [
            {
              code: part.code,
              name: part.name,
              kind: part.kind ?? grid.kind,
              villageId: grid.villageId,
              geometry: pieces[i]!,
              gridId,
            },
          ],
        );
      }
      return { split: code, into: input.parts.map((p) => p.code) };
    });
  }

  /** Joins touching grids into one; the result keeps the identity of the grid whose code it takes. */
  async mergeGrids(auth: AuthContext, planId: number, input: MergeInput) {
    return this.editDraft(auth, planId, async (tx, towns) => {
      const repo = new PlansRepository(tx);
      const grids: (PlanGrid | null)[] = [];
      for (const c of input.codes) grids.push(await repo.findGrid(planId, c));
      const missing = input.codes.filter((_, i) => !grids[i]);
      if (missing.length) throw new NotFound(`Grids ${missing.join(', ')} in plan ${planId}`);
      const villages = new Set(grids.map((g) => g!.villageId));
      let villageId = grids[0]!.villageId;
      if (input.into.villageCode)
        villageId = (await this.villageIds(tx, [input.into.villageCode], towns, 'body')).get(input.into.villageCode)!;
      else if (villages.size > 1)
        throw new BadRequest('The grids belong to different villages: say which one the merged grid belongs to', {
          field: 'into.villageCode',
        });
      const union = await repo.unionGeometry(planId, input.codes);
      if (union.parts > 1)
        throw new Unprocessable('The grids do not touch: a merged grid must be one piece', {
          field: 'codes',
          parts: union.parts,
        });
      await this.refuseTakenCodes(repo, planId, [input.into.code], input.codes);
      await repo.deleteGrids(planId, input.codes);
      const gridId = grids.find((g) => g!.code === input.into.code)?.gridId ?? null;
      await repo.insertGrids(
        planId,
        [],
        [
          {
            code: input.into.code,
            name: input.into.name,
            kind: input.into.kind ?? grids[0]!.kind,
            villageId,
            geometry: union.geometry,
            gridId,
          },
        ],
      );
      return { merged: input.codes, into: input.into.code };
    });
  }

  async discard(auth: AuthContext, planId: number): Promise<void> {
    await this.editDraft(auth, planId, async (tx) => {
      await new PlansRepository(tx).setStatus(planId, 'discarded', auth.me.id, null);
      return null;
    });
  }

  // --- validating and publishing ------------------------------------------

  async validate(auth: AuthContext, planId: number): Promise<ValidationReport> {
    const { plan, towns } = await this.load(this.db, auth, planId, false);
    const report = await validatePlan(this.db, plan, towns, this.sliverM2);
    await new PlansRepository(this.db).saveValidation(planId, report);
    return report;
  }

  async publish(auth: AuthContext, planId: number): Promise<PublicationCounts & { planId: number; revision: number }> {
    const { towns, counts } = await inTransaction(this.db, async (tx) => {
      const { plan, towns } = await this.load(tx, auth, planId, true);
      this.assertDraft(plan);
      const publications = new PublicationRepository(tx);
      await publications.lockTowns(towns);
      if (await publications.changedSince(towns, plan.basedOn)) {
        throw new Conflict(
          'The grids of this scope were published again after this draft was made; start a new draft',
          undefined,
          'stale_plan',
        );
      }
      // Validated again inside the transaction: the draft cannot change underneath.
      const report = await validatePlan(tx, plan, towns, this.sliverM2);
      if (!report.ok)
        throw new Unprocessable(
          `The plan has ${report.errors} error(s) and cannot be published`,
          report,
          'plan_has_errors',
        );
      const result = await publications.publish(planId, towns);
      await new PlansRepository(tx).setStatus(planId, 'published', auth.me.id, result.publishedAt);
      return { towns, counts: result };
    });
    await this.gridMap.announce(counts.publicationId);
    await this.published(towns, counts.publicationId);
    return { ...counts, planId, revision: counts.publicationId };
  }

  // --- helpers --------------------------------------------------------------

  private async load(
    db: DbClient,
    auth: AuthContext,
    planId: number,
    forUpdate: boolean,
  ): Promise<{ plan: Plan; scope: Area; towns: number[] }> {
    const plan = await new PlansRepository(db).find(planId, forUpdate);
    if (!plan) throw new NotFound(`Plan ${planId}`);
    const areas = new AreasRepository(db);
    const scope = (await areas.findById(plan.scopeAreaId))!;
    const towns = await areas.townsWithin(scope);
    for (const t of towns) auth.assertTown(t, `the towns of plan ${planId}`);
    return { plan, scope, towns };
  }

  private assertDraft(plan: Plan): void {
    if (plan.status !== 'draft')
      throw new Conflict(
        `Plan ${plan.id} is ${plan.status}; only a draft can change`,
        { status: plan.status },
        `plan_${plan.status}`,
      );
  }

  private async editDraft<T>(
    auth: AuthContext,
    planId: number,
    edit: (tx: DbClient, towns: number[]) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.db, async (tx) => {
      const { plan, towns } = await this.load(tx, auth, planId, true);
      this.assertDraft(plan);
      const result = await edit(tx, towns);
      await new PlansRepository(tx).touch(planId);
      return result;
    });
  }

  private async villageIds(
    db: DbClient,
    codes: string[],
    towns: number[],
    where: string,
  ): Promise<Map<string, number>> {
    const found = await new AreasRepository(db).findByCodes([...new Set(codes)]);
    const ok = new Map(
      found.filter((a) => a.level === 'village' && towns.includes(a.townId!)).map((a) => [a.code, a.id]),
    );
    const bad = [...new Set(codes.filter((c) => !ok.has(c)))];
    if (bad.length) {
      throw new BadRequest(
        `Unknown village code${bad.length > 1 ? 's' : ''} in this plan's scope: ${bad.slice(0, 10).join(', ')}`,
        { where, villageCodes: bad },
      );
    }
    return ok;
  }

  private async resolveVillages(
    db: DbClient,
    grids: GridDraftInput[],
    towns: number[],
    where: string,
  ): Promise<PlanGridInput[]> {
    const seen = new Map<string, number>();
    grids.forEach((g, i) => {
      const first = seen.get(g.code);
      if (first !== undefined)
        throw new BadRequest(`Grid code ${g.code} appears twice (${where}[${first}] and ${where}[${i}])`, {
          code: g.code,
          indexes: [first, i],
        });
      seen.set(g.code, i);
    });
    const villages = await this.villageIds(
      db,
      grids.map((g) => g.villageCode),
      towns,
      where,
    );
    return grids.map((g) => ({
      code: g.code,
      name: g.name,
      kind: g.kind,
      villageId: villages.get(g.villageCode)!,
      geometry: g.geometry,
      attributes: g.attributes,
    }));
  }

  private async refuseInvalid(db: DbClient, inputs: PlanGridInput[]): Promise<void> {
    const problems = await new PlansRepository(db).invalidInputs(inputs);
    if (!problems.length) return;
    const first = problems[0]!;
    throw new Unprocessable(
      `Grid ${first.code} is not a valid polygon: ${first.reason}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      { problems, hint: 'fix the polygons, or pass allowInvalid=true to keep them in the draft and fix them there' },
      'invalid_geometry',
    );
  }

  private async refuseTakenCodes(
    repo: PlansRepository,
    planId: number,
    codes: string[],
    freed: string[],
  ): Promise<void> {
    for (const c of codes) {
      if (!freed.includes(c) && (await repo.findGrid(planId, c)))
        throw new Conflict(`The draft already has a grid ${c}`, { field: 'code', code: c });
    }
  }
}
