// Snapping on the planning page: the vertices and edges near the cursor, from the
// draft's grids, without looking at every grid.
import { expect } from 'chai';
import { along, distanceToSegment, rings, SnapIndex } from '../../../web/src/plan/snap-index';

const ring = (x: number, y: number): number[][] => [
  [x, y],
  [x + 1, y],
  [x + 1, y + 1],
  [x, y + 1],
  [x, y],
];

describe('planning snap index', () => {
  // A and B share the edge x = 1; C is a MultiPolygon far away.
  const index = new SnapIndex(['A', 'B', 'C'], [[ring(0, 0)], [ring(1, 0)], [[ring(10, 10)], [ring(20, 20)]]]);

  it('finds the vertices in a box, once each for a closed ring, leaving out the grid being edited', () => {
    expect(index.within([-0.1, -0.1, 0.1, 0.1])).to.deep.equal([[0, 0]]);
    expect(index.within([0.9, -0.1, 1.1, 0.1]).length).to.equal(2);
    expect(index.within([0.9, -0.1, 1.1, 0.1], 'A')).to.deep.equal([[1, 0]]);
    expect(index.within([19.9, 19.9, 20.1, 20.1])).to.deep.equal([[20, 20]]);
  });

  it('names the grids with an edge or a vertex at a point', () => {
    expect(index.gridsWithEdgeAt([1, 0.5], 0.01).sort()).to.deep.equal(['A', 'B']);
    expect(index.gridsWithEdgeAt([1, 0.5], 0.01, 'B')).to.deep.equal(['A']);
    expect(index.gridsWithEdgeAt([5, 5], 0.01)).to.deep.equal([]);
    expect(index.gridsWithVertexAt([1, 1], 0.01).sort()).to.deep.equal(['A', 'B']);
    expect(index.edgesWithin([10.4, 9.9, 10.6, 10.1])).to.deep.equal([
      [
        [10, 10],
        [11, 10],
      ],
    ]);
  });

  it('answers nothing, and does not fail, for an empty draft', () => {
    const empty = SnapIndex.empty();
    expect(empty.within([0, 0, 1, 1])).to.deep.equal([]);
    expect(empty.gridsWithEdgeAt([0, 0], 1)).to.deep.equal([]);
  });

  it('measures along and to a segment, clamped to its ends', () => {
    expect(along([0.5, 3], [0, 0], [1, 0])).to.equal(0.5);
    expect(along([-2, 0], [0, 0], [1, 0])).to.equal(0);
    expect(distanceToSegment([2, 0], [0, 0], [1, 0])).to.equal(1);
    expect(distanceToSegment([0.5, 0], [0, 0], [0, 0])).to.equal(0.5);
    const seen: number[][][] = [];
    rings([[ring(0, 0)], [ring(5, 5)]], (r) => seen.push(r));
    expect(seen.length).to.equal(2);
  });
});
