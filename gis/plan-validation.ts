// Turns the raw PostGIS findings into the report planners read: every issue with
// the grids involved and the offending geometry, errors apart from warnings.
import type { DbClient } from '../platform/db/pool.js';
import { PlanValidationRepository, type PieceRow } from './plan-validation.repository.js';

export type IssueKind =
  'invalid_polygon' | 'overlap' | 'gap' | 'outside_scope' | 'code_conflict' | 'village_outside_scope' | 'empty_plan';

export interface ValidationIssue {
  severity: 'error' | 'warning';
  kind: IssueKind;
  grids: string[];
  message: string;
  areaM2?: number;
  reason?: string;
  location?: unknown;
  geometry?: unknown;
}

export interface ValidationReport {
  planId: number;
  validatedAt: string;
  ok: boolean;
  errors: number;
  warnings: number;
  sliverThresholdM2: number;
  gridCount: number;
  issues: ValidationIssue[];
  ms: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

function pieceIssue(kind: 'gap' | 'outside_scope', piece: PieceRow, sliverM2: number): ValidationIssue {
  const sliver = piece.area_m2 < sliverM2;
  const what =
    kind === 'gap' ? 'An area inside the scope is covered by no grid' : 'Grid area lies outside the scope boundary';
  return {
    severity: sliver ? 'warning' : 'error',
    kind,
    grids: piece.grids,
    message: `${sliver ? 'Sliver: ' : ''}${what} (${round(piece.area_m2)} m²)`,
    areaM2: round(piece.area_m2),
    geometry: piece.geometry,
  };
}

export async function validatePlan(
  db: DbClient,
  plan: { id: number; scopeAreaId: number; gridCount: number },
  townIds: number[],
  sliverM2: number,
): Promise<ValidationReport> {
  const started = performance.now();
  const repo = new PlanValidationRepository(db);
  const issues: ValidationIssue[] = [];

  if (plan.gridCount === 0) {
    issues.push({
      severity: 'error',
      kind: 'empty_plan',
      grids: [],
      message: 'The plan has no grids: every point of the scope must lie in one',
    });
  }
  const invalid = await repo.invalidPolygons(plan.id);
  for (const row of invalid) {
    issues.push({
      severity: 'error',
      kind: 'invalid_polygon',
      grids: [row.code],
      message: `Grid ${row.code} is not a valid polygon: ${row.reason}`,
      reason: row.reason,
      location: row.location,
      geometry: row.geometry,
    });
  }
  // Invalid polygons break overlay operations; they are reported above and left out below.
  const skip = invalid.map((r) => r.code);
  for (const o of await repo.overlaps(plan.id, skip)) {
    const sliver = o.area_m2 < sliverM2;
    issues.push({
      severity: sliver ? 'warning' : 'error',
      kind: 'overlap',
      grids: [o.a, o.b],
      message: `${sliver ? 'Sliver: ' : ''}Grids ${o.a} and ${o.b} overlap by ${round(o.area_m2)} m²`,
      areaM2: round(o.area_m2),
      geometry: o.geometry,
    });
  }
  const { gaps, outside } = await repo.gapsAndSpill(plan.id, plan.scopeAreaId, skip);
  for (const g of gaps) issues.push(pieceIssue('gap', g, sliverM2));
  for (const o of outside) issues.push(pieceIssue('outside_scope', o, sliverM2));
  for (const c of await repo.codeConflicts(plan.id, townIds)) {
    issues.push({
      severity: 'error',
      kind: 'code_conflict',
      grids: [c.code],
      message: `Code ${c.code} is already used by a grid in another town`,
    });
  }
  for (const code of await repo.villagesOutsideScope(plan.id, townIds)) {
    issues.push({
      severity: 'error',
      kind: 'village_outside_scope',
      grids: [code],
      message: `Grid ${code} belongs to a village outside the plan's scope`,
    });
  }

  const errors = issues.filter((i) => i.severity === 'error').length;
  return {
    planId: plan.id,
    validatedAt: new Date().toISOString(),
    ok: errors === 0,
    errors,
    warnings: issues.length - errors,
    sliverThresholdM2: sliverM2,
    gridCount: plan.gridCount,
    issues,
    ms: Math.round(performance.now() - started),
  };
}
