// A vertex snapped onto the middle of a neighbour's edge leaves a T-junction: the
// neighbour's edge passes through the vertex only to within rounding, which the
// server's overlap and gap checks can see as a sliver. Putting the same vertex into
// the neighbour's ring makes the shared stretch of boundary exactly the same. When the
// vertex moves away again, the neighbours' vertex, now in the middle of a straight
// edge, is taken out again (so they end as they were).
import type { GridGeometry } from './geometry';
import { along, distanceToSegment, rings, same, type Point, type SnapIndex } from './snap-index';

/** How far (degrees) a vertex may lie from a neighbour's edge and still be on it: two roundings to 7 decimals. */
const ON_EDGE_DEG = 2e-7;

interface NeighbourFix {
  code: string;
  before: GridGeometry;
  after: GridGeometry;
}

/**
 * The neighbours that get the edited grid's new vertices lying on their edges (a
 * vertex snapped onto the middle of an edge), so the two share that boundary exactly;
 * and those that lose a vertex the edited grid moved away from, when it is left in
 * the middle of straight edges in every grid that still has it. `code` is the edited
 * grid (null for a new one), `before` and `after` its coordinates.
 */
export function tJunctionFixes(
  index: SnapIndex,
  draft: readonly { properties: { code: string }; geometry: GridGeometry }[],
  code: string | null,
  before: unknown,
  after: unknown,
): NeighbourFix[] {
  const skip = code ?? undefined;
  const geometryOf = (c: string) => draft.find((d) => d.properties.code === c)?.geometry;
  const added = addedVertices(before, after);
  const removed = addedVertices(after, before).filter((p) => {
    const holders = index.gridsWithVertexAt(p, ON_EDGE_DEG, skip);
    return (
      holders.length > 0 && holders.every((c) => straightVertexAt(geometryOf(c)?.coordinates, p, ON_EDGE_DEG) === true)
    );
  });
  if (!added.length && !removed.length) return [];
  const codes = new Set([
    ...added.flatMap((p) => index.gridsWithEdgeAt(p, ON_EDGE_DEG, skip)),
    ...removed.flatMap((p) => index.gridsWithVertexAt(p, ON_EDGE_DEG, skip)),
  ]);
  return [...codes].flatMap((c) => {
    const g = geometryOf(c);
    if (!g) return [];
    const without = removePoints(g.coordinates, removed, ON_EDGE_DEG);
    const coordinates = insertPoints(without ?? g.coordinates, added, ON_EDGE_DEG) ?? without;
    return coordinates ? [{ code: c, before: g, after: { type: g.type, coordinates } }] : [];
  });
}

/** Vertices of `after` that `before` does not have (the ones moved or added). */
function addedVertices(before: unknown, after: unknown): Point[] {
  const had = new Set<string>();
  rings(before, (ring) => ring.forEach((p) => had.add(key(p))));
  const out = new Map<string, Point>();
  rings(after, (ring) =>
    ring.forEach((p) => {
      if (!had.has(key(p))) out.set(key(p), p);
    }),
  );
  return [...out.values()];
}

/**
 * The coordinates with each point that lies within `eps` of an edge (and is not one
 * of its ends) put into that edge; null when no point lies on any edge.
 */
function insertPoints<T>(coords: T, points: Point[], eps: number): T | null {
  let changed = false;
  const walk = (c: unknown): unknown => {
    if (!Array.isArray(c) || c.length === 0) return c;
    if (!(Array.isArray(c[0]) && typeof c[0][0] === 'number')) return c.map(walk);
    const ring = c as number[][];
    const out: number[][] = [ring[0]!];
    for (let k = 1; k < ring.length; k++) {
      const a = ring[k - 1]!;
      const b = ring[k]!;
      const on = points
        .filter((p) => !near(p, a, eps) && !near(p, b, eps) && distanceToSegment(p, a, b) <= eps)
        .map((p) => ({ p, t: along(p, a, b) }))
        .filter(({ t }) => t > 0 && t < 1)
        .sort((x, y) => x.t - y.t);
      for (const { p } of on) {
        if (!same(out[out.length - 1]!, p)) out.push([p[0]!, p[1]!]);
        changed = true;
      }
      out.push(b);
    }
    return out;
  };
  const result = walk(coords) as T;
  return changed ? result : null;
}

/**
 * Whether the point is a vertex of the coordinates only in the middle of straight
 * edges (true), a corner somewhere (false), or not a vertex at all (null).
 */
function straightVertexAt(coords: unknown, p: Point, eps: number): boolean | null {
  let found: boolean | null = null;
  rings(coords, (ring) => {
    const n = ring.length - 1; // the last repeats the first
    for (let k = 0; k < n; k++) {
      if (!near(ring[k]!, p, eps)) continue;
      const prev = ring[(k - 1 + n) % n]!;
      const next = ring[(k + 1) % n]!;
      const straight =
        distanceToSegment(ring[k]!, prev, next) <= eps &&
        along(ring[k]!, prev, next) > 0 &&
        along(ring[k]!, prev, next) < 1;
      found = (found ?? true) && straight;
    }
  });
  return found;
}

/** The coordinates without the vertices at these points; null when none is there. */
function removePoints<T>(coords: T, points: Point[], eps: number): T | null {
  let changed = false;
  const walk = (c: unknown): unknown => {
    if (!Array.isArray(c) || c.length === 0) return c;
    if (!(Array.isArray(c[0]) && typeof c[0][0] === 'number')) return c.map(walk);
    const ring = (c as number[][]).slice(0, -1);
    const kept = ring.filter((q) => !points.some((p) => near(p, q, eps)));
    // A ring keeps at least three corners.
    if (kept.length === ring.length || kept.length < 3) return c;
    changed = true;
    return [...kept, kept[0]!];
  };
  const result = walk(coords) as T;
  return changed ? result : null;
}

function near(p: Point, q: Point, eps: number): boolean {
  return Math.abs(p[0]! - q[0]!) <= eps && Math.abs(p[1]! - q[1]!) <= eps;
}

function key(p: Point): string {
  return `${p[0]},${p[1]}`;
}
