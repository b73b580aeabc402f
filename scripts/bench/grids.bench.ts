// Grid-map benchmark on the large generated fixture (about 10,000 grids over several
// towns): point → grid in process and through PostGIS, validating and publishing a
// 10,000-grid plan, and z12 vector tiles uncached and cached over HTTP.
//   npm run bench:grids [-- --grids 10000 --towns 4]
import { parseArgs } from 'node:util';
import { parseConfig } from '../../platform/config.js';
import { startApi } from '../../server/composition.js';
import { AuthContext } from '../../platform/auth/auth-context.js';
import { AccountsRepository } from '../../accounts/accounts.repository.js';
import { TilesRepository } from '../../gis/tiles.repository.js';
import { makeLargeFixture } from '../fixtures/make-large-fixture.js';
import { BenchReport, runBenchmark, freshBenchDatabase, fmt, percentile } from './bench-db.js';
import { bbox } from '@turf/bbox';
import type { AreaGeometry } from '../../gis/geojson.js';

const { values } = parseArgs({
  options: { grids: { type: 'string', default: '10000' }, towns: { type: 'string', default: '4' } },
});
const GRIDS = Number(values.grids);
const TOWNS = Number(values.towns);

function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return {
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n),
  };
}

async function main(): Promise<void> {
  const bench = new BenchReport();
  const report = (what: string, value: string) => bench.add(what, value);

  console.log(`generating ${GRIDS} grids over ${TOWNS} towns…`);
  let t0 = performance.now();
  const fixture = await makeLargeFixture({ grids: GRIDS, towns: TOWNS, seed: 1 });
  report('fixture generated', `${fmt((performance.now() - t0) / 1000, 2)} s`);

  const url = await freshBenchDatabase('wangge_bench_grids');
  const api = await startApi(
    parseConfig({ ...process.env, DATABASE_URL: url, PORT: '0', REDIS_PREFIX: 'wangge-bench', LOG_LEVEL: 'warn' }),
  );
  const { services } = api;
  await services.auth.ensureFirstAdmin('bench-admin-password');
  const admin = AuthContext.of((await new AccountsRepository(services.db).findByUsername('admin'))!);

  // Areas, then one district-wide draft plan of every grid.
  const areas = fixture.areas.features.map((f) => ({
    code: f.properties.code,
    name: f.properties.name,
    level: f.properties.level,
    parentCode: f.properties.parent_code,
    synthetic: true,
    geometry: f.geometry as AreaGeometry,
  }));
  await services.areas.import(areas);
  const district = areas.find((a) => a.level === 'district')!;
  const plan = await services.plans.create(admin, district.code, 'benchmark plan');
  t0 = performance.now();
  await services.plans.importGrids(
    admin,
    plan.id,
    fixture.grids.features.map((g) => ({
      code: g.properties.code,
      name: g.properties.name,
      kind: g.properties.kind,
      villageCode: g.properties.village_code,
      geometry: g.geometry as AreaGeometry,
    })),
    false,
  );
  report(`import ${GRIDS} grids into a draft`, `${fmt((performance.now() - t0) / 1000, 2)} s`);

  t0 = performance.now();
  const validation = await services.plans.validate(admin, plan.id);
  report(
    `validate a ${GRIDS}-grid plan`,
    `${fmt((performance.now() - t0) / 1000, 2)} s (errors ${validation.errors}, warnings ${validation.warnings})`,
  );
  if (!validation.ok) console.log(JSON.stringify(validation.issues.slice(0, 3), null, 1).slice(0, 2000));

  t0 = performance.now();
  const published = await services.plans.publish(admin, plan.id);
  report(
    `publish a ${GRIDS}-grid plan (validated again inside)`,
    `${fmt((performance.now() - t0) / 1000, 2)} s (${published.added} grids)`,
  );

  // The common case: a draft of all 10,000 grids in which few or none changed.
  const again = await services.plans.create(admin, district.code, 'benchmark: no change');
  t0 = performance.now();
  const unchanged = await services.plans.publish(admin, again.id);
  report(
    `publish a ${GRIDS}-grid draft with nothing changed`,
    `${fmt((performance.now() - t0) / 1000, 2)} s (${unchanged.unchanged} unchanged)`,
  );

  // Point → grid in process.
  const [minX, minY, maxX, maxY] = bbox(
    fixture.areas.features.find((f) => f.properties.level === 'district')!.geometry as never,
  );
  const N = 1_000_000;
  const xs = new Float64Array(N);
  const ys = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    xs[i] = minX + Math.random() * (maxX - minX);
    ys[i] = minY + Math.random() * (maxY - minY);
  }
  const index = services.gridMap.current;
  let found = 0;
  for (let i = 0; i < 50_000; i++) index.lookup(xs[i]!, ys[i]!); // warm up
  t0 = performance.now();
  for (let i = 0; i < N; i++) if (index.lookup(xs[i]!, ys[i]!)) found++;
  const inProcessSec = (performance.now() - t0) / 1000;
  report(
    'point → grid in process',
    `${fmt(N / inProcessSec, 0)} lookups/s (${fmt((found / N) * 100)}% of random points in a grid)`,
  );

  // Point → grid through PostGIS: batches of 500 on 4 connections.
  const P = 100_000;
  const BATCH = 500;
  const batches: { lon: number; lat: number }[][] = [];
  for (let i = 0; i < P; i += BATCH)
    batches.push(Array.from({ length: BATCH }, (_, k) => ({ lon: xs[i + k]!, lat: ys[i + k]! })));
  t0 = performance.now();
  let next = 0;
  let agree = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        const b = batches[next++]!;
        const hits = await services.lookup.lookupInDatabase(b, 'WGS84');
        hits.forEach((h, k) => {
          if ((h?.code ?? null) === (index.lookup(b[k]!.lon, b[k]!.lat)?.code ?? null)) agree++;
        });
      }
    }),
  );
  const pgSec = (performance.now() - t0) / 1000;
  report(
    'point → grid through PostGIS (batches of 500, 4 connections)',
    `${fmt(P / pgSec, 0)} lookups/s; index and PostGIS agree on ${agree}/${P}`,
  );

  // Tiles at z12 over the district: uncached straight from PostGIS, then cached over HTTP.
  const a = tileOf(minX, maxY, 12);
  const b = tileOf(maxX, minY, 12);
  const tiles: { x: number; y: number }[] = [];
  for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) tiles.push({ x, y });
  const repo = new TilesRepository(services.db);
  const uncached: number[] = [];
  let bytes = 0;
  for (const tile of tiles) {
    const s = performance.now();
    bytes += (await repo.tile(12, tile.x, tile.y)).length;
    uncached.push(performance.now() - s);
  }
  uncached.sort((p, q) => p - q);
  report(
    `z12 tile uncached (${tiles.length} tiles, PostGIS ST_AsMVT)`,
    `p50 ${fmt(percentile(uncached, 50))} ms, p95 ${fmt(percentile(uncached, 95))} ms, mean size ${fmt(bytes / tiles.length / 1024)} KiB`,
  );

  const login = await fetch(`${api.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  const get = async (tile: { x: number; y: number }) => {
    const s = performance.now();
    const res = await fetch(`${api.url}/tiles/grids/12/${tile.x}/${tile.y}.mvt`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    return performance.now() - s;
  };
  const firstHttp: number[] = [];
  for (const tile of tiles) firstHttp.push(await get(tile));
  const cached: number[] = [];
  for (let round = 0; round < 5; round++) for (const tile of tiles) cached.push(await get(tile));
  firstHttp.sort((p, q) => p - q);
  cached.sort((p, q) => p - q);
  report(
    'z12 tile over HTTP, first request (uncached)',
    `p50 ${fmt(percentile(firstHttp, 50))} ms, p95 ${fmt(percentile(firstHttp, 95))} ms`,
  );
  report(
    'z12 tile over HTTP, cached',
    `p50 ${fmt(percentile(cached, 50), 2)} ms, p99 ${fmt(percentile(cached, 99), 2)} ms`,
  );

  await api.close();
  bench.print();
}

runBenchmark(main);
