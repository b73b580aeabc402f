// The edits of one draft session, each kept with the server calls that take it back:
// a reshape by patching the old shape back, a deletion by adding the grid again, a
// drawn grid by deleting it, a split by merging its parts back, a merge by giving the
// merged grid its old shape and adding the others again.
//
// Each edit also keeps the shape it left every grid those calls touch. An undo first
// reads the draft again and refuses when one of them is no longer so (another tab
// changed it since): patching the old shape back would silently throw that change
// away. Refused, or refused by the server (a 4xx), the edit leaves the stack, so the
// older edits can still be undone.
import { ApiError, del, get, patch, post } from '../api';
import { tr } from '../i18n';
import { shapeKey, type GridGeometry } from './geometry';

export interface GridFeatureLike {
  properties: { code: string; name: string; kind: string; village_code: string };
  geometry: { type: string; coordinates: unknown };
}

export type Step =
  | {
      op: 'patch';
      code: string;
      change: {
        name?: string;
        kind?: string;
        village_code?: string;
        geometry?: { type: string; coordinates: unknown };
      };
    }
  | { op: 'create'; feature: GridFeatureLike }
  | { op: 'delete'; code: string }
  | { op: 'merge'; codes: string[]; into: { code: string; name: string; kind?: string; village_code?: string } };

export interface Undoable {
  /** What the planner did, as the undo button names it. */
  what: string;
  /** The calls that take it back, in order; those already run are taken out. */
  steps: Step[];
  /**
   * Each grid the calls not yet run touch, as the edit left it: its shape key, or null
   * when the edit left no grid of that code. Null when the draft could not be read
   * after the edit (nothing to compare with).
   */
  after: Map<string, string | null> | null;
  /** How many of the calls have run (an undo that failed half-way and is retried). */
  ran: number;
}

export type UndoOutcome =
  | { kind: 'done'; entry: Undoable }
  /** The draft is no longer what the edit left: these grids changed since. The edit is dropped. */
  | { kind: 'refused'; entry: Undoable; changed: string[] }
  /** The server refused a call for good (4xx): `left` were not run. The edit is dropped. */
  | { kind: 'rejected'; entry: Undoable; error: ApiError; left: Step[] };

export class UndoStack {
  private entries: Undoable[] = [];

  /** Records an edit; `grids` is the draft as read right after it (null when that read failed). */
  push(
    what: string,
    steps: Step[],
    grids: readonly { properties: { code: string }; geometry: GridGeometry }[] | null,
  ): void {
    let after: Map<string, string | null> | null = null;
    if (grids) {
      const byCode = new Map(grids.map((g) => [g.properties.code, shapeKey(g.geometry.coordinates)]));
      after = new Map(steps.flatMap(touched).map((code) => [code, byCode.get(code) ?? null]));
    }
    this.entries.push({ what, steps, after, ran: 0 });
  }

  peek(): Undoable | undefined {
    return this.entries[this.entries.length - 1];
  }

  clear(): void {
    this.entries = [];
  }

  /**
   * Takes back the last edit, after checking that the grids it touches are as it left
   * them. A call failing for good (4xx) or a draft changed elsewhere drops the edit and
   * says so in the outcome; any other failure (network, 5xx) is thrown and keeps the
   * edit, with the calls already run taken out, so undoing again carries on there.
   */
  async undo(planId: number): Promise<UndoOutcome | null> {
    const entry = this.peek();
    if (!entry) return null;
    if (entry.after?.size) {
      let fc: { features: { properties: { code: string }; geometry: GridGeometry }[] };
      try {
        fc = await get(`/api/plans/${planId}/grids`);
      } catch (err) {
        if (!final(err)) throw err;
        this.drop(entry);
        return { kind: 'rejected', entry, error: err, left: [...entry.steps] };
      }
      const now = new Map(fc.features.map((g) => [g.properties.code, shapeKey(g.geometry.coordinates)]));
      const changed = [...entry.after].filter(([code, key]) => (now.get(code) ?? null) !== key).map(([code]) => code);
      if (changed.length) {
        this.drop(entry);
        return { kind: 'refused', entry, changed };
      }
    }
    while (entry.steps.length) {
      const step = entry.steps[0]!;
      try {
        await run(planId, step);
      } catch (err) {
        if (!final(err)) throw err;
        this.drop(entry);
        return { kind: 'rejected', entry, error: err, left: [...entry.steps] };
      }
      entry.steps.shift();
      entry.ran++;
      // This grid is now as the undo left it, no longer as the edit did.
      for (const code of touched(step)) entry.after?.delete(code);
    }
    this.drop(entry);
    return { kind: 'done', entry };
  }

  private drop(entry: Undoable): void {
    const i = this.entries.lastIndexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }
}

/** A refusal that asking again will not change: a 4xx other than a timeout or too many requests. */
function final(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

/** The grids a call changes. */
function touched(step: Step): string[] {
  switch (step.op) {
    case 'patch':
    case 'delete':
      return [step.code];
    case 'create':
      return [step.feature.properties.code];
    case 'merge':
      return [...step.codes, step.into.code];
  }
}

/** Why an edit was not (or only partly) undone, and that it left the stack. */
export function whyNotUndone(
  outcome: Exclude<UndoOutcome, { kind: 'done' }>,
  message: (err: unknown) => string,
): string {
  const { entry } = outcome;
  const dropped = tr('已从撤销列表中移除', 'removed from the undo list');
  if (outcome.kind === 'refused') {
    const changed = outcome.changed.join(', ');
    return `${tr('无法撤销', 'Cannot undo')} ${entry.what}: ${tr(`${changed} 已在别处被修改`, `${changed} changed elsewhere since`)}; ${dropped}`;
  }
  const left = outcome.left.map(describeStep).join(tr('、', ', '));
  return `${tr('撤销被拒绝', 'Undo refused')} (${message(outcome.error)}): ${entry.ran ? tr('部分已撤销，', 'partly undone; ') : ''}${tr('未撤销', 'not undone')}: ${left}; ${dropped}`;
}

/** A call in words, for saying what was left undone. */
function describeStep(step: Step): string {
  switch (step.op) {
    case 'patch':
      return Object.keys(step.change).every((k) => k === 'geometry')
        ? tr(`恢复 ${step.code} 的形状`, `restore the shape of ${step.code}`)
        : tr(`恢复 ${step.code}`, `restore ${step.code}`);
    case 'delete':
      return tr(`删除 ${step.code}`, `delete ${step.code}`);
    case 'create':
      return tr(`重新添加 ${step.feature.properties.code}`, `add ${step.feature.properties.code} back`);
    case 'merge':
      return tr(
        `把 ${step.codes.join(' + ')} 合并回 ${step.into.code}`,
        `merge ${step.codes.join(' + ')} back into ${step.into.code}`,
      );
  }
}

/**
 * The calls that take back a split: the parts merged back under the old code when a
 * part kept it (so the grid keeps its identity), else the parts deleted and the grid
 * added again; then its exact old shape and properties.
 */
export function unsplit(grid: GridFeatureLike, parts: string[]): Step[] {
  const p = grid.properties;
  const restore: Step = {
    op: 'patch',
    code: p.code,
    change: { name: p.name, kind: p.kind, village_code: p.village_code, geometry: grid.geometry },
  };
  if (parts.includes(p.code))
    return [
      { op: 'merge', codes: parts, into: { code: p.code, name: p.name, kind: p.kind, village_code: p.village_code } },
      restore,
    ];
  return [...parts.map((c): Step => ({ op: 'delete', code: c })), { op: 'create', feature: grid }];
}

/** The calls that take back a merge: the merged grid given back its old shape when it kept a code, the others added again. */
export function unmerge(into: string, originals: GridFeatureLike[]): Step[] {
  const kept = originals.find((o) => o.properties.code === into);
  const others = originals.filter((o) => o !== kept);
  const first: Step = kept
    ? {
        op: 'patch',
        code: into,
        change: {
          name: kept.properties.name,
          kind: kept.properties.kind,
          village_code: kept.properties.village_code,
          geometry: kept.geometry,
        },
      }
    : { op: 'delete', code: into };
  return [first, ...others.map((o): Step => ({ op: 'create', feature: o }))];
}

function run(planId: number, step: Step): Promise<unknown> {
  const base = `/api/plans/${planId}`;
  switch (step.op) {
    case 'patch':
      return patch(`${base}/grids/${step.code}`, step.change);
    case 'delete':
      return del(`${base}/grids/${step.code}`);
    case 'merge':
      return post(`${base}/merge`, { codes: step.codes, into: step.into });
    case 'create': {
      const { code, name, kind, village_code } = step.feature.properties;
      return post(`${base}/grids`, {
        type: 'Feature',
        properties: { code, name, kind, village_code },
        geometry: step.feature.geometry,
      });
    }
  }
}
