// Position ingest benchmark: 10,000 grids, 10,000 gridworkers with phones. The api
// runs as its own process (server/main.ts); this process is the load. Measures, end
// to end (HTTP in → checked → grid assigned → committed in PostgreSQL → answered):
// the batch API, the OsmAnd port, and "everyone on duty in a town now".
//   npm run bench:positions [-- --seconds 20]
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { centroid } from '@turf/turf';
import { PeopleRepository } from '../../people/people.repository.js';
import { newDeviceToken } from '../../people/device-tokens.js';
import { BenchReport, runBenchmark, freshBenchDatabase, fmt, percentile } from './bench-db.js';
import { BENCH_ADMIN_PASSWORD, closeServices, publishLargeTown } from './bench-town.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, devices: { type: 'string', default: '10000' } },
});
const SECONDS = Number(values.seconds);
const DEVICES = Number(values.devices);

/** The machine's load average (1, 5, 15 minutes): other work on the 2 cores disturbs the figures. */
const machineLoad = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

interface Device {
  identifier: string;
  token: string;
  lon: number;
  lat: number;
  t: number;
}

async function prepare(url: string): Promise<{ devices: Device[]; townCode: string }> {
  const { services, admin, townCode, fixture } = await publishLargeTown(url, 'wangge-bench-pos');
  try {
    // One full-time gridworker per grid, on duty, each with a phone.
    const grids = fixture.grids.features.slice(0, DEVICES);
    const repo = new PeopleRepository(services.db);
    const villageIds = new Map((await services.areas.list(admin, 'village', undefined)).map((v) => [v.code, v.id]));
    const gridIds = await repo.gridIdsByCode(
      grids.map((g) => g.properties.code),
      (await services.areas.list(admin, 'town', undefined)).map((t) => t.id),
    );
    const devices: Device[] = [];
    for (let i = 0; i < grids.length; i += 2000) {
      const chunk = grids.slice(i, i + 2000);
      const ids = await repo.insertMany(
        chunk.map((g, k) => ({
          name: `网格员${i + k}`,
          phone: '13800000000',
          roles: ['fulltime_gridworker'],
          villageId: villageIds.get(g.properties.village_code)!,
          gridIds: [gridIds.get(g.properties.code)!],
          accountId: null,
          dutyStatus: 'on_duty',
        })),
      );
      const tokens = chunk.map(() => newDeviceToken());
      await repo.insertDevices(
        ids.map((personId, k) => ({ personId, identifier: `bench-${i + k}`, name: '', tokenHash: tokens[k]!.hash })),
      );
      chunk.forEach((g, k) => {
        const [lon, lat] = centroid(g.geometry as never).geometry.coordinates as [number, number];
        devices.push({ identifier: `bench-${i + k}`, token: tokens[k]!.token, lon, lat, t: Date.now() });
      });
    }
    return { devices, townCode };
  } finally {
    await closeServices(services);
  }
}

async function settle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('VACUUM ANALYZE current_positions, positions, people, grid_events');
  await client.end();
}

/** A step of a slow walk: about 1.2 m per second of phone time. */
function step(d: Device, seconds: number): { lon: number; lat: number; t: number } {
  d.t += seconds * 1000;
  d.lon += (Math.random() - 0.5) * 2.4e-5 * seconds;
  d.lat += (Math.random() - 0.5) * 2.4e-5 * seconds;
  return { lon: d.lon, lat: d.lat, t: d.t };
}

/** Runs wrk against the OsmAnd port with a script that walks every device forward. */
function runWrk(devices: Device[], connections: number, seconds: number): string {
  if (spawnSync('which', ['wrk']).status !== 0) {
    console.log('  (installing wrk from Debian for the OsmAnd load)');
    spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'wangge-wrk-'));
  const table = devices.map((d) => `{'${d.identifier}',${d.lon},${d.lat}}`).join(',');
  writeFileSync(path.join(dir, 'devices.lua'), `return {${table}}`);
  const start = Math.ceil(Math.max(...devices.map((d) => d.t)) / 1000) + 1;
  writeFileSync(
    path.join(dir, 'osmand.lua'),
    `local devices = dofile("${dir}/devices.lua")
local n = #devices
local counter = 0
request = function()
  counter = counter + 1
  local d = devices[(counter % n) + 1]
  local round = math.floor(counter / n)
  local jitter = (counter % 7) * 0.00001
  return wrk.format("GET", string.format("/?id=%s&lat=%.7f&lon=%.7f&timestamp=%d&speed=2.3&accuracy=6&batt=80",
    d[1], d[3] + jitter, d[2] + jitter, ${start} + round * 5))
end
`,
  );
  // One wrk thread, one request at a time per connection (no pipelining), so the load
  // generator takes as little of the 2 cores as it can.
  const out = spawnSync(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      path.join(dir, 'osmand.lua'),
      'http://127.0.0.1:15055/',
    ],
    { encoding: 'utf8' },
  ).stdout;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1];
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return `${fmt(Number(rps), 0)} requests/s, latency p50 ${p50}, p99 ${p99}, non-2xx ${bad}; load ${machineLoad()}`;
}

interface LoadResult {
  ok: number;
  refused: Record<number, number>;
  latencies: number[];
  seconds: number;
}

/** Keeps `concurrency` requests in flight for `seconds`, each made by `next`. */
async function load(
  concurrency: number,
  seconds: number,
  next: () => { options: http.RequestOptions; body?: string },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result: LoadResult = { ok: 0, refused: {}, latencies: [], seconds };
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const { options, body } = next();
      const started = performance.now();
      const req = http.request({ ...options, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          result.latencies.push(performance.now() - started);
          if (res.statusCode === 200) result.ok++;
          else result.refused[res.statusCode!] = (result.refused[res.statusCode!] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        result.refused[0] = (result.refused[0] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  result.latencies.sort((a, b) => a - b);
  return result;
}

/** Asks `n` times, one after another on one kept-alive connection; each time ends when the body is parsed. */
async function timeOnDuty(
  url: string,
  token: string,
  n: number,
): Promise<{ times: number[]; count: number; bytes: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let count = 0;
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    const started = performance.now();
    const body = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks))
              : reject(new Error(`on-duty answered ${res.statusCode}`)),
          );
        })
        .on('error', reject);
    });
    count = (JSON.parse(body.toString('utf8')) as { count: number }).count;
    times.push(performance.now() - started);
    bytes = body.length;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { times, count, bytes };
}

async function main(): Promise<void> {
  console.log(`preparing 10,000 grids and ${DEVICES} gridworkers with phones… (load ${machineLoad()})`);
  const url = await freshBenchDatabase('wangge_bench_positions');
  const { devices, townCode } = await prepare(url);

  const api = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: '18080',
      OSMAND_PORT: '15055',
      REDIS_PREFIX: 'wangge-bench-pos',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      DEVICE_BURST: '100',
      RTMP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    createInterface({ input: api.stdout! }).on('line', (l) => l.includes('api listening') && resolve()),
  );
  const bench = new BenchReport();
  const report = (what: string, r: LoadResult, perRequest: number) =>
    bench.add(
      what,
      `${fmt((r.ok * perRequest) / r.seconds, 0)} fixes/s (${fmt(r.ok / r.seconds, 0)} requests/s), latency p50 ${fmt(percentile(r.latencies, 50))} ms, p99 ${fmt(percentile(r.latencies, 99))} ms, refused ${JSON.stringify(r.refused)}; load ${machineLoad()}`,
    );

  try {
    // Batch API: 100 fixes (100 s of a phone's walk) per request, 8 requests in flight.
    let i = 0;
    const batch = await load(8, SECONDS, () => {
      const d = devices[i++ % devices.length]!;
      const fixes = Array.from({ length: 100 }, () => {
        const s = step(d, 1);
        return { time: s.t, lat: s.lat, lon: s.lon, accuracy: 5, speed: 1.2 };
      });
      return {
        options: {
          host: '127.0.0.1',
          port: 18080,
          path: '/api/positions/batch',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}` },
        },
        body: JSON.stringify({ fixes }),
      };
    });
    report('batch API, 100 fixes a request, 8 in flight', batch, 100);

    // Between phases the database settles as autovacuum would keep it in steady state,
    // and a short unmeasured wrk run opens the connections and warms the statements.
    await settle(url);
    runWrk(devices, 256, 3);
    // Past the warm-up's timestamps, so the measured fixes are all new.
    for (const d of devices) d.t += 60_000;

    // OsmAnd port: one fix a request, as Traccar Client sends, from wrk (C, so the load
    // itself takes little of the 2 cores); 256 connections stand for 10,000 phones.
    const osmand = runWrk(devices, 256, SECONDS);
    bench.add('OsmAnd port, 1 fix a request, 256 connections (wrk -t1, no pipelining)', osmand);

    await settle(url);
    // Everyone on duty in one town now (2,500 people there).
    const login = await fetch('http://127.0.0.1:18080/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: BENCH_ADMIN_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const onDutyUrl = `http://127.0.0.1:18080/api/towns/${townCode}/on-duty`;
    const viaHttp = await timeOnDuty(onDutyUrl, token, 200);
    bench.add(
      'everyone on duty in a town now',
      `${viaHttp.count} people (${fmt(viaHttp.bytes / 1024, 0)} KiB): p50 ${fmt(percentile(viaHttp.times, 50))} ms, p99 ${fmt(percentile(viaHttp.times, 99))} ms (node:http keep-alive, the whole body read and JSON.parse'd); load ${machineLoad()}`,
    );
    // The same through fetch(): undici's body stream and res.json() add several ms of the client's own.
    const viaFetch: number[] = [];
    for (let k = 0; k < 200; k++) {
      const s = performance.now();
      await (await fetch(onDutyUrl, { headers: { authorization: `Bearer ${token}` } })).json();
      viaFetch.push(performance.now() - s);
    }
    viaFetch.sort((a, b) => a - b);
    bench.add(
      'everyone on duty in a town now, through fetch()',
      `p50 ${fmt(percentile(viaFetch, 50))} ms, p99 ${fmt(percentile(viaFetch, 99))} ms (res.json()); load ${machineLoad()}`,
    );
  } finally {
    api.kill('SIGTERM');
  }
  bench.print();
}

runBenchmark(main);
