// The video patrol log, saved walls and tour checks over HTTP against a simulated camera
// (ONVIF only, no video): what a supervisor reads in the statistics, and the 4xx answers
// that name what is wrong.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { tinyTownWithPeople } from '../helpers/roster.js';
import { TOWN } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { currentShift } from '../../video/patrol/patrol.service.js';

describe('video patrol log, saved walls and tours', function () {
  this.timeout(60_000);
  let t: TestApi;
  let cam: SimulatedCamera;
  let cam2: SimulatedCamera;
  let operator: HttpClient;
  let other: HttpClient;
  let watched: number;
  let never: number;

  before(async () => {
    const sim = (name: string) =>
      SimulatedCamera.start({
        name,
        ptz: true,
        rtsp: false,
        username: 'admin',
        password: 'patrol-pass-1',
        onvifPort: 0,
        rtspPort: 0,
        discovery: false,
      });
    [t, cam, cam2] = await Promise.all([startTestApi('patrol-walls'), sim('西门'), sim('南门')]);
    const town = await tinyTownWithPeople(t, 1);
    const register = async (name: string, host: string, port: number) => {
      const res = await t.admin.post('/api/cameras', {
        name,
        host,
        port,
        username: 'admin',
        password: 'patrol-pass-1',
        townCode: TOWN,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as number;
    };
    watched = await register('西门', '127.0.0.1', Number(new URL(cam.xaddr).port));
    never = await register('南门', '127.0.0.1', Number(new URL(cam2.xaddr).port));
    operator = await t.login(['operator'], [town.townId]);
    other = await t.login(['operator'], [town.townId]);
  });
  after(async () => {
    await t?.close();
    await cam?.stop();
    await cam2?.stop();
  });

  it('counts what was watched and found, and lists the cameras never patrolled', async () => {
    expect(
      (await operator.post('/api/patrol/views', { cameraId: watched, mode: 'tile', seconds: 40 })).status,
    ).to.equal(201);
    expect(
      (await operator.post('/api/patrol/views', { cameraId: watched, mode: 'enlarged', seconds: 20 })).status,
    ).to.equal(201);
    const finding = await operator.post('/api/patrol/findings', { cameraId: watched, note: '西门口占道经营' });
    expect(finding.status).to.equal(201);
    const stats = await operator.get(`/api/patrol/stats?town=${TOWN}`);
    expect(stats.status).to.equal(200);
    const row = stats.body.cameras.find((c: { cameraId: number }) => c.cameraId === watched);
    expect(row).to.include({ views: 2, findings: 1 });
    expect(row.seconds).to.be.within(59, 61);
    expect(stats.body.patrolled).to.equal(1);
    expect(stats.body.neverPatrolled).to.deep.equal([{ cameraId: never, name: '南门' }]);
    expect(stats.body.findings[0]).to.include({ note: '西门口占道经营', cameraName: '西门' });
    const bad = await operator.post('/api/patrol/views', { cameraId: watched, mode: 'tile', seconds: 0 });
    expect(bad.status).to.equal(400);
  });

  it('a shift checklist: which cameras this shift still has to watch', async () => {
    const res = await operator.put(`/api/patrol/checklist?town=${TOWN}`, {
      cameraIds: [watched, never],
      shiftStarts: ['00:00', '12:00'],
      minSeconds: 30,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ done: 1, total: 2 });
    expect(res.body.items.find((i: { cameraId: number }) => i.cameraId === never).done).to.equal(false);
    const wrong = await operator.put(`/api/patrol/checklist?town=${TOWN}`, {
      cameraIds: [999999],
      shiftStarts: ['08:00'],
    });
    expect(wrong.status).to.equal(422);
    expect(wrong.body.error.details.problems[0].path).to.equal('body.cameraIds.0');
    // Shifts in town time (UTC+8): at 03:00 UTC = 11:00 town time, the 08:00 shift runs to 20:00.
    const shift = currentShift(['20:00', '08:00'], new Date('2026-12-05T03:00:00Z'), 8);
    expect(shift).to.deep.equal({
      from: new Date('2026-12-05T00:00:00Z'),
      to: new Date('2026-12-05T12:00:00Z'),
      start: '08:00',
    });
  });

  it("saved walls are each operator's own; a camera that does not exist is refused by tile", async () => {
    const saved = await operator.post('/api/walls', { name: '夜班', layout: '6', cameraIds: [watched, null, never] });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    expect((await operator.post('/api/walls', { name: '夜班', layout: '4', cameraIds: [] })).status).to.equal(409);
    expect((await other.get('/api/walls')).body).to.deep.equal([]);
    expect((await other.put(`/api/walls/${saved.body.id}`, { name: 'x', layout: '4', cameraIds: [] })).status).to.equal(
      404,
    );
    const bad = await operator.post('/api/walls', { name: '错', layout: '4', cameraIds: [watched, 999999] });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.details.problems[0].path).to.equal('body.cameraIds.1');
    expect((await operator.post('/api/walls', { name: '错', layout: '7', cameraIds: [] })).status).to.equal(400);
    expect(
      (await operator.put('/api/walls/last', { layout: '3x5', cameraIds: [watched], wallId: saved.body.id })).status,
    ).to.equal(200);
    expect((await operator.get('/api/walls/last')).body).to.deep.include({ layout: '3x5', cameraIds: [watched] });
  });

  it('a tour naming a preset the camera does not have is refused, naming the stop', async () => {
    const res = await operator.post(`/api/cameras/${watched}/tours`, {
      name: '巡航一',
      stops: [{ presetToken: '77', dwellS: 10 }],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.details.problems[0].path).to.equal('body.stops.0.presetToken');
  });
});
