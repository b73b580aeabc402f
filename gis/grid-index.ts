// The in-process point → grid index: a flatbush R-tree of grid bounding boxes with
// Turf's exact point-in-polygon on the few candidates. It holds every version ever
// published, so "which grid at time T" is answered here too, without a round trip.
import Flatbush from 'flatbush';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { bbox } from '@turf/bbox';
import type { GridVersion, GridVersionWithGeometry } from './grids.repository.js';
import type { AreaGeometry } from './geojson.js';

interface Entry {
  grid: GridVersion;
  geometry: AreaGeometry;
  from: number;
  to: number;
}

export class GridIndex {
  private readonly byVersion: Map<number, GridVersion>;

  private constructor(
    private readonly tree: Flatbush | null,
    private readonly entries: Entry[],
    readonly revision: number,
  ) {
    this.byVersion = new Map(entries.map((e) => [e.grid.versionId, e.grid]));
  }

  /** A version by id, e.g. to name the grid of a stored fix. */
  version(versionId: number): GridVersion | undefined {
    return this.byVersion.get(versionId);
  }

  static build(versions: readonly GridVersionWithGeometry[], revision: number): GridIndex {
    if (versions.length === 0) return new GridIndex(null, [], revision);
    const tree = new Flatbush(versions.length);
    const entries: Entry[] = [];
    for (const { geometry, ...grid } of versions) {
      const [minX, minY, maxX, maxY] = bbox(geometry);
      tree.add(minX, minY, maxX, maxY);
      entries.push({ grid, geometry, from: grid.validFrom.getTime(), to: grid.validTo?.getTime() ?? Infinity });
    }
    tree.finish();
    return new GridIndex(tree, entries, revision);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The grid version covering [lon, lat] at `at` (ms since epoch, default now).
   * Boundary points count as inside; where grids share an edge the lowest code wins,
   * the same rule the PostGIS lookup uses.
   */
  lookup(lon: number, lat: number, at: number = Date.now()): GridVersion | null {
    if (!this.tree) return null;
    let best: GridVersion | null = null;
    const point = [lon, lat];
    for (const i of this.tree.search(lon, lat, lon, lat)) {
      const entry = this.entries[i]!;
      if (at < entry.from || at >= entry.to) continue;
      if (best !== null && entry.grid.code >= best.code) continue;
      if (booleanPointInPolygon(point, entry.geometry)) best = entry.grid;
    }
    return best;
  }
}
