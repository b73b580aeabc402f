// The edits of one draft session, each kept with the server calls that take it back:
// a reshape by patching the old shape back, a deletion by adding the grid again, a
// drawn grid by deleting it, a split by merging its parts back, a merge by giving the
// merged grid its old shape and adding the others again.
import { del, patch, post } from '../api';

export interface GridFeatureLike {
  properties: { code: string; name: string; kind: string; village_code: string };
  geometry: { type: string; coordinates: unknown };
}

export type Step =
  | { op: 'patch'; code: string; change: { name?: string; kind?: string; village_code?: string; geometry?: { type: string; coordinates: unknown } } }
  | { op: 'create'; feature: GridFeatureLike }
  | { op: 'delete'; code: string }
  | { op: 'merge'; codes: string[]; into: { code: string; name: string; kind?: string; village_code?: string } };

export interface Undoable {
  /** What the planner did, as the undo button names it. */
  what: string;
  /** The calls that take it back, in order. */
  steps: Step[];
}

export class UndoStack {
  private entries: Undoable[] = [];

  push(entry: Undoable): void {
    this.entries.push(entry);
  }

  peek(): Undoable | undefined {
    return this.entries[this.entries.length - 1];
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }

  /**
   * Runs the last edit's steps. When one fails the steps already run are dropped from
   * the entry, so undoing again carries on where this stopped.
   */
  async undo(planId: number): Promise<void> {
    const entry = this.peek();
    if (!entry) return;
    while (entry.steps.length) {
      await run(planId, entry.steps[0]!);
      entry.steps.shift();
    }
    this.entries.pop();
  }
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
      return post(`${base}/grids`, { type: 'Feature', properties: { code, name, kind, village_code }, geometry: step.feature.geometry });
    }
  }
}
