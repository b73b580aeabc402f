// A load balancer's probes and the phones keep coming while the api starts: every request
// is answered (503 + Retry-After until ready, then 200), none is left hanging. Before the
// readiness gate, 3 of 300 such probes never got an answer.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabase, refuseConnections, type TestDatabase } from '../helpers/databases.js';
import { freeTcpPort } from '../helpers/processes.js';
import { sleep, until } from '../helpers/system.js';

type Outcome =
  { kind: 'refused' } | { kind: 'answered'; status: number; retryAfter: string | null; ms: number } | { kind: 'hung' };

async function probe(url: string): Promise<Outcome> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return {
      kind: 'answered',
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      ms: Date.now() - started,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { kind: 'refused' };
    return { kind: 'hung' };
  }
}

describe('faults: probes and phones while the api starts', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let child: ChildProcess | null = null;

  before(async () => {
    db = await createTestDatabase('startup');
  });
  after(async () => {
    child?.kill('SIGKILL');
    await db.drop();
  });

  it('answers all 300 health probes and every position sent during start', async () => {
    const [port, osmandPort] = [await freeTcpPort(), await freeTcpPort()];
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379/15',
        REDIS_PREFIX: `wgtest-${process.pid}-startup`,
        PORT: String(port),
        OSMAND_PORT: String(osmandPort),
        RTMP_PORT: '0',
        ADMIN_PASSWORD: 'x-admin-password',
      },
      stdio: 'ignore',
    });
    const probes: Promise<Outcome>[] = [];
    const fixes: Promise<Outcome>[] = [];
    // Keep probing until 300 were sent and the api had been ready a while.
    let readyAt = 0;
    for (let i = 0; i < 300 || Date.now() - readyAt < 500 || readyAt === 0; i++) {
      const p = probe(`http://127.0.0.1:${port}/readyz`);
      probes.push(p);
      void p.then((o) => {
        if (o.kind === 'answered' && o.status === 200 && readyAt === 0) readyAt = Date.now();
      });
      if (i % 4 === 0)
        fixes.push(
          probe(
            `http://127.0.0.1:${osmandPort}/?id=nobody-${i}&lat=28.97&lon=118.78&timestamp=${Math.floor(Date.now() / 1000)}`,
          ),
        );
      await sleep(25);
      if (i > 2000) break;
    }
    const outcomes = await Promise.all(probes);
    const positions = await Promise.all(fixes);
    const count = (list: Outcome[], f: (o: Outcome) => boolean) => list.filter(f).length;
    const summary = {
      probes: outcomes.length,
      refused: count(outcomes, (o) => o.kind === 'refused'),
      starting: count(outcomes, (o) => o.kind === 'answered' && o.status === 503),
      ready: count(outcomes, (o) => o.kind === 'answered' && o.status === 200),
      hung: count(outcomes, (o) => o.kind === 'hung'),
      slowestMs: Math.max(0, ...outcomes.map((o) => (o.kind === 'answered' ? o.ms : 0))),
    };
    console.log('      probes during start:', JSON.stringify(summary));
    expect(summary.hung).to.equal(0);
    expect(summary.probes).to.be.at.least(300);
    expect(summary.refused + summary.starting + summary.ready).to.equal(summary.probes);
    expect(summary.ready).to.be.greaterThan(0);
    // Bound before ready: the gate answered while the services started.
    expect(summary.starting).to.be.greaterThan(0);
    for (const o of outcomes) if (o.kind === 'answered' && o.status === 503) expect(o.retryAfter).to.equal('1');
    // Once ready, ready it stays.
    const firstReady = outcomes.findIndex((o) => o.kind === 'answered' && o.status === 200);
    expect(outcomes.slice(firstReady).every((o) => o.kind === 'answered' && o.status === 200)).to.equal(true);
    // The OsmAnd port: refused before it binds, 503 while starting, then the device's verdict (unknown: 400).
    expect(count(positions, (o) => o.kind === 'hung')).to.equal(0);
    expect(
      positions.every((o) => o.kind === 'refused' || (o.kind === 'answered' && [400, 503].includes(o.status))),
    ).to.equal(true);
    expect(count(positions, (o) => o.kind === 'answered' && o.status === 400)).to.be.greaterThan(0);
  });

  it('waits for PostgreSQL when started during an outage, answering 503 meanwhile, and becomes ready by itself', async () => {
    child?.kill('SIGKILL');
    const refused = await refuseConnections(db.url);
    try {
      const port = await freeTcpPort();
      child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: db.url,
          REDIS_URL: 'redis://127.0.0.1:6379/15',
          REDIS_PREFIX: `wgtest-${process.pid}-startup`,
          PORT: String(port),
          OSMAND_PORT: String(await freeTcpPort()),
          RTMP_PORT: '0',
          ADMIN_PASSWORD: 'x-admin-password',
        },
        stdio: 'ignore',
      });
      const url = `http://127.0.0.1:${port}`;
      await until('the port to answer', async () => (await probe(`${url}/livez`)).kind === 'answered', 30_000);
      await sleep(2000); // several start-up attempts fail meanwhile
      expect(child.exitCode, 'the api is still running').to.equal(null);
      const waiting = await probe(`${url}/readyz`);
      expect(waiting).to.deep.include({ kind: 'answered', status: 503, retryAfter: '1' });
      expect(await probe(`${url}/livez`)).to.deep.include({ kind: 'answered', status: 200 });
      await refused.restore();
      await until(
        'the api to become ready',
        async () => {
          const o = await probe(`${url}/readyz`);
          return o.kind === 'answered' && o.status === 200;
        },
        30_000,
      );
    } finally {
      await refused.restore();
    }
  });
});
