// Faults the issue names: a worker killed in the middle of a dispatch, several workers
// at once, and Redis restarted (losing every job) while deadlines run. PostgreSQL holds
// the truth; nothing is lost and nothing is doubled.
import { expect } from 'chai';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { FAST_DISPATCH, incidentTown, inGrid, untilDispatched, type IncidentTown } from '../helpers/incidents.js';
import { PrivateRedis, WorkersProcess } from '../helpers/processes.js';
import { sleep, until } from '../helpers/system.js';

describe('incidents under faults: killed workers, restarted Redis', function () {
  this.timeout(90_000);
  let redis: PrivateRedis;
  let t: TestApi;
  let town: IncidentTown;
  let db: pg.Pool;
  const workers: WorkersProcess[] = [];
  const workersEnv = () => ({
    DATABASE_URL: t.db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: t.redisPrefix,
    ...FAST_DISPATCH,
    OFFER_TIMEOUT_S: '600',
  });

  before(async () => {
    redis = await PrivateRedis.start();
    t = await startTestApi('faults', { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '600', REDIS_URL: redis.url });
    town = await incidentTown(t, 4);
    for (const i of [0, 1, 2, 3]) await town.place(i, inGrid(i % 3, 1));
    db = new pg.Pool({ connectionString: t.db.url, max: 3 });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await db.end();
    await t.close();
    await redis.crash();
  });

  const offersOf = async (id: number) =>
    (
      await db.query<{ outcome: string; person_id: number }>(
        `SELECT outcome, person_id FROM dispatch_offers WHERE incident_id = $1 ORDER BY id`,
        [id],
      )
    ).rows;
  const dispatchSteps = async (id: number) =>
    Number(
      (await db.query(`SELECT count(*) FROM incident_history WHERE incident_id = $1 AND action = 'dispatch'`, [id]))
        .rows[0].count,
    );

  it('finishes a dispatch whose worker was killed in the middle, exactly once', async () => {
    // No worker runs yet: the job waits in Redis.
    const made = await town.dispatcher.post('/api/incidents', {
      subcategory: 'environment.sewage',
      description: '污水直排',
      ...inGrid(0, 1),
    });
    expect(made.status).to.equal(201);
    const id = made.body.incident.id as number;
    // Hold the incident's row so that the worker blocks inside its dispatch transaction.
    const holder = await db.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    const first = WorkersProcess.start(workersEnv());
    workers.push(first);
    await until(
      'the worker to be stuck in the dispatch',
      async () =>
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%incident_dispatch%'`,
          )
        ).rowCount,
      30_000,
    );
    await first.kill('SIGKILL');
    await holder.query('COMMIT');
    holder.release();
    await sleep(300);
    expect(await offersOf(id)).to.deep.equal([]); // the killed transaction left nothing

    // Two fresh workers: one becomes the leader, its sweep finds the incident still wanting dispatch.
    workers.push(WorkersProcess.start(workersEnv()), WorkersProcess.start(workersEnv()));
    const offers = await until(
      'the dispatch to be redone',
      async () => {
        const rows = await offersOf(id);
        return rows.length > 0 && rows;
      },
      30_000,
    );
    await sleep(1500); // more sweeps and the duplicate jobs they queue: still one offer
    expect(await offersOf(id)).to.deep.equal(offers);
    expect(offers).to.have.length(1);
    expect(offers[0]!.outcome).to.equal('pending');
    expect(await dispatchSteps(id)).to.equal(1);
  });

  it('gives two workers twenty incidents at once and each gets exactly one offer', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await town.dispatcher.post('/api/incidents', {
        subcategory: 'services.elderly',
        description: `走访 ${i}`,
        ...inGrid(i % 3, 2, (i - 10) * 0.0004, 0),
      });
      ids.push(res.body.incident.id);
    }
    expect(ids).to.have.length(20);
    await untilDispatched(db, ids);
    await sleep(1000); // the sweeps' duplicate jobs come and go
    for (const id of ids) {
      expect(
        (await offersOf(id)).map((o) => o.outcome),
        `incident ${id}`,
      ).to.deep.equal(['pending']);
      expect(await dispatchSteps(id)).to.equal(1);
    }
    // Spread by workload: four gridworkers get five each, give or take.
    const { rows } = await db.query(
      `SELECT person_id, count(*)::int AS n FROM dispatch_offers WHERE incident_id = ANY($1) GROUP BY 1`,
      [ids],
    );
    expect(rows).to.have.length(4);
  });

  // A burst of reports sent at once is stored by one group commit and decided by one job.
  const burst = (n: number, description: (i: number) => string) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await town.dispatcher.post('/api/incidents', {
          subcategory: 'services.elderly',
          description: description(i),
          ...inGrid(i % 3, 2, (i - n / 2) * 0.0004, 0.0003),
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return res.body.incident.id as number;
      }),
    );
  it('decides a burst sent at once together, and still spreads it over the gridworkers by workload', async () => {
    const ids = await burst(16, (i) => `探访 ${i}`);
    await untilDispatched(db, ids);
    for (const id of ids) {
      expect(
        (await offersOf(id)).map((o) => o.outcome),
        `incident ${id}`,
      ).to.deep.equal(['pending']);
      expect(await dispatchSteps(id)).to.equal(1);
    }
    // Rows written by one transaction share its id (xmin): fewer transactions than incidents.
    const {
      rows: [tx],
    } = await db.query(`SELECT count(DISTINCT xmin::text)::int AS n FROM dispatch_offers WHERE incident_id = ANY($1)`, [
      ids,
    ]);
    expect(tx.n).to.be.below(ids.length);
    // Each decision counted the offers made before it in the same batch: nobody got them all.
    const { rows } = await db.query(
      `SELECT person_id, count(*)::int AS n FROM dispatch_offers WHERE incident_id = ANY($1) GROUP BY 1`,
      [ids],
    );
    expect(rows).to.have.length(4);
    expect(Math.max(...rows.map((r) => r.n as number))).to.be.at.most(8);
  });

  it('lets an incident whose dispatch fails hold back none of the burst it came in, and dispatches it once the fault is gone', async () => {
    // A real failure inside PostgreSQL: offers for one incident are refused.
    await db.query(`CREATE FUNCTION refuse_poisoned_offer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT description FROM incidents WHERE id = NEW.incident_id) = 'poisoned' THEN RAISE EXCEPTION 'offer refused for the test'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER refuse_poisoned_offer BEFORE INSERT ON dispatch_offers FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_offer()`,
    );
    try {
      const ids = await burst(8, (i) => (i === 3 ? 'poisoned' : `探访 ${i}`));
      const poisoned = ids[3]!;
      const others = ids.filter((id) => id !== poisoned);
      await untilDispatched(db, others);
      await sleep(500);
      expect(await offersOf(poisoned)).to.deep.equal([]);
      expect((await town.dispatcher.get(`/api/incidents/${poisoned}`)).body.incident.state).to.equal('reported');
    } finally {
      await db.query('DROP TRIGGER refuse_poisoned_offer ON dispatch_offers');
      await db.query('DROP FUNCTION refuse_poisoned_offer()');
    }
    const {
      rows: [{ id: poisoned }],
    } = await db.query(`SELECT id FROM incidents WHERE description = 'poisoned'`);
    await until(
      'the poisoned incident to be offered after all',
      async () => (await offersOf(poisoned)).length > 0,
      30_000,
    );
    await sleep(1000);
    expect((await offersOf(poisoned)).map((o) => o.outcome)).to.deep.equal(['pending']);
    expect(await dispatchSteps(poisoned)).to.equal(1);
  });

  it('gives each missed deadline one yellow card although Redis restarted and lost the deadline jobs', async () => {
    // Accept within 3 s for this kind; finish far away.
    await t.admin.patch('/api/incident-types/market.prices', { acceptMinutes: 0.05, finishMinutes: 600 });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await town.dispatcher.post('/api/incidents', {
        subcategory: 'market.prices',
        description: `价格欺诈 ${i}`,
        ...inGrid(2, 0, 0, (i - 1) * 0.003),
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      ids.push(res.body.incident.id);
    }
    await redis.restart(); // every delayed deadline job is gone
    const afterRestart = await until(
      'the api to queue again',
      async () => {
        const res = await town.dispatcher.post('/api/incidents', {
          subcategory: 'market.prices',
          description: '价格欺诈 after',
          ...inGrid(1, 0),
        });
        return res.status === 201 && (res.body.incident.id as number);
      },
      10_000,
    );
    ids.push(afterRestart);
    const cards = await until(
      'four cards',
      async () => {
        const { rows } = await db.query(
          `SELECT incident_id, kind FROM yellow_cards WHERE incident_id = ANY($1) ORDER BY incident_id`,
          [ids],
        );
        return rows.length >= 4 && rows;
      },
      30_000,
    );
    await sleep(2000); // jobs that survived and later sweeps must not give a second card
    const again = (
      await db.query(`SELECT incident_id, kind FROM yellow_cards WHERE incident_id = ANY($1) ORDER BY incident_id`, [
        ids,
      ])
    ).rows;
    expect(again).to.deep.equal(cards);
    expect(again.map((c) => c.kind)).to.deep.equal(['accept', 'accept', 'accept', 'accept']);
    const timeline = (await town.dispatcher.get(`/api/incidents/${ids[0]}`)).body.timeline as { action: string }[];
    expect(timeline.filter((e) => e.action === 'yellow_card')).to.have.length(1);
  });
});
