import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { ORIGIN, STEP, TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { sleep, until } from '../helpers/system.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { AlertWatcher } from '../../video/alert-watcher.js';

const PASSWORD = 'alarm-pass-4417';

describe('camera alarms become alerts', function () {
  this.timeout(60_000);
  let t: TestApi;
  let cam: SimulatedCamera;
  let cameraId: number;
  let watcher: AlertWatcher;

  before(async () => {
    cam = await SimulatedCamera.start({
      name: '河道',
      ptz: false,
      rtsp: false,
      username: 'admin',
      password: PASSWORD,
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
    // The simulated camera makes each snapshot with a fresh ffmpeg, which can take seconds on a busy machine.
    t = await startTestApi('alerts', { ALERT_DEDUPE_S: '5', CAMERA_TIMEOUT_MS: '15000' });
    await publishTinyTown(t);
    const res = await t.admin.post('/api/cameras', {
      name: '河道',
      host: '127.0.0.1',
      port: Number(new URL(cam.xaddr).port),
      username: 'admin',
      password: PASSWORD,
      townCode: TOWN,
      placement: { lon: ORIGIN.lon + 0.5 * STEP, lat: ORIGIN.lat + 2.5 * STEP },
    });
    expect(res.status).to.equal(201);
    cameraId = res.body.id;
    const s = t.api.services;
    await s.alertsQueue.obliterate({ force: true });
    watcher = new AlertWatcher(s.db, s.box, s.alerts, 3000);
    await watcher.sync();
    await until('the subscription', async () => watcher.status(cameraId)?.state === 'subscribed');
  });
  after(async () => {
    await watcher.stop();
    await t.api.services.alertsQueue.obliterate({ force: true });
    await t.close();
    await cam.stop();
  });

  const alerts = async () =>
    (await t.admin.get(`/api/alerts?camera=${cameraId}`)).body as {
      id: number;
      kind: string;
      count: number;
      gridCode: string;
      snapshot: string | null;
    }[];

  it('turns a burst of motion alarms into one alert with a count, its grid and a snapshot, queued once', async () => {
    for (let i = 0; i < 5; i++) {
      cam.emitEvent({ topic: 'motion', state: true });
      await sleep(150);
      cam.emitEvent({ topic: 'motion', state: false });
      await sleep(150);
    }
    // The snapshot is taken from the camera after the alert is stored: wait for both.
    const [alert] = await until(
      '5 motion alarms counted, with the snapshot',
      async () => {
        const list = await alerts();
        return list.length === 1 && list[0]!.count === 5 && list[0]!.snapshot ? list : null;
      },
      15_000,
    );
    expect(alert).to.include({ kind: 'motion', gridCode: 'T7' });
    expect(alert!.snapshot).to.match(/^[0-9a-f]{64}\.jpg$/);
    const jpeg = await t.admin.get(`/api/media/${alert!.snapshot}`);
    expect(jpeg.status).to.equal(200);
    expect(jpeg.raw.subarray(0, 2).toString('hex')).to.equal('ffd8');
    const jobs = await t.api.services.alertsQueue.getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(jobs.map((j) => j.data)).to.deep.equal([{ alertId: alert!.id, cameraId, kind: 'motion' }]);
  });

  it('keeps line crossing, intrusion and tamper as alerts of their own', async () => {
    cam.emitEvent({ topic: 'lineCrossing', rule: '河堤' });
    cam.emitEvent({ topic: 'intrusion', state: true, rule: '河道' });
    cam.emitEvent({ topic: 'tamper', state: true });
    const list = await until('three more alerts', async () => {
      const l = await alerts();
      return l.length === 4 ? l : null;
    });
    expect(list.map((a) => a.kind).sort()).to.deep.equal(['intrusion', 'line_crossing', 'motion', 'tamper']);
  });

  it('keeps receiving alarms after the camera restarts', async function () {
    this.timeout(90_000);
    await cam.setFaults({ offline: true });
    await sleep(1500);
    await cam.setFaults({ offline: false });
    await until('the subscription again', async () => watcher.status(cameraId)?.state === 'subscribed', 75_000);
    await sleep(6000); // past the de-duplication window
    cam.emitEvent({ topic: 'motion', state: true });
    const list = await until('a new motion alert', async () => {
      const l = (await alerts()).filter((a) => a.kind === 'motion');
      return l.length === 2 ? l : null;
    });
    expect(list[0]!.count).to.equal(1);
  });

  it('hands an alert that missed the queue over on the next sweep, exactly once', async () => {
    const s = t.api.services;
    const pool = s.db;
    await pool.query('UPDATE camera_alerts SET queued_at = NULL');
    expect(await s.alerts.sweep()).to.equal(5);
    expect(await s.alerts.sweep()).to.equal(0);
    const jobs = await s.alertsQueue.getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(new Set(jobs.map((j) => j.data.alertId)).size).to.equal(jobs.length);
    expect(jobs.length).to.equal(5);
  });
});
