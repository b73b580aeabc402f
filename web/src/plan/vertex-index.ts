// The draft's vertices in a flatbush index (lon/lat), built once per draft change, so
// snapping under the cursor looks at a handful of vertices instead of every grid's.
import Flatbush from 'flatbush';

export type Box = [number, number, number, number];

export class VertexIndex {
  private readonly tree: Flatbush | null;
  /** x, y of each vertex, in the order they were added to the tree. */
  private readonly xy: Float64Array;
  /** The grid each vertex belongs to (its position in `codes`). */
  private readonly owner: Uint32Array;

  constructor(private readonly codes: string[], geometries: unknown[]) {
    const xy: number[] = [];
    const owner: number[] = [];
    geometries.forEach((g, i) => collect(g, (x, y) => {
      xy.push(x, y);
      owner.push(i);
    }));
    this.xy = Float64Array.from(xy);
    this.owner = Uint32Array.from(owner);
    if (owner.length === 0) {
      this.tree = null;
      return;
    }
    const tree = new Flatbush(owner.length);
    for (let i = 0; i < xy.length; i += 2) tree.add(xy[i]!, xy[i + 1]!, xy[i]!, xy[i + 1]!);
    tree.finish();
    this.tree = tree;
  }

  static empty(): VertexIndex {
    return new VertexIndex([], []);
  }

  get size(): number {
    return this.owner.length;
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
}

function collect(coords: unknown, add: (x: number, y: number) => void): void {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number') add(coords[0], coords[1] as number);
  else for (const c of coords) collect(c, add);
}
