// An offer committed but never pushed (the workers process killed between its COMMIT and
// the push) reaches the phone within seconds through the outbox sweep, not after the
// offer's timeout; and it is still the one offer, dispatched once.
import { expect } from 'chai';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { FAST_DISPATCH, incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { PrivateRedis, WorkersProcess } from '../helpers/processes.js';
import { sleep, until } from '../helpers/system.js';

describe('faults: the offer outbox', function () {
  this.timeout(90_000);
  let redis: PrivateRedis;
  let t: TestApi;
  let town: IncidentTown;
  let db: pg.Pool;
  const workers: WorkersProcess[] = [];
  // Offers last 10 minutes here: only the outbox can get this one to the phone in time.
  const env = () => ({
    DATABASE_URL: t.db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: t.redisPrefix,
    ...FAST_DISPATCH,
    OFFER_TIMEOUT_S: '600',
  });

  before(async () => {
    redis = await PrivateRedis.start();
    t = await startTestApi('outbox', { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '600', REDIS_URL: redis.url });
    town = await incidentTown(t, 3);
    for (const i of [0, 1, 2]) await town.place(i, inGrid(i, 1));
    db = new pg.Pool({ connectionString: t.db.url, max: 3 });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    redis.resume();
    await db.end();
    await t.close();
    await redis.crash();
  });

  it('pushes an offer whose worker died after COMMIT and before the push, within seconds', async () => {
    const phones = await Promise.all([0, 1, 2].map((i) => town.listen(i)));
    const made = await town.dispatcher.post('/api/incidents', {
      subcategory: 'environment.sewage',
      description: '提交后未推送',
      ...inGrid(0, 1),
    });
    expect(made.status).to.equal(201);
    const id = made.body.incident.id as number;
    // The worker blocks on the incident's row inside its dispatch transaction.
    const holder = await db.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    const first = WorkersProcess.start(env());
    workers.push(first);
    await until(
      'the worker to wait inside the dispatch',
      async () =>
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%incident_dispatch%'`,
          )
        ).rowCount,
      30_000,
    );
    // Redis hangs: the COMMIT goes through, the push that follows does not.
    redis.pause();
    await holder.query('COMMIT');
    holder.release();
    const offer = await until(
      'the offer to be committed',
      async () =>
        (
          await db.query<{ id: number; person_id: number; pushed_at: Date | null }>(
            `SELECT id, person_id, pushed_at FROM dispatch_offers WHERE incident_id = $1`,
            [id],
          )
        ).rows[0],
      10_000,
    );
    expect(offer.pushed_at).to.equal(null);
    await first.kill('SIGKILL');
    await redis.restart(); // the hung push died with it
    const restartedAt = Date.now();

    const second = WorkersProcess.start(env());
    workers.push(second);
    const phone = phones[town.phones.findIndex((p) => p.personId === offer.person_id)]!;
    const heard = await phone.next((e) => e.event === 'offers' && e.data.offerId === offer.id, 30_000);
    const seconds = (Date.now() - restartedAt) / 1000;
    expect(seconds, 'seconds from the restart to the push').to.be.below(15);
    expect(heard.data.incident.id).to.equal(id);
    await until(
      'the outbox to mark it pushed',
      async () =>
        (await db.query(`SELECT 1 FROM dispatch_offers WHERE id = $1 AND pushed_at IS NOT NULL`, [offer.id])).rowCount,
      5000,
    );
    await sleep(2500); // more outbox rounds and sweeps: no second push, no second offer
    expect(phone.events.filter((e) => e.event === 'offers' && e.data.offerId === offer.id)).to.have.length(1);
    const { rows } = await db.query(`SELECT outcome FROM dispatch_offers WHERE incident_id = $1`, [id]);
    expect(rows.map((r) => r.outcome)).to.deep.equal(['pending']);
    const {
      rows: [steps],
    } = await db.query(
      `SELECT count(*)::int AS n FROM incident_history WHERE incident_id = $1 AND action = 'dispatch'`,
      [id],
    );
    expect(steps.n).to.equal(1);
    // The phone can take it.
    expect(
      (
        await town
          .phone(town.phones.findIndex((p) => p.personId === offer.person_id))
          .post(`/api/phone/offers/${offer.id}/accept`, {})
      ).status,
    ).to.equal(200);
  });
});
