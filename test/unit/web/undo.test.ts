// The planning page's undo: the calls that take an edit back, and what the planner is
// told when an undo is refused. (Running the calls is the browser test's: test/browser/plan.test.ts.)
import './browser-globals.js';
import { expect } from 'chai';
import { ApiError } from '../../../web/src/api';
import { unmerge, unsplit, UndoStack, whyNotUndone, type GridFeatureLike } from '../../../web/src/plan/undo';

const square = (x: number): number[][][] => [
  [
    [x, 0],
    [x + 1, 0],
    [x + 1, 1],
    [x, 1],
    [x, 0],
  ],
];
const grid = (
  code: string,
  x: number,
): GridFeatureLike & { geometry: { type: 'Polygon'; coordinates: number[][][] } } => ({
  properties: { code, name: `网格 ${code}`, kind: 'residential', village_code: 'V1' },
  geometry: { type: 'Polygon', coordinates: square(x) },
});

describe('planning undo', () => {
  it('takes back a split that kept the code by merging the parts back, then restoring the old shape', () => {
    const g = grid('G1', 0);
    expect(unsplit(g, ['G1', 'G1-2'])).to.deep.equal([
      {
        op: 'merge',
        codes: ['G1', 'G1-2'],
        into: { code: 'G1', name: '网格 G1', kind: 'residential', village_code: 'V1' },
      },
      {
        op: 'patch',
        code: 'G1',
        change: { name: '网格 G1', kind: 'residential', village_code: 'V1', geometry: g.geometry },
      },
    ]);
  });

  it('takes back a split into new codes by deleting the parts and adding the grid again', () => {
    const g = grid('G1', 0);
    expect(unsplit(g, ['G1-a', 'G1-b'])).to.deep.equal([
      { op: 'delete', code: 'G1-a' },
      { op: 'delete', code: 'G1-b' },
      { op: 'create', feature: g },
    ]);
  });

  it('takes back a merge: the kept grid gets its shape back, the others are added again', () => {
    const [a, b, c] = [grid('A', 0), grid('B', 1), grid('C', 2)];
    const steps = unmerge('A', [a, b, c]);
    expect(steps.map((s) => s.op)).to.deep.equal(['patch', 'create', 'create']);
    expect(steps[0]).to.deep.include({ code: 'A' });
    // Merged under a new code: that grid is deleted and all the originals come back.
    expect(unmerge('AB', [a, b]).map((s) => s.op)).to.deep.equal(['delete', 'create', 'create']);
  });

  it('keeps edits last first, and remembers the shapes the edit left', () => {
    const stack = new UndoStack();
    stack.push('拆分 G1', unsplit(grid('G1', 0), ['G1-a']), [grid('G1-a', 0)]);
    stack.push('删除 B', [{ op: 'create', feature: grid('B', 1) }], null);
    expect(stack.peek()?.what).to.equal('删除 B');
    expect(stack.peek()?.after).to.equal(null);
    stack.clear();
    stack.push('拆分 G1', unsplit(grid('G1', 0), ['G1-a']), [grid('G1-a', 0)]);
    // G1-a is there as the split left it; G1 is gone (null).
    expect([...stack.peek()!.after!.entries()].map(([code, key]) => [code, key !== null])).to.deep.equal([
      ['G1-a', true],
      ['G1', false],
    ]);
  });

  it('says why an edit was not undone, in Chinese first, and that it left the list', () => {
    const entry = { what: '合并 A+B', steps: [], after: null, ran: 1 };
    const refused = whyNotUndone({ kind: 'refused', entry, changed: ['A'] }, String);
    expect(refused)
      .to.contain('无法撤销 合并 A+B')
      .and.to.contain('A 已在别处被修改')
      .and.to.contain('已从撤销列表中移除');
    const rejected = whyNotUndone(
      {
        kind: 'rejected',
        entry,
        error: new ApiError(409, 'conflict', 'plan published'),
        left: [{ op: 'delete', code: 'AB' }],
      },
      (e) => (e as Error).message,
    );
    expect(rejected).to.contain('plan published').and.to.contain('部分已撤销').and.to.contain('删除 AB');
  });
});
