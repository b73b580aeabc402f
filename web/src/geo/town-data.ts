// The town's villages and grids as GeoJSON (one request, cached per page load): the
// map's first view, the search index and the village labels come from it.
import { get } from '../api';

export type Bbox = [number, number, number, number];

export interface Place {
  kind: 'village' | 'grid' | 'town';
  /** Grid id (the vector tiles' feature id) for grids. */
  id: number | null;
  code: string;
  name: string;
  bbox: Bbox;
  center: [number, number];
}

export interface TownData {
  bbox: Bbox;
  places: Place[];
}

export interface TownFeature {
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown };
}

export interface TownFeatures {
  features: TownFeature[];
}

const raw = new Map<string, Promise<TownFeatures>>();
const cache = new Map<string, Promise<TownData>>();

/** The town's published map as GeoJSON, fetched once and shared by every user. */
export function townFeatures(code: string): Promise<TownFeatures> {
  let p = raw.get(code);
  if (!p) {
    p = get<TownFeatures>(`/api/towns/${code}/map.geojson`);
    p.catch(() => {
      if (raw.get(code) === p) raw.delete(code);
    });
    raw.set(code, p);
  }
  return p;
}

export function townData(code: string): Promise<TownData> {
  let p = cache.get(code);
  if (!p) {
    p = townFeatures(code).then(toTownData);
    p.catch(() => {
      if (cache.get(code) === p) cache.delete(code);
    });
    cache.set(code, p);
  }
  return p;
}

/** After a publish: the next townFeatures() / townData() asks the server again. */
export function forgetTownData(code: string): void {
  raw.delete(code);
  cache.delete(code);
}

function toTownData(fc: TownFeatures): TownData {
  const places: Place[] = [];
  let all: Bbox = [180, 90, -180, -90];
  for (const f of fc.features) {
    const b = bboxOf(f.geometry.coordinates);
    const p = f.properties;
    const kind = p['layer'];
    if (kind !== 'village' && kind !== 'town' && kind !== 'grid') continue;
    if (kind === 'town' || kind === 'village') all = union(all, b);
    places.push({
      kind,
      id: typeof p['grid_id'] === 'number' ? p['grid_id'] : null,
      code: String(p['code']),
      name: String(p['name'] ?? p['code']),
      bbox: b,
      center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2],
    });
  }
  if (all[0] > all[2]) for (const p of places) all = union(all, p.bbox);
  return { bbox: all, places };
}

export function bboxOf(coords: unknown, into: Bbox = [180, 90, -180, -90]): Bbox {
  if (Array.isArray(coords) && typeof coords[0] === 'number') {
    const [x, y] = coords as number[];
    into[0] = Math.min(into[0], x!);
    into[1] = Math.min(into[1], y!);
    into[2] = Math.max(into[2], x!);
    into[3] = Math.max(into[3], y!);
  } else if (Array.isArray(coords)) {
    for (const c of coords) bboxOf(c, into);
  }
  return into;
}

function union(a: Bbox, b: Bbox): Bbox {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}
