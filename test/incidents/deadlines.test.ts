// Deadlines with a controllable clock (the sweep is told what time it is), yellow cards,
// the flagged grid; and a camera alarm that becomes an incident with its snapshot.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, runWorkers, type IncidentTown } from '../helpers/incidents.js';
import { EventStream } from '../helpers/sse.js';
import { ORIGIN, STEP, TOWN } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { AlertWatcher } from '../../video/alert-watcher.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import { sleep } from '../helpers/system.js';

const DAY = 86_400_000;

describe('deadlines, yellow cards and camera alarms as incidents', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;

  before(async () => {
    t = await startTestApi('deadlines', { YELLOW_CARDS_TO_FLAG: '5' });
    town = await incidentTown(t, 2);
  });
  after(() => t.close());

  const report = async (subcategory: string, at: { lon: number; lat: number }) => {
    const res = await town.dispatcher.post('/api/incidents', { subcategory, description: subcategory, ...at });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.incident as { id: number; gridCode: string };
  };

  it('gives a card for each missed deadline at the time the sweep is told, once, and flags the grid at five', async () => {
    const stream = new EventStream(`${t.api.url}/api/live?topics=incidents`, town.dispatcher.token!);
    await stream.ready;
    // Three incidents in grid T5 (nobody dispatches: no workers run here), one accepted in time by hand.
    const a = await report('environment.garbage', inGrid(1, 1, -0.003, 0));
    const b = await report('fire.equipment', inGrid(1, 1, 0, -0.003));
    const c = await report('market.unlicensed', inGrid(1, 1, 0.003, 0.003));
    await town.place(0, inGrid(1, 1));
    const sent = await town.dispatcher.post(`/api/incidents/${c.id}/dispatch`, { personId: town.phones[0]!.personId });
    await town.phone(0).post(`/api/phone/offers/${sent.body.offer.id}/accept`);

    const sweep = (at: number) => t.api.services.incidents.deadlines.sweep(new Date(at));
    expect(await sweep(Date.now() + DAY)).to.equal(0); // nothing is due after one day
    expect(await sweep(Date.now() + 3 * DAY)).to.equal(2); // a and b were not accepted within two days
    expect(await sweep(Date.now() + 3 * DAY)).to.equal(0); // never twice
    expect(await sweep(Date.now() + 8 * DAY)).to.equal(3); // nobody finished within seven
    const cards = async (id: number) =>
      ((await town.dispatcher.get(`/api/incidents/${id}`)).body.deadlines as { kind: string; outcome: string }[]).map(
        (d) => `${d.kind}:${d.outcome}`,
      );
    expect(await cards(a.id)).to.deep.equal(['accept:missed', 'finish:missed']);
    expect(await cards(c.id)).to.deep.equal(['accept:met', 'finish:missed']);

    const flagged = await stream.next((e) => e.data.action === 'grid_flagged');
    expect(flagged.data.cards).to.equal(5);
    const cardEvents = stream.events.filter((e) => e.data.action === 'yellow_card');
    expect(cardEvents).to.have.length(5);
    expect(cardEvents.map((e) => e.data.card.platform).sort()).to.deep.equal([
      'shichang',
      'zhifa',
      'zhifa',
      'zhifa',
      'zhifa',
    ]);
    stream.close();
    const timeline = (await town.dispatcher.get(`/api/incidents/${b.id}`)).body.timeline as {
      action: string;
      actor: { kind: string };
    }[];
    expect(timeline.filter((e) => e.action === 'yellow_card').map((e) => e.actor.kind)).to.deep.equal([
      'system',
      'system',
    ]);
  });

  it('runs a real delayed deadline job when the deadline comes', async () => {
    const workers: RunningIncidentWorkers = runWorkers(t);
    try {
      await t.admin.patch('/api/incident-types/services.paperwork', { acceptMinutes: 0.02, finishMinutes: 600 });
      const d = await report('services.paperwork', inGrid(0, 2));
      await sleep(2500); // 1.2 s deadline, then the job fires (no sweep runs in this test)
      const deadlines = (await town.dispatcher.get(`/api/incidents/${d.id}`)).body.deadlines as {
        kind: string;
        outcome: string | null;
      }[];
      expect(deadlines.map((x) => `${x.kind}:${x.outcome}`)).to.deep.equal(['accept:missed', 'finish:null']);
    } finally {
      await workers.close();
    }
  });

  it('makes a camera alarm into an incident at the camera, with its snapshot, once', async () => {
    const cam = await SimulatedCamera.start({
      name: '路口',
      ptz: false,
      rtsp: false,
      username: 'admin',
      password: 'alarm-1',
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
    const s = t.api.services;
    const watcher = new AlertWatcher(s.db, s.box, s.alerts, 3000);
    const workers = runWorkers(t);
    try {
      const at = { lon: ORIGIN.lon + 2.5 * STEP, lat: ORIGIN.lat + 0.5 * STEP };
      const res = await t.admin.post('/api/cameras', {
        name: '路口',
        host: '127.0.0.1',
        port: Number(new URL(cam.xaddr).port),
        username: 'admin',
        password: 'alarm-1',
        townCode: TOWN,
        placement: at,
      });
      expect(res.status).to.equal(201);
      await watcher.sync();
      for (let i = 0; i < 150 && watcher.status(res.body.id)?.state !== 'subscribed'; i++) await sleep(100);
      expect(watcher.status(res.body.id)?.state, 'the alarm subscription').to.equal('subscribed');
      cam.emitEvent({ topic: 'intrusion', state: true });
      let found:
        { id: number; source: string; gridCode: string; cameraId: number; subcategoryCode: string } | undefined;
      for (let i = 0; i < 150 && !found; i++) {
        await sleep(100);
        found = (await town.dispatcher.get('/api/incidents?source=camera')).body.items[0];
      }
      expect(found).to.include({
        source: 'camera',
        gridCode: 'T3',
        cameraId: res.body.id,
        subcategoryCode: 'public_order.suspicious',
      });
      const detail = (await town.dispatcher.get(`/api/incidents/${found!.id}`)).body;
      expect(detail.reports[0].cameraAlertId).to.be.a('number');
      expect(detail.timeline[0].actor).to.include({ kind: 'camera', label: '路口' });
      const snapshot = detail.media.find((m: { kind: string }) => m.kind === 'snapshot');
      expect(snapshot, 'the alert snapshot').to.exist;
      const jpeg = await town.dispatcher.get(`/api/incidents/${found!.id}/media/${snapshot.id}`);
      expect(jpeg.raw.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).to.equal(true);
      // The same alert handed over again (a retried job, a sweep) makes no second incident.
      await s.incidents.cameraAlertIntake.handle({
        alertId: detail.reports[0].cameraAlertId,
        cameraId: res.body.id,
        kind: 'intrusion',
      });
      expect((await town.dispatcher.get('/api/incidents?source=camera')).body.total).to.equal(1);

      // An operator reports what the camera shows: the picture of that moment is kept.
      const seen = await town.dispatcher.post('/api/incidents', {
        subcategory: 'traffic.accident',
        description: '路口两车相撞',
        cameraId: res.body.id,
        ...at,
      });
      expect(seen.status, JSON.stringify(seen.body)).to.equal(201);
      const media = (await town.dispatcher.get(`/api/incidents/${seen.body.incident.id}`)).body.media as {
        kind: string;
        bytes: number;
      }[];
      expect(media.map((m) => m.kind)).to.deep.equal(['snapshot']);
      expect(media[0]!.bytes).to.be.greaterThan(1000);
    } finally {
      await workers.close();
      await watcher.stop();
      await cam.stop();
    }
  });
});
