// Map-file import benchmark: the large generated district (about 10,000 grids) written by
// ogr2ogr as a planner receives it — a zipped Shapefile in CGCS2000 3-degree Gauss-Krüger
// zone 40 with GBK attributes (网格编码, 网格名称, 所属村社, OBJECTID, Shape_Area) — then
// previewed and imported through HTTP into a district draft that is validated.
// Floor: the import reaches a validated draft in under 15 s.
//   npm run bench:import [-- --grids 10000 --towns 4]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../platform/config.js';
import { startApi } from '../../server/composition.js';
import { makeLargeFixture } from '../fixtures/make-large-fixture.js';
import type { AreaGeometry } from '../../gis/geojson.js';
import { BenchReport, fmt, freshBenchDatabase, runBenchmark } from './bench-db.js';

const { values } = parseArgs({
  options: { grids: { type: 'string', default: '10000' }, towns: { type: 'string', default: '4' } },
});
const GRIDS = Number(values.grids);
const FLOOR_S = 15;

async function main(): Promise<void> {
  const bench = new BenchReport();
  const load = () =>
    `load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`;
  const fixture = await makeLargeFixture({ grids: GRIDS, towns: Number(values.towns), seed: 1 });

  // The planner's file, made by GDAL as the natural resources bureau's software would.
  const dir = mkdtempSync(join(tmpdir(), 'wangge-bench-import-'));
  let zip: Buffer;
  try {
    writeFileSync(
      join(dir, 'in.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        features: fixture.grids.features.map((g, i) => ({
          type: 'Feature',
          properties: {
            网格编码: g.properties.code,
            网格名称: g.properties.name,
            所属村社: g.properties.village_code,
            OBJECTID: i + 1,
            Shape_Area: 0,
          },
          geometry: g.geometry,
        })),
      }),
    );
    execFileSync('ogr2ogr', [
      '-f',
      'ESRI Shapefile',
      '-t_srs',
      'EPSG:4528',
      '-lco',
      'ENCODING=CP936',
      '-nln',
      '网格',
      join(dir, 'grids.shp.zip'),
      join(dir, 'in.geojson'),
    ]);
    zip = readFileSync(join(dir, 'grids.shp.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  bench.add(
    'the file',
    `${fixture.grids.features.length} grids, zipped Shapefile in EPSG:4528 (GBK), ${fmt(zip.length / 1_048_576, 1)} MB`,
  );

  const url = await freshBenchDatabase('wangge_bench_import');
  const api = await startApi(
    parseConfig({
      ...process.env,
      DATABASE_URL: url,
      PORT: '0',
      REDIS_PREFIX: 'wangge-bench-import',
      LOG_LEVEL: 'warn',
      OSMAND_PORT: '0',
      RTMP_PORT: '0',
    }),
  );
  try {
    await api.services.auth.ensureFirstAdmin('bench-admin-password');
    const login = (await (
      await fetch(`${api.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
      })
    ).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}`, 'content-type': 'application/octet-stream' };
    await api.services.areas.import(
      fixture.areas.features.map((f) => ({
        code: f.properties.code,
        name: f.properties.name,
        level: f.properties.level,
        parentCode: f.properties.parent_code,
        synthetic: true,
        geometry: f.geometry as AreaGeometry,
      })),
    );
    const district = fixture.areas.features.find((f) => f.properties.level === 'district')!.properties.code;
    const plan = (await (
      await fetch(`${api.url}/api/plans`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ scopeCode: district, title: 'bench import' }),
      })
    ).json()) as { id: number };

    let t0 = performance.now();
    const preview = await fetch(`${api.url}/api/plans/${plan.id}/map-file/preview?filename=grids.zip`, {
      method: 'POST',
      headers,
      body: new Uint8Array(zip),
    });
    const seen = (await preview.json()) as { features: number; crs: { id: string } };
    if (preview.status !== 200) throw new Error(`preview: ${preview.status} ${JSON.stringify(seen)}`);
    bench.add(
      'preview (read, reproject, attributes, mapping)',
      `${fmt((performance.now() - t0) / 1000, 2)} s (${seen.features} features, ${seen.crs.id}; ${load()})`,
    );

    t0 = performance.now();
    const res = await fetch(`${api.url}/api/plans/${plan.id}/map-file?filename=grids.zip`, {
      method: 'POST',
      headers,
      body: new Uint8Array(zip),
    });
    const done = (await res.json()) as {
      imported: number;
      validation: { ok: boolean; errors: number; warnings: number };
    };
    const seconds = (performance.now() - t0) / 1000;
    if (res.status !== 200) throw new Error(`import: ${res.status} ${JSON.stringify(done).slice(0, 1000)}`);
    bench.add(
      `zipped Shapefile → validated draft (floor ${FLOOR_S} s)`,
      `${fmt(seconds, 2)} s (${done.imported} grids, ${done.validation.errors} errors, ${done.validation.warnings} warnings; ${load()}) ${seconds < FLOOR_S ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await api.close();
  }
  bench.print();
}

runBenchmark(main);
