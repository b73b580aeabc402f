import type { Db } from '../platform/db/pool.js';
import { convertPoint, type Crs } from './crs.js';
import { GridsRepository, type GridVersion } from './grids.repository.js';
import type { GridMap } from './map-revision.js';

export interface LookupPoint {
  lon: number;
  lat: number;
  at?: Date;
}

export interface GridHit {
  versionId: number;
  gridId: number;
  version: number;
  code: string;
  name: string;
  kind: string;
  villageId: number;
  townId: number;
  validFrom: Date;
  validTo: Date | null;
}

const hit = (g: GridVersion | null): GridHit | null =>
  g && {
    versionId: g.versionId,
    gridId: g.gridId,
    version: g.version,
    code: g.code,
    name: g.name,
    kind: g.kind,
    villageId: g.villageId,
    townId: g.townId,
    validFrom: g.validFrom,
    validTo: g.validTo,
  };

/** Point → grid, now or at a time: the in-process index by default, PostGIS on request. */
export class GridLookupService {
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
  ) {}

  lookup(points: LookupPoint[], crs: Crs): (GridHit | null)[] {
    const index = this.gridMap.current;
    return points.map((p) => {
      const [lon, lat] = convertPoint(p.lon, p.lat, crs, 'WGS84');
      return hit(index.lookup(lon, lat, p.at?.getTime()));
    });
  }

  /** The same answer decided by PostGIS; one query per distinct time. */
  async lookupInDatabase(points: LookupPoint[], crs: Crs): Promise<(GridHit | null)[]> {
    const repo = new GridsRepository(this.db);
    const out: (GridHit | null)[] = new Array(points.length).fill(null);
    const byTime = new Map<number, number[]>();
    points.forEach((p, i) => {
      const t = p.at?.getTime() ?? Date.now();
      byTime.set(t, [...(byTime.get(t) ?? []), i]);
    });
    for (const [t, indexes] of byTime) {
      const found = await repo.findAt(
        indexes.map((i) => convertPoint(points[i]!.lon, points[i]!.lat, crs, 'WGS84')),
        new Date(t),
      );
      indexes.forEach((i, k) => (out[i] = hit(found[k] ?? null)));
    }
    return out;
  }
}
