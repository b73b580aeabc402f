// The demo town's gazetteer read straight from fixtures/hangbu (areas, grids, roads and
// landmarks.csv), without a database: what the address benchmark and the address
// index's own tests locate against. The server builds the same index from PostGIS.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { pointOnFeature } from '@turf/turf';
import { GridIndex } from '../gis/module.js';
import type { AreaGeometry } from '../gis/module.js';
import type { GazetteerData, GazetteerLandmark, LonLat } from './address-index.js';
import { readLandmarkCsv } from './landmark-csv.js';

interface Feature<P> {
  type: 'Feature';
  properties: P;
  geometry: { type: string; coordinates: unknown };
}
interface Collection<P> {
  features: Feature<P>[];
}
type AreaProps = { code: string; name: string; level: string; parent_code: string | null };
type GridProps = { code: string; name: string; kind: string; village_code: string };

export interface FixtureGazetteer {
  data: GazetteerData;
  grids: GridIndex;
  /** village id → official name, grid version id → code. */
  villageName: Map<number, string>;
}

export async function readFixtureGazetteer(dir: string): Promise<FixtureGazetteer> {
  const read = async <P>(name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as Collection<P>;
  const areas = await read<AreaProps>('areas.geojson');
  const grids = await read<GridProps>('grids.geojson');
  const roads = await read<{ name: string }>('roads.geojson');
  const ids = new Map(areas.features.map((f, i) => [f.properties.code, i + 1]));
  const names = new Map(areas.features.map((f) => [f.properties.code, f.properties.name]));
  const point = (f: Feature<unknown>) => pointOnFeature(f as never).geometry.coordinates as LonLat;
  const towns = areas.features
    .filter((f) => f.properties.level === 'town')
    .map((f) => {
      const parents: string[] = [];
      for (
        let code = f.properties.parent_code;
        code;
        code = areas.features.find((a) => a.properties.code === code)?.properties.parent_code ?? null
      ) {
        parents.push(names.get(code)!);
      }
      return {
        id: ids.get(f.properties.code)!,
        code: f.properties.code,
        name: f.properties.name,
        point: point(f),
        parentNames: parents,
      };
    });
  const villageFeatures = areas.features.filter((f) => f.properties.level === 'village');
  const villages = villageFeatures.map((f) => ({
    id: ids.get(f.properties.code)!,
    townId: ids.get(f.properties.parent_code!)!,
    code: f.properties.code,
    name: f.properties.name,
    point: point(f),
  }));
  const townId = towns[0]!.id;
  const villageAt = (lon: number, lat: number) =>
    villageFeatures.find((f) => booleanPointInPolygon([lon, lat], f.geometry as never)) ?? null;
  const csv = readLandmarkCsv(await readFile(path.join(dir, 'landmarks.csv')));
  if ('problems' in csv) throw new Error(`landmarks.csv: ${JSON.stringify(csv.problems.slice(0, 5))}`);
  const landmarks: GazetteerLandmark[] = csv.rows.map((r, i) => {
    const v = villageAt(r.lon, r.lat);
    return {
      id: i + 1,
      townId,
      villageId: v ? ids.get(v.properties.code)! : null,
      name: r.name,
      kind: r.kind,
      aliases: r.aliases,
      lon: r.lon,
      lat: r.lat,
    };
  });
  const versions = grids.features.map((g, i) => ({
    versionId: i + 1,
    gridId: i + 1,
    version: 1,
    code: g.properties.code,
    name: g.properties.name,
    kind: g.properties.kind as never,
    villageId: ids.get(g.properties.village_code)!,
    townId,
    areaM2: 0,
    validFrom: new Date(0),
    validTo: null,
    geometry: g.geometry as AreaGeometry,
  }));
  return {
    data: {
      towns,
      villages,
      roads: roads.features.map((f) => ({
        townId,
        name: f.properties.name,
        lines: [f.geometry.coordinates as LonLat[]],
      })),
      landmarks,
    },
    grids: GridIndex.build(versions, 1),
    villageName: new Map(villages.map((v) => [v.id, v.name])),
  };
}
