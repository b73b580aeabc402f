// A dependency briefly gone is a 503 with Retry-After on every port, never a 500; the api
// says whether it is alive (/livez) and ready (/readyz). PostgreSQL is taken away from this
// test's database only (connections refused, every backend terminated: the errors a
// restart gives), so the other tests sharing the server are not disturbed.
import { expect } from 'chai';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { refuseConnections } from '../helpers/databases.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { freeTcpPort, PrivateRedis } from '../helpers/processes.js';
import { sleep, until } from '../helpers/system.js';
import { dependencyGone } from '../../platform/dependency-errors.js';

/** Refuses new connections to one database and cuts the ones it has, until `restore()`. */

describe('faults: dependencies briefly gone, liveness and readiness', function () {
  this.timeout(60_000);
  let redis: PrivateRedis;
  let t: TestApi;
  let town: IncidentTown;

  before(async () => {
    redis = await PrivateRedis.start();
    t = await startTestApi('dependencies', {
      REDIS_URL: redis.url,
      DEVICE_BURST: '10000',
      FIX_MAX_SPEED_MPS: '100000',
    });
    town = await incidentTown(t, 3);
  });
  after(async () => {
    await t.close();
    await redis.crash();
  });

  it('tells the errors of a gone PostgreSQL and Redis from others, as pg and ioredis raise them', async () => {
    const refused = new pg.Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${await freeTcpPort()}/x`,
    });
    const err1 = await refused.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(dependencyGone(err1)).to.not.equal(null);

    const victim = new pg.Client({ connectionString: t.db.url });
    await victim.connect();
    victim.on('error', () => undefined);
    const {
      rows: [{ pid }],
    } = await victim.query('SELECT pg_backend_pid() AS pid');
    const killer = new pg.Client({ connectionString: t.db.url });
    await killer.connect();
    const pending = victim.query('SELECT pg_sleep(5)').then(
      () => null,
      (e: unknown) => e,
    );
    await sleep(100);
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    await killer.end();
    const err2 = (await pending) as { code?: string };
    expect(err2.code).to.equal('57P01');
    expect(dependencyGone(err2)).to.equal('PostgreSQL');

    const offline = new Redis(`redis://127.0.0.1:${await freeTcpPort()}`, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    offline.on('error', () => undefined);
    const err3 = await offline
      .connect()
      .then(() => offline.ping())
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(dependencyGone(err3)).to.not.equal(null);
    offline.disconnect();

    const notOurs = new pg.Client({ connectionString: t.db.url });
    await notOurs.connect();
    const err4 = await notOurs.query('SELECT * FROM no_such_table').then(
      () => null,
      (e: unknown) => e,
    );
    await notOurs.end();
    expect(dependencyGone(err4)).to.equal(null);
  });

  it('answers /livez and /readyz to anybody, and /healthz details only to admins', async () => {
    expect((await t.anonymous.get('/livez')).body).to.deep.equal({ status: 'alive', ready: true });
    const ready = await t.anonymous.get('/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({ status: 'ready' });
    expect((await t.anonymous.get('/healthz')).body).to.deep.equal({ status: 'ok' });
    expect((await t.admin.get('/healthz')).body.checks.postgis.version).to.match(/^3\./);
    const openapi = (await t.anonymous.get('/api/openapi.json')).body;
    expect(openapi.paths['/readyz'].get.responses).to.include.keys('200', '503');
    expect(openapi.paths).to.have.property('/livez');
  });

  it('answers 503 + Retry-After on the API and the OsmAnd port while PostgreSQL is away, then recovers by itself', async () => {
    const phone = town.phone(0);
    const fixAt = (i: number) => ({
      id: town.phones[0]!.identifier,
      ...inGrid(0, 1, i * 0.00001, 0),
      timestamp: Math.floor(Date.now() / 1000) + i,
    });
    expect((await town.osmand(fixAt(0))).status).to.equal(200);
    const away = await refuseConnections(t.db.url);
    let restored = false;
    try {
      const answers = [];
      for (let i = 1; i <= 4; i++) {
        answers.push(
          await town.dispatcher.post('/api/incidents', {
            subcategory: 'environment.sewage',
            description: `停库 ${i}`,
            ...inGrid(0, 1),
          }),
        );
        answers.push(
          await phone.post('/api/positions/batch', {
            fixes: [{ time: Date.now() + i * 1000, ...inGrid(0, 1), accuracy: 5 }],
          }),
        );
        const osm = await town.osmand(fixAt(i));
        answers.push({ status: osm.status, headers: osm.headers, body: (await osm.json()) as unknown });
      }
      for (const a of answers) {
        expect(a.status, JSON.stringify(a.body)).to.equal(503);
        expect(Number(a.headers.get('retry-after'))).to.be.at.least(1);
        expect((a.body as { error: { message: string } }).error.message).to.match(/PostgreSQL|starting|unavailable/);
      }
      const readyz = await t.anonymous.get('/readyz');
      expect(readyz.status).to.equal(503);
      expect(readyz.body.waitingFor).to.deep.equal(['postgres']);
      expect((await t.anonymous.get('/livez')).status).to.equal(200);
      await away.restore();
      restored = true;
      // Back: the pool makes new connections by itself.
      await until(
        'the api to store again',
        async () =>
          (
            await town.dispatcher.post('/api/incidents', {
              subcategory: 'environment.sewage',
              description: '恢复',
              ...inGrid(0, 1),
            })
          ).status === 201,
        10_000,
      );
      expect((await town.osmand(fixAt(10))).status).to.equal(200);
      expect((await t.anonymous.get('/readyz')).status).to.equal(200);
    } finally {
      if (!restored) await away.restore();
    }
  });

  it('answers 503 + Retry-After rather than hanging or 500 while Redis is away, and follows it back', async () => {
    await redis.crash();
    try {
      const readyz = await t.anonymous.get('/readyz');
      expect(readyz.status).to.equal(503);
      expect(readyz.body.waitingFor).to.deep.equal(['redis']);
      // An incident is stored (PostgreSQL holds the truth; the sweep queues it later) and
      // answered at once, not held until Redis is back.
      const started = Date.now();
      const made = await town.dispatcher.post('/api/incidents', {
        subcategory: 'environment.sewage',
        description: 'Redis 停了',
        ...inGrid(0, 1),
      });
      expect([201, 503], JSON.stringify(made.body)).to.include(made.status);
      if (made.status === 503) expect(made.headers.get('retry-after')).to.match(/^\d+$/);
      expect(Date.now() - started).to.be.below(5000);
      // Positions need no Redis: still stored.
      expect(
        (
          await town
            .phone(1)
            .post('/api/positions/batch', { fixes: [{ time: Date.now(), ...inGrid(1, 1), accuracy: 5 }] })
        ).status,
      ).to.equal(200);
    } finally {
      await redis.up();
    }
    await until('readiness after Redis is back', async () => (await t.anonymous.get('/readyz')).status === 200, 10_000);
  });
});
