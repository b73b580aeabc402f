// Streets inside a grid: the road lines are cut at the grid boundary (and pulled a few
// metres inwards), split where they cross each other, and joined into a graph the
// walkers follow. Pieces that run along the boundary are dropped: grid boundaries are
// often drawn on roads, and a walker there would flicker between two grids.
import Flatbush from 'flatbush';
import { intersectT, type LocalFrame, type Piece } from './geometry.js';
import type { FeatureCollectionLike, LonLat } from './types.js';

/** Metres: kept pieces have their middle this far from the boundary, cut ends are pulled in this much. */
const MARGIN_M = 3;
/** Street ends closer than this are the same node. */
const SNAP_M = 1;

/** All street segments of a FeatureCollection in an R-tree (lon/lat). */
export class StreetIndex {
  private readonly segments: Float64Array;
  private readonly tree: Flatbush | null;

  constructor(streets: FeatureCollectionLike) {
    const flat: number[] = [];
    const addLine = (line: LonLat[]): void => {
      for (let i = 0; i + 1 < line.length; i++) {
        const a = line[i]!,
          b = line[i + 1]!;
        if ([a[0], a[1], b[0], b[1]].every((v) => typeof v === 'number' && Number.isFinite(v)))
          flat.push(a[0]!, a[1]!, b[0]!, b[1]!);
      }
    };
    for (const f of streets.features) {
      const g = f.geometry;
      if (g?.type === 'LineString') addLine(g.coordinates as LonLat[]);
      else if (g?.type === 'MultiLineString') for (const line of g.coordinates as LonLat[][]) addLine(line);
    }
    this.segments = Float64Array.from(flat);
    const n = flat.length / 4;
    this.tree = n > 0 ? new Flatbush(n) : null;
    if (this.tree) {
      for (let i = 0; i < n; i++) {
        const s = this.segments.subarray(4 * i, 4 * i + 4);
        this.tree.add(Math.min(s[0]!, s[2]!), Math.min(s[1]!, s[3]!), Math.max(s[0]!, s[2]!), Math.max(s[1]!, s[3]!));
      }
      this.tree.finish();
    }
  }

  get size(): number {
    return this.segments.length / 4;
  }

  /** Segments whose bounding box meets the piece's, in the piece's local metres. */
  segmentsNear(piece: Piece, frame: LocalFrame): number[][] {
    if (!this.tree) return [];
    const ids = this.tree.search(
      frame.lon(piece.minX),
      frame.lat(piece.minY),
      frame.lon(piece.maxX),
      frame.lat(piece.maxY),
    );
    return ids.map((i) => {
      const s = this.segments;
      return [frame.x(s[4 * i]!), frame.y(s[4 * i + 1]!), frame.x(s[4 * i + 2]!), frame.y(s[4 * i + 3]!)];
    });
  }
}

export interface StreetGraph {
  xs: number[];
  ys: number[];
  /** Neighbouring node indices. */
  adj: number[][];
  totalLength: number;
}

/** The parts of segment AB that lie inside the piece, cut ends pulled inwards. */
function clip(piece: Piece, s: number[], out: number[][]): void {
  const [ax, ay, bx, by] = s as [number, number, number, number];
  const len = Math.hypot(bx - ax, by - ay);
  if (len < 0.5) return;
  const ts: number[] = [];
  piece.crossings(ax, ay, bx, by, ts);
  ts.sort((p, q) => p - q);
  const cuts = [0, ...ts, 1];
  const pull = MARGIN_M / len;
  for (let i = 0; i + 1 < cuts.length; i++) {
    let t0 = cuts[i]!,
      t1 = cuts[i + 1]!;
    const tm = (t0 + t1) / 2;
    if (!piece.containsWithMargin(ax + tm * (bx - ax), ay + tm * (by - ay), MARGIN_M)) continue;
    if (i > 0) t0 += pull;
    if (i + 2 < cuts.length) t1 -= pull;
    if ((t1 - t0) * len < 1) continue;
    out.push([ax + t0 * (bx - ax), ay + t0 * (by - ay), ax + t1 * (bx - ax), ay + t1 * (by - ay)]);
  }
}

/** Splits segments where they cross one another, so crossing roads become junctions. */
function splitAtCrossings(segs: number[][]): number[][] {
  const cuts: number[][] = segs.map(() => []);
  for (let i = 0; i < segs.length; i++) {
    const [ax, ay, bx, by] = segs[i] as [number, number, number, number];
    for (let j = i + 1; j < segs.length; j++) {
      const [px, py, qx, qy] = segs[j] as [number, number, number, number];
      if (
        Math.max(ax, bx) < Math.min(px, qx) ||
        Math.max(px, qx) < Math.min(ax, bx) ||
        Math.max(ay, by) < Math.min(py, qy) ||
        Math.max(py, qy) < Math.min(ay, by)
      )
        continue;
      const t = intersectT(ax, ay, bx, by, px, py, qx, qy);
      if (Number.isNaN(t)) continue;
      const u = intersectT(px, py, qx, qy, ax, ay, bx, by);
      if (t > 0 && t < 1) cuts[i]!.push(t);
      if (u > 0 && u < 1) cuts[j]!.push(u);
    }
  }
  const out: number[][] = [];
  segs.forEach((s, i) => {
    const ts = [0, ...cuts[i]!.sort((p, q) => p - q), 1];
    const [ax, ay, bx, by] = s as [number, number, number, number];
    for (let k = 0; k + 1 < ts.length; k++) {
      const t0 = ts[k]!,
        t1 = ts[k + 1]!;
      if (t1 > t0) out.push([ax + t0 * (bx - ax), ay + t0 * (by - ay), ax + t1 * (bx - ax), ay + t1 * (by - ay)]);
    }
  });
  return out;
}

/** The street graph of one piece, or undefined when it has less than `minLength` m of street. */
export function buildStreetGraph(
  piece: Piece,
  frame: LocalFrame,
  index: StreetIndex,
  minLength = 100,
): StreetGraph | undefined {
  const clipped: number[][] = [];
  for (const s of index.segmentsNear(piece, frame)) clip(piece, s, clipped);
  if (clipped.length === 0) return undefined;

  const graph: StreetGraph = { xs: [], ys: [], adj: [], totalLength: 0 };
  const ids = new Map<string, number>();
  const node = (x: number, y: number): number => {
    const key = `${Math.round(x / SNAP_M)},${Math.round(y / SNAP_M)}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = graph.xs.length;
      ids.set(key, id);
      graph.xs.push(x);
      graph.ys.push(y);
      graph.adj.push([]);
    }
    return id;
  };
  for (const [ax, ay, bx, by] of splitAtCrossings(clipped) as [number, number, number, number][]) {
    const a = node(ax, ay),
      b = node(bx, by);
    if (a === b || graph.adj[a]!.includes(b)) continue;
    // Snapping moved the ends by up to a metre: re-check the edge against the boundary.
    if (!piece.segmentInside(graph.xs[a]!, graph.ys[a]!, graph.xs[b]!, graph.ys[b]!)) continue;
    graph.adj[a]!.push(b);
    graph.adj[b]!.push(a);
    graph.totalLength += Math.hypot(graph.xs[b]! - graph.xs[a]!, graph.ys[b]! - graph.ys[a]!);
  }
  return graph.totalLength >= minLength ? graph : undefined;
}
