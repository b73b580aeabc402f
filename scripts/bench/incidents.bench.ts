// Incident benchmark: 10,000 grids, 10,000 on-duty gridworkers with fresh positions.
// The api and one workers process run as their own processes; this one is the load.
// Measures: from an incident sent to the API to its offer arriving on the chosen
// gridworker's push stream; sustained intake (incidents/s, HTTP in → committed → 201)
// while the workers dispatch and with them paused, and how fast the paused workers'
// backlog is dispatched; the deadline sweep over 1,000,000 open deadlines.
//   npm run bench:incidents [-- --seconds 10 --samples 300]
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import os from 'node:os';
import pg from 'pg';
import { newDeviceToken } from '../../people/device-tokens.js';
import { createServices } from '../../server/composition.js';
import { parseConfig } from '../../platform/config.js';
import { BenchReport, runBenchmark, freshBenchDatabase, freshBenchRedis, fmt, percentile } from './bench-db.js';
import { BENCH_ADMIN_PASSWORD, closeServices, publishLargeTown } from './bench-town.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    samples: { type: 'string', default: '300' },
    deadlines: { type: 'string', default: '1000000' },
  },
});
const PORT = 18180;
const PREFIX = 'wangge-bench-inc';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Gridworker {
  personId: number;
  token: string;
  lon: number;
  lat: number;
}

/** One on-duty gridworker per grid standing inside it, each with a phone. */
async function staffGrids(db: pg.Pool): Promise<Gridworker[]> {
  const { rows: people } = await db.query<{ personId: number; lon: number; lat: number }>(
    `WITH g AS (SELECT grid_id, code, village_id, town_id, ST_PointOnSurface(geom) AS p FROM grid_versions WHERE valid_to IS NULL),
     p AS (INSERT INTO people (name, phone, roles, village_id, town_id, duty_status)
           SELECT '网格员' || code, '13800000000', ARRAY['fulltime_gridworker']::person_role[], village_id, town_id, 'on_duty' FROM g
           RETURNING id, name),
     pg AS (INSERT INTO person_grids (person_id, grid_id) SELECT p.id, g.grid_id FROM p JOIN g ON p.name = '网格员' || g.code)
     SELECT p.id AS "personId", ST_X(g.p) AS lon, ST_Y(g.p) AS lat FROM p JOIN g ON p.name = '网格员' || g.code ORDER BY p.id`,
  );
  const tokens = people.map(() => newDeviceToken());
  await db.query(
    `INSERT INTO devices (person_id, identifier, token_hash) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])`,
    [people.map((p) => p.personId), people.map((p) => `bench-phone-${p.personId}`), tokens.map((t) => t.hash)],
  );
  await db.query(
    `INSERT INTO current_positions (person_id, device_id, town_id, fix_time, lon, lat, geog, grid_id, grid_version_id)
     SELECT p.id, d.id, p.town_id, now(), ST_X(g.p), ST_Y(g.p), g.p::geography, g.grid_id, g.id
     FROM people p JOIN devices d ON d.person_id = p.id JOIN person_grids pg ON pg.person_id = p.id
     JOIN LATERAL (SELECT id, grid_id, ST_PointOnSurface(geom) AS p FROM grid_versions v WHERE v.grid_id = pg.grid_id AND valid_to IS NULL) g ON true`,
  );
  await db.query('ANALYZE people; ANALYZE current_positions; ANALYZE person_grids');
  return people.map((p, i) => ({ ...p, token: tokens[i]!.token }));
}

function request(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Opens the phone's push stream and resolves `offer` when its first offer arrives. */
function phoneStream(token: string): Promise<{ offer: Promise<number>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: PORT, path: '/api/phone/live', headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let buffer = '';
        let settle: (t: number) => void = () => undefined;
        const offer = new Promise<number>((r) => (settle = r));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.includes('event: offers')) settle(performance.now());
        });
        res.on('error', () => undefined);
        resolve({ offer, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

function startProcess(entry: string, env: Record<string, string>, readyLine: string | null): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (!readyLine) return Promise.resolve(child);
  return new Promise((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (l) => l.includes(readyLine) && resolve(child)),
  );
}

/** Reports from 48 connections for `seconds`, at random points near the gridworkers; answers a summary line. */
async function sustainedIntake(token: string, workers: Gridworker[], seconds: number): Promise<string> {
  // Near the gridworker (about 30 m), so a point by the town's edge stays inside the town.
  const JITTER = 0.0006;
  const kinds = [
    'environment.garbage',
    'traffic.parking',
    'services.streetlight',
    'dispute.neighbour',
    'market.unlicensed',
    'fire.blocked_exit',
  ];
  const latencies: number[] = [];
  let accepted = 0;
  let refused = 0;
  let firstRefusal = '';
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 48 }, async (_, c) => {
      for (let k = 0; Date.now() < end; k++) {
        const w = workers[Math.floor(Math.random() * workers.length)]!;
        const t0 = performance.now();
        const res = await request('POST', '/api/incidents', token, {
          subcategory: kinds[(c + k) % kinds.length],
          description: '巡查发现',
          lon: w.lon + (Math.random() - 0.5) * JITTER,
          lat: w.lat + (Math.random() - 0.5) * JITTER,
        });
        latencies.push(performance.now() - t0);
        if (res.status === 201) accepted++;
        else if (refused++ === 0) firstRefusal = ` (the first: ${res.status} ${res.body.slice(0, 200)})`;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return `${fmt(accepted / elapsed, 0)} incidents/s, p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, ${refused} refused${firstRefusal}`;
}

async function main(): Promise<void> {
  const report = new BenchReport();
  console.log(
    `incidents benchmark on ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const url = await freshBenchDatabase('wangge_bench_incidents');
  await freshBenchRedis(PREFIX);
  const started = Date.now();
  const { services } = await publishLargeTown(url, PREFIX);
  await closeServices(services);
  const db = new pg.Pool({ connectionString: url, max: 4 });
  const workers = await staffGrids(db);
  console.log(
    `prepared 10,000 grids and ${fmt(workers.length, 0)} gridworkers in ${fmt((Date.now() - started) / 1000)} s`,
  );

  const env = {
    DATABASE_URL: url,
    REDIS_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
    PORT: String(PORT),
    OSMAND_PORT: '0',
    RTMP_PORT: '0',
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    DISPATCH_FRESH_S: '86400',
  };
  const api = await startProcess('server/main.ts', { ...env, LOG_LEVEL: 'info' }, 'api listening');
  const worker = await startProcess('workers/main.ts', env, null);
  try {
    const login = await request('POST', '/api/auth/login', '', { username: 'admin', password: BENCH_ADMIN_PASSWORD });
    const token = (JSON.parse(login.body) as { token: string }).token;
    await new Promise((r) => setTimeout(r, 3000)); // the workers connect

    // 1. From the API to the gridworker's phone: the incident lands next to a grid's own gridworker.
    const samples = Number(values.samples);
    const order = [...workers.keys()].sort(() => Math.random() - 0.5).slice(0, samples + 20);
    const toOffer: number[] = [];
    const toAnswer: number[] = [];
    for (const [n, i] of order.entries()) {
      const w = workers[i]!;
      const stream = await phoneStream(w.token);
      const t0 = performance.now();
      const res = await request('POST', '/api/incidents', token, {
        subcategory: 'services.elderly',
        description: `独居老人求助 ${n}`,
        lon: w.lon + 0.0001,
        lat: w.lat,
      });
      const t1 = performance.now();
      if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${res.body}`);
      // The first waits for the workers process to be up; after that an offer has 5 s.
      const offered = await Promise.race([
        stream.offer,
        new Promise<number>((r) => setTimeout(() => r(NaN), n === 0 ? 30_000 : 5000)),
      ]);
      stream.close();
      if (Number.isNaN(offered)) throw new Error(`no offer reached gridworker ${w.personId}`);
      if (n >= 20) {
        toOffer.push(offered - t0);
        toAnswer.push(t1 - t0);
      }
    }
    toOffer.sort((a, b) => a - b);
    toAnswer.sort((a, b) => a - b);
    report.add(
      `API → offer on the phone's stream (${samples} incidents)`,
      `p50 ${fmt(percentile(toOffer, 50))} ms, p99 ${fmt(percentile(toOffer, 99))} ms (floor p50 < 30, p99 < 100)`,
    );
    report.add(
      'intake answered (201)',
      `p50 ${fmt(percentile(toAnswer, 50))} ms, p99 ${fmt(percentile(toAnswer, 99))} ms`,
    );

    // 2. Sustained intake: while the workers dispatch, then with the workers paused (SIGSTOP),
    // which shows what intake alone takes; the paused workers' backlog then gives the dispatch rate.
    const seconds = Number(values.seconds);
    const backlog = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM incidents WHERE dispatch_wanted AND state = 'reported'`,
        )
      ).rows[0]!.n;
    const drain = async (): Promise<{ seconds: number; left: number }> => {
      const t0 = Date.now();
      for (;;) {
        const left = await backlog();
        if (left === 0 || Date.now() - t0 > 180_000) return { seconds: (Date.now() - t0) / 1000, left };
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const withWorkers = await sustainedIntake(token, workers, seconds);
    report.add(`intake with the workers dispatching, 48 connections, ${seconds} s`, withWorkers + ' (floor 500)');
    const drained = await drain();
    report.add('their dispatch backlog after the run', `drained in ${fmt(drained.seconds)} s (${drained.left} left)`);
    worker.kill('SIGSTOP');
    const alone = await sustainedIntake(token, workers, seconds);
    report.add(`intake with the workers paused, 48 connections, ${seconds} s`, alone + ' (floor 500)');
    const waiting = await backlog();
    worker.kill('SIGCONT');
    const caughtUp = await drain();
    report.add(
      `dispatch of that backlog (${fmt(waiting, 0)} incidents) once resumed`,
      `${fmt(caughtUp.seconds)} s, ${fmt((waiting - caughtUp.left) / caughtUp.seconds, 0)} dispatches/s (${caughtUp.left} left)`,
    );
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
  }

  // 3. The deadline sweep over a million open deadlines (api and workers stopped, so nobody else sweeps).
  const total = Number(values.deadlines);
  const t0 = Date.now();
  await db.query(
    `INSERT INTO incidents (town_id, village_id, grid_id, grid_version_id, subcategory_code, platform, severity, description, lon, lat, geog, source, state, reported_at, accept_due_at, finish_due_at)
    SELECT v.town_id, v.village_id, v.grid_id, v.id, 'environment.garbage', 'zhifa', 1, 'bench', 120, 30, 'SRID=4326;POINT(120 30)'::geography, 'operator', 'reported',
      now(), now() + interval '2 days', now() + interval '7 days'
    FROM generate_series(1, $1) s
    JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS rn, * FROM grid_versions WHERE valid_to IS NULL) v ON v.rn = s % 10000`,
    [total / 2],
  );
  // 1% of the accept deadlines are already past due.
  await db.query(`INSERT INTO incident_deadlines (incident_id, kind, due_at)
    SELECT id, k.kind, CASE WHEN k.kind = 'accept' AND id % 100 = 0 THEN now() - interval '1 minute' WHEN k.kind = 'accept' THEN accept_due_at ELSE finish_due_at END
    FROM incidents CROSS JOIN (VALUES ('accept'), ('finish')) k(kind) WHERE description = 'bench'`);
  await db.query('VACUUM ANALYZE incident_deadlines');
  // Steady state, as the leader's sweep meets it: the million rows just written are on disk, not being written back during the timing.
  await db.query('CHECKPOINT');
  const open = (
    await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incident_deadlines WHERE outcome IS NULL`)
  ).rows[0]!.n;
  console.log(`made ${fmt(open, 0)} open deadlines in ${fmt((Date.now() - t0) / 1000)} s`);
  const s = await createServices(
    parseConfig({ ...process.env, DATABASE_URL: url, REDIS_PREFIX: PREFIX, LOG_LEVEL: 'warn' }),
  );
  try {
    let t = performance.now();
    const cards = await s.incidents.deadlines.sweep();
    report.add(
      `deadline sweep over ${fmt(open, 0)} open deadlines`,
      `${fmt(performance.now() - t, 0)} ms, ${fmt(cards, 0)} yellow cards given (floor 2 s)`,
    );
    t = performance.now();
    const none = await s.incidents.deadlines.sweep();
    report.add('the next sweep (nothing due)', `${fmt(performance.now() - t, 1)} ms, ${none} cards`);
  } finally {
    await closeServices(s);
  }
  await db.end();
  console.log(
    `load after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  report.print();
}

runBenchmark(main);
