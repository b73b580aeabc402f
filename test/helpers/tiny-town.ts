// A tiny synthetic town made by hand for exact edge cases: a 0.03° square split into
// two villages (west and east) and nine 0.01° square grids, codes T1..T9 row by row
// from the south-west. Decimal coordinates make shared edges exact.
import type { TestApi } from './api.js';

export const ORIGIN = { lon: 120, lat: 30 };
export const STEP = 0.01;

const r = (n: number) => Math.round(n * 1e9) / 1e9;

export function square(x0: number, y0: number, w: number, h: number): { type: 'Polygon'; coordinates: number[][][] } {
  const [a, b, c, d] = [r(x0), r(y0), r(x0 + w), r(y0 + h)];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [a, b],
        [c, b],
        [c, d],
        [a, d],
        [a, b],
      ],
    ],
  };
}

export function cell(col: number, row: number) {
  return square(ORIGIN.lon + col * STEP, ORIGIN.lat + row * STEP, STEP, STEP);
}

export const TOWN = '990101001';
export const WEST = '990101001201';
export const EAST = '990101001202';

export function tinyTownAreas() {
  const f = (code: string, name: string, level: string, parent_code: string | null, geometry: unknown) => ({
    type: 'Feature',
    properties: { code, name, level, parent_code, synthetic: true },
    geometry,
  });
  return {
    type: 'FeatureCollection',
    features: [
      f('9901', '测试市', 'city', null, square(119.9, 29.9, 0.3, 0.3)),
      f('990101', '测试区', 'district', '9901', square(119.95, 29.95, 0.2, 0.2)),
      f(TOWN, '测试镇', 'town', '990101', square(ORIGIN.lon, ORIGIN.lat, 3 * STEP, 3 * STEP)),
      // West village: columns 0–1; east village: column 2.
      f(WEST, '西村', 'village', TOWN, square(ORIGIN.lon, ORIGIN.lat, 2 * STEP, 3 * STEP)),
      f(EAST, '东村', 'village', TOWN, square(ORIGIN.lon + 2 * STEP, ORIGIN.lat, STEP, 3 * STEP)),
    ],
  };
}

export function tinyTownGrid(col: number, row: number) {
  const n = row * 3 + col + 1;
  return {
    type: 'Feature' as const,
    properties: {
      code: `T${n}`,
      name: `测试网格${n}`,
      kind: 'residential' as const,
      village_code: col === 2 ? EAST : WEST,
    },
    geometry: cell(col, row),
  };
}

export function tinyTownGrids() {
  const features = [];
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) features.push(tinyTownGrid(col, row));
  return { type: 'FeatureCollection' as const, features };
}

/** Imports the tiny town's areas and publishes its nine grids; answers the town's id. */
export async function publishTinyTown(t: TestApi): Promise<number> {
  await t.admin.post('/api/areas/import', tinyTownAreas());
  const plan = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'grids' })).body.id;
  await t.admin.put(`/api/plans/${plan}/grids`, tinyTownGrids());
  await t.admin.post(`/api/plans/${plan}/publish`);
  return (await t.admin.get(`/api/areas/${TOWN}`)).body.id;
}
