// The draft's vertices and edges in flatbush indexes (lon/lat), built once per draft
// change, so snapping under the cursor looks at a handful of vertices and edges
// instead of every grid's.
import Flatbush from 'flatbush';

export type Box = [number, number, number, number];
export type Point = number[];
/** One side of a ring: its two ends. */
export type Edge = [Point, Point];

export class SnapIndex {
  private readonly tree: Flatbush | null;
  /** x, y of each vertex, in the order they were added to the tree. */
  private readonly xy: Float64Array;
  /** The grid each vertex belongs to (its position in `codes`). */
  private readonly owner: Uint32Array;
  private readonly edgeTree: Flatbush | null;
  /** x1, y1, x2, y2 of each edge. */
  private readonly seg: Float64Array;
  private readonly segOwner: Uint32Array;

  constructor(
    private readonly codes: string[],
    geometries: unknown[],
  ) {
    const xy: number[] = [];
    const owner: number[] = [];
    const seg: number[] = [];
    const segOwner: number[] = [];
    geometries.forEach((g, i) =>
      rings(g, (ring) => {
        ring.forEach(([x, y], k) => {
          // A closed ring repeats its first vertex last: one vertex, not two.
          if (k < ring.length - 1 || !same(ring[0]!, ring[k]!)) {
            xy.push(x!, y!);
            owner.push(i);
          }
          if (k > 0) {
            const [px, py] = ring[k - 1]!;
            seg.push(px!, py!, x!, y!);
            segOwner.push(i);
          }
        });
      }),
    );
    this.xy = Float64Array.from(xy);
    this.owner = Uint32Array.from(owner);
    this.seg = Float64Array.from(seg);
    this.segOwner = Uint32Array.from(segOwner);
    this.tree = null;
    this.edgeTree = null;
    if (owner.length > 0) {
      const tree = new Flatbush(owner.length);
      for (let i = 0; i < xy.length; i += 2) tree.add(xy[i]!, xy[i + 1]!, xy[i]!, xy[i + 1]!);
      tree.finish();
      this.tree = tree;
    }
    if (segOwner.length > 0) {
      const tree = new Flatbush(segOwner.length);
      for (let i = 0; i < seg.length; i += 4) {
        tree.add(
          Math.min(seg[i]!, seg[i + 2]!),
          Math.min(seg[i + 1]!, seg[i + 3]!),
          Math.max(seg[i]!, seg[i + 2]!),
          Math.max(seg[i + 1]!, seg[i + 3]!),
        );
      }
      tree.finish();
      this.edgeTree = tree;
    }
  }

  static empty(): SnapIndex {
    return new SnapIndex([], []);
  }

  /** Vertices inside the box, leaving out those of the grid `skip`. */
  within([minX, minY, maxX, maxY]: Box, skip?: string): number[][] {
    if (!this.tree) return [];
    const out: number[][] = [];
    for (const i of this.tree.search(minX, minY, maxX, maxY)) {
      if (skip !== undefined && this.codes[this.owner[i]!] === skip) continue;
      out.push([this.xy[2 * i]!, this.xy[2 * i + 1]!]);
    }
    return out;
  }

  /** Edges whose bounding box meets the box, leaving out those of the grid `skip`. */
  edgesWithin([minX, minY, maxX, maxY]: Box, skip?: string): Edge[] {
    return this.edgeHits(minX, minY, maxX, maxY, skip).map((i) => [
      [this.seg[4 * i]!, this.seg[4 * i + 1]!],
      [this.seg[4 * i + 2]!, this.seg[4 * i + 3]!],
    ]);
  }

  /** The grids (other than `skip`) with an edge passing within `eps` degrees of the point. */
  gridsWithEdgeAt([x, y]: Point, eps: number, skip?: string): string[] {
    const found = new Set<string>();
    for (const i of this.edgeHits(x! - eps, y! - eps, x! + eps, y! + eps, skip)) {
      const a = [this.seg[4 * i]!, this.seg[4 * i + 1]!];
      const b = [this.seg[4 * i + 2]!, this.seg[4 * i + 3]!];
      if (distanceToSegment([x!, y!], a, b) <= eps) found.add(this.codes[this.segOwner[i]!]!);
    }
    return [...found];
  }

  /** The grids (other than `skip`) with a vertex within `eps` degrees of the point (on both axes). */
  gridsWithVertexAt([x, y]: Point, eps: number, skip?: string): string[] {
    if (!this.tree) return [];
    const found = new Set<string>();
    for (const i of this.tree.search(x! - eps, y! - eps, x! + eps, y! + eps)) {
      const code = this.codes[this.owner[i]!]!;
      if (code !== skip) found.add(code);
    }
    return [...found];
  }

  private edgeHits(minX: number, minY: number, maxX: number, maxY: number, skip?: string): number[] {
    if (!this.edgeTree) return [];
    return this.edgeTree
      .search(minX, minY, maxX, maxY)
      .filter((i) => skip === undefined || this.codes[this.segOwner[i]!] !== skip);
  }
}

/** Where along a→b (0…1) the point nearest to p lies, in the plane of the coordinates given. */
export function along(p: Point, a: Point, b: Point): number {
  const dx = b[0]! - a[0]!;
  const dy = b[1]! - a[1]!;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return 0;
  return Math.max(0, Math.min(1, ((p[0]! - a[0]!) * dx + (p[1]! - a[1]!) * dy) / len2));
}

export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const t = along(p, a, b);
  return Math.hypot(p[0]! - (a[0]! + t * (b[0]! - a[0]!)), p[1]! - (a[1]! + t * (b[1]! - a[1]!)));
}

export function same(a: Point, b: Point): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/** Calls `each` with every ring (array of positions) of a Polygon's or MultiPolygon's coordinates. */
export function rings(coords: unknown, each: (ring: number[][]) => void): void {
  if (!Array.isArray(coords) || coords.length === 0) return;
  if (Array.isArray(coords[0]) && typeof coords[0][0] === 'number') each(coords as number[][]);
  else for (const c of coords) rings(c, each);
}
