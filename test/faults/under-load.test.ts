// The fault suite: under a steady load of positions (OsmAnd port) and incidents (API),
// the api process is killed -9 and started again, the workers process is killed -9 and
// started again, Redis restarts empty and PostgreSQL goes away for a moment. Afterwards:
// every fix answered 200 is stored, every incident answered 201 exists and was offered
// exactly once, nothing answered 500, every process recovered by itself, and every line
// the processes wrote is a structured log line.
//
// PostgreSQL is taken away from this test's database only (new connections refused and
// every backend terminated, ~1 s): the errors a restart gives, without disturbing the
// other tests that share the server. FAULTS_PG_RESTART=1 restarts the real cluster
// instead (pg_ctlcluster restart, about a second; for a final verification only).
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { refuseConnections } from '../helpers/databases.js';
import { FAST_DISPATCH, incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { freeTcpPort, PrivateRedis, WorkersProcess } from '../helpers/processes.js';
import { sleep, until } from '../helpers/system.js';
import { HttpClient } from '../helpers/http.js';

const run = promisify(execFile);
type Outcome = number | 'refused';

class ApiProcess {
  readonly output: string[] = [];
  child: ChildProcess | null = null;
  constructor(
    readonly env: Record<string, string>,
    readonly port: number,
    readonly osmandPort: number,
  ) {}

  start(): void {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        RTMP_PORT: '0',
        PORT: String(this.port),
        OSMAND_PORT: String(this.osmandPort),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.child = child;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async ready(ms = 30_000): Promise<void> {
    await until(
      'the api to be ready',
      async () => {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      ms,
    );
  }
}

/** Lines that are not one JSON object each: raw output outside the structured log. */
function unstructured(chunks: string[]): string[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
}

async function takeDatabaseAway(url: string, ms: number): Promise<void> {
  if (process.env['FAULTS_PG_RESTART'] === '1') {
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    const [version, cluster] = stdout.trim().split(/\s+/);
    await run('pg_ctlcluster', [version!, cluster!, 'restart', '-m', 'fast']);
    return;
  }
  const refused = await refuseConnections(url);
  try {
    await sleep(ms);
  } finally {
    await refused.restore();
  }
}

describe('faults under load: api, workers, Redis and PostgreSQL', function () {
  this.timeout(180_000);
  let redis: PrivateRedis;
  let t: TestApi;
  let town: IncidentTown;
  let api: ApiProcess;
  const workers: WorkersProcess[] = [];
  let db: pg.Pool;

  before(async () => {
    redis = await PrivateRedis.start();
    const env = { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '600', DEVICE_BURST: '100000', REDIS_URL: redis.url };
    t = await startTestApi('under-load', env);
    town = await incidentTown(t, 4);
    for (const i of [0, 1, 2, 3]) await town.place(i, inGrid(i % 3, 1));
    // The town was made through an in-process api; the load goes to a real api process.
    await t.api.close();
    api = new ApiProcess(
      { ...env, DATABASE_URL: t.db.url, REDIS_PREFIX: t.redisPrefix, ADMIN_PASSWORD: 'x-admin-password' },
      await freeTcpPort(),
      await freeTcpPort(),
    );
    api.start();
    await api.ready();
    db = new pg.Pool({ connectionString: t.db.url, max: 2 });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await api?.kill();
    await db?.end();
    await t.db.drop();
    await redis.crash();
  });

  it('loses nothing acknowledged, dispatches nothing twice, and every process recovers by itself', async () => {
    const workersEnv = () => ({
      DATABASE_URL: t.db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: t.redisPrefix,
      ...FAST_DISPATCH,
      OFFER_TIMEOUT_S: '600',
      CAMERA_HEALTH_INTERVAL_S: '1',
    });
    workers.push(WorkersProcess.start(workersEnv()));
    const dispatcher = new HttpClient(`http://127.0.0.1:${api.port}`, town.dispatcher.token);
    const osmand = `http://127.0.0.1:${api.osmandPort}`;

    const fixes: { device: string; second: number; outcome: Outcome }[] = [];
    const incidents: { id: number | null; outcome: Outcome }[] = [];
    let loading = true;
    const base = Math.floor(Date.now() / 1000) + 1;
    const phonesLoad = (async () => {
      for (let k = 0; loading; k++) {
        await Promise.all(
          town.phones.map(async (phone, i) => {
            const second = base + k;
            const q = new URLSearchParams({
              id: phone.identifier,
              ...Object.fromEntries(
                Object.entries(inGrid(i % 3, 1, (k % 40) * 0.00001, 0)).map(([a, b]) => [a, String(b)]),
              ),
              timestamp: String(second),
            });
            const outcome = await fetch(`${osmand}/?${q}`, { signal: AbortSignal.timeout(15_000) }).then(
              (r) => r.status,
              () => 'refused' as const,
            );
            fixes.push({ device: phone.identifier, second, outcome });
          }),
        );
        await sleep(200);
      }
    })();
    const incidentsLoad = (async () => {
      for (let k = 0; loading; k++) {
        const outcome = await dispatcher
          .post('/api/incidents', {
            subcategory: 'services.elderly',
            description: `负载 ${k}`,
            ...inGrid(k % 3, Math.floor(k / 3) % 3, ((Math.floor(k / 9) % 20) - 10) * 0.0004, 0),
          })
          .then(
            (r) => ({ id: r.status === 201 ? (r.body.incident.id as number) : null, outcome: r.status as Outcome }),
            () => ({ id: null, outcome: 'refused' as const }),
          );
        incidents.push(outcome);
        await sleep(150);
      }
    })();

    const steps: string[] = [];
    await sleep(2000);
    steps.push('kill -9 api');
    await api.kill();
    await sleep(300);
    api.start();
    await api.ready();
    await sleep(1500);
    steps.push('kill -9 workers');
    await workers[0]!.kill('SIGKILL');
    workers.push(WorkersProcess.start(workersEnv()));
    await sleep(2500);
    steps.push('Redis restarted empty');
    await redis.restart();
    await sleep(2500);
    steps.push(
      process.env['FAULTS_PG_RESTART'] === '1' ? 'PostgreSQL cluster restarted' : 'PostgreSQL away 1 s (this database)',
    );
    await takeDatabaseAway(t.db.url, 1000);
    await sleep(2500);
    loading = false;
    await Promise.all([phonesLoad, incidentsLoad]);

    // Every process is back by itself.
    await api.ready(15_000);
    const live = workers[1]!;
    expect(
      live.child.exitCode,
      `the restarted workers process is still running; it wrote: ${live.output.join('').slice(-2000)}`,
    ).to.equal(null);

    const tally = (list: { outcome: Outcome }[]) =>
      list.reduce<Record<string, number>>(
        (m, x) => ({ ...m, [String(x.outcome)]: (m[String(x.outcome)] ?? 0) + 1 }),
        {},
      );
    console.log(`      faults: ${steps.join(' → ')}`);
    console.log(`      fixes: ${JSON.stringify(tally(fixes))}; incidents: ${JSON.stringify(tally(incidents))}`);
    // Never "our bug": only stored, refused for now (503 + Retry-After) or no connection while the api was dead.
    for (const f of fixes) expect([200, 503, 'refused'], `a fix answered ${f.outcome}`).to.include(f.outcome);
    for (const i of incidents) expect([201, 503, 'refused'], `an incident answered ${i.outcome}`).to.include(i.outcome);
    expect(fixes.filter((f) => f.outcome === 200).length).to.be.greaterThan(100);

    // Every fix answered 200 is stored.
    const { rows } = await db.query<{ identifier: string; s: number }>(
      `SELECT d.identifier, extract(epoch FROM p.fix_time)::int AS s FROM positions p JOIN devices d ON d.id = p.device_id WHERE p.fix_time >= to_timestamp($1)`,
      [base],
    );
    const stored = new Set(rows.map((r) => `${r.identifier}@${r.s}`));
    expect(fixes.filter((f) => f.outcome === 200 && !stored.has(`${f.device}@${f.second}`))).to.deep.equal([]);

    // Every incident answered 201 exists and is offered, exactly once.
    // A report near an open one of the same kind is merged into it (answered 201 with that incident).
    const ids = [...new Set(incidents.flatMap((i) => (i.id === null ? [] : [i.id])))];
    console.log(`      ${ids.length} distinct incidents acknowledged`);
    expect(ids.length).to.be.greaterThan(10);
    await until(
      'every acknowledged incident to be offered',
      async () => {
        const {
          rows: [r],
        } = await db.query(`SELECT count(*)::int AS n FROM incidents WHERE id = ANY($1) AND state = 'dispatched'`, [
          ids,
        ]);
        return r.n === ids.length;
      },
      60_000,
    ).catch(async (err: unknown) => {
      const { rows: states } = await db.query(
        `SELECT state, dispatch_wanted, count(*)::int AS n FROM incidents WHERE id = ANY($1) GROUP BY 1, 2`,
        [ids],
      );
      console.log('states', JSON.stringify(states));
      console.log('workers', workers.map((w) => w.output.join('').slice(-3000)).join('\n----\n'));
      throw err;
    });
    await sleep(2000); // further sweeps and the outbox: still once
    const { rows: offers } = await db.query<{ incident_id: number; n: number; pending: number; unpushed: number }>(
      `SELECT incident_id, count(*)::int AS n, count(*) FILTER (WHERE outcome = 'pending')::int AS pending, count(*) FILTER (WHERE pushed_at IS NULL)::int AS unpushed
       FROM dispatch_offers WHERE incident_id = ANY($1) GROUP BY 1`,
      [ids],
    );
    expect(offers).to.have.length(ids.length);
    expect(offers.filter((o) => o.n !== 1 || o.pending !== 1)).to.deep.equal([]);
    expect(offers.filter((o) => o.unpushed > 0)).to.deep.equal([]);
    const {
      rows: [doubled],
    } = await db.query(
      `SELECT count(*)::int AS n FROM (SELECT incident_id FROM incident_history WHERE incident_id = ANY($1) AND action = 'dispatch' GROUP BY 1 HAVING count(*) > 1) x`,
      [ids],
    );
    expect(doubled.n).to.equal(0);

    // Only structured log lines from every process, through all of it.
    expect(unstructured(api.output), 'api output').to.deep.equal([]);
    for (const w of workers) expect(unstructured(w.output), 'workers output').to.deep.equal([]);
  });
});
