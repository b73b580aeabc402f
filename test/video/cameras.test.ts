import { expect } from 'chai';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { ORIGIN, STEP, TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { sleep } from '../helpers/system.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';

const PASSWORD = 'cam-secret-9731';

describe('cameras: registration, placement, steering', function () {
  this.timeout(60_000);
  let t: TestApi;
  let installer: HttpClient;
  let operator: HttpClient;
  let dispatcher: HttpClient;
  let rooftop: SimulatedCamera;
  let bullet: SimulatedCamera;
  let rooftopId: number;
  const discoveryPort = 20_000 + Math.floor(Math.random() * 20_000);

  before(async () => {
    [rooftop, bullet] = await Promise.all([
      SimulatedCamera.start({
        name: '航埠大楼楼顶',
        ptz: true,
        highPosition: true,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: { port: discoveryPort },
      }),
      SimulatedCamera.start({
        name: '东门枪机',
        ptz: false,
        rtsp: false,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: { port: discoveryPort },
      }),
    ]);
    t = await startTestApi('cameras', { DISCOVERY_PORT: String(discoveryPort), CAMERA_TIMEOUT_MS: '3000' });
    const townId = await publishTinyTown(t);
    installer = await t.login(['installer'], [townId]);
    operator = await t.login(['operator'], [townId]);
    dispatcher = await t.login(['dispatcher'], [townId]);
  });
  after(async () => {
    await t.close();
    await Promise.all([rooftop.stop(), bullet.stop()]);
  });

  const address = (cam: SimulatedCamera) => ({ host: '127.0.0.1', port: Number(new URL(cam.xaddr).port) });
  const centre = { lon: ORIGIN.lon + 1.5 * STEP, lat: ORIGIN.lat + 1.5 * STEP };

  it('discovers the ONVIF devices on the network that are not registered', async () => {
    const res = await installer.get('/api/cameras/discover?timeoutMs=1500');
    expect(res.status).to.equal(200);
    const ports = res.body.map((d: { port: number }) => d.port);
    expect(ports).to.include.members([address(rooftop).port, address(bullet).port]);
  });

  it('registers a PTZ camera: reads what it is and assigns its grid from the position', async () => {
    const res = await installer.post('/api/cameras', {
      name: '楼顶高点',
      ...address(rooftop),
      username: 'admin',
      password: PASSWORD,
      townCode: TOWN,
      placement: { ...centre, mountHeightM: 84, rangeM: 3000, hfovDeg: 60, highPosition: true, zoomMax: 30 },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    rooftopId = res.body.id;
    expect(res.body).to.include({ status: 'online', name: '楼顶高点' });
    expect(res.body.manufacturer).to.be.a('string').and.not.empty;
    expect(res.body.serial).to.be.a('string').and.not.empty;
    // What the server read, as facts: the stream URIs themselves stay on the server.
    expect(res.body.streams).to.deep.equal({ main: true, sub: true });
    expect(res.body.hasSnapshot).to.equal(true);
    expect(
      res.body.profiles.map((p: { stream: string | null; rtsp: boolean | null }) => [p.stream, p.rtsp]),
    ).to.have.deep.members([
      ['main', true],
      ['sub', true],
    ]);
    expect(res.raw.toString()).to.not.match(/rtsp:\/\/|\/onvif\//);
    expect(res.body.ptz.zoomRange).to.deep.equal({ min: 0, max: 1 });
    expect(res.body.placement).to.include({ gridCode: 'T5', highPosition: true });
    expect(res.raw.toString()).to.not.contain(PASSWORD);
    expect(res.body.profiles.length).to.equal(2);
  });

  it('refuses a wrong password, an unreachable host, a non-ONVIF device and a second registration, each with a reason', async () => {
    const base = { name: 'x', username: 'admin', townCode: TOWN };
    const wrong = await installer.post('/api/cameras', { ...base, ...address(bullet), password: 'nope' });
    expect(wrong.status).to.equal(422);
    expect(wrong.body.error.code).to.equal('camera_auth_failed');
    const started = Date.now();
    const closed = await installer.post('/api/cameras', { ...base, host: '127.0.0.1', port: 1, password: PASSWORD });
    expect(closed.status).to.equal(422);
    expect(closed.body.error.code).to.equal('camera_unreachable');
    expect(Date.now() - started).to.be.lessThan(3500);
    await bullet.setFaults({ notOnvif: true });
    const html = await installer.post('/api/cameras', { ...base, ...address(bullet), password: PASSWORD });
    await bullet.setFaults({ notOnvif: false });
    expect(html.body.error.code).to.equal('camera_not_onvif');
    const again = await installer.post('/api/cameras', { ...base, ...address(rooftop), password: PASSWORD });
    expect(again.status).to.equal(409);
    expect(JSON.stringify([wrong.body, closed.body, html.body, again.body])).to.not.contain(PASSWORD);
  });

  it('keeps the password encrypted at rest', async () => {
    const db = new pg.Pool({ connectionString: t.db.url, max: 1 });
    try {
      const { rows } = await db.query<{ password_enc: Buffer }>('SELECT password_enc FROM cameras');
      expect(rows).to.have.length(1);
      expect(rows[0]!.password_enc.toString('latin1')).to.not.contain(PASSWORD);
    } finally {
      await db.end();
    }
  });

  it('registers a fixed camera, which refuses PTZ', async () => {
    const res = await installer.post('/api/cameras', {
      name: '东门',
      ...address(bullet),
      username: 'admin',
      password: PASSWORD,
      townCode: TOWN,
      placement: { lon: ORIGIN.lon + 0.5 * STEP, lat: ORIGIN.lat + 0.5 * STEP, headingDeg: 45 },
    });
    expect(res.status).to.equal(201);
    expect(res.body.ptz).to.equal(null);
    const move = await operator.post(`/api/cameras/${res.body.id}/ptz`, { type: 'home' });
    expect(move.status).to.equal(422);
    expect(move.body.error.code).to.equal('no_ptz');
  });

  it('stops a continuous move when the browser stops renewing its lease', async () => {
    const start = rooftop.ptzState()!.position;
    const res = await operator.post(`/api/cameras/${rooftopId}/ptz`, {
      type: 'continuous',
      velocity: { x: 0.5, y: 0, zoom: 0 },
      leaseMs: 400,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    await sleep(250);
    expect(rooftop.ptzState()!.moveStatus.panTilt).to.equal('MOVING');
    await sleep(600);
    expect(rooftop.ptzState()!.moveStatus.panTilt).to.equal('IDLE');
    const stoppedAt = rooftop.ptzState()!.position.pan;
    expect(stoppedAt).to.not.equal(start.pan);
    await sleep(300);
    expect(rooftop.ptzState()!.position.pan).to.equal(stoppedAt);
  });

  it('keeps moving while the lease is renewed, and stops on stop', async () => {
    await operator.post(`/api/cameras/${rooftopId}/ptz`, {
      type: 'continuous',
      velocity: { x: 0, y: 0, zoom: 0.5 },
      leaseMs: 400,
    });
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      expect((await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'renew', leaseMs: 400 })).status).to.equal(
        200,
      );
    }
    expect(rooftop.ptzState()!.moveStatus.zoom).to.equal('MOVING');
    await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'stop' });
    await sleep(100);
    expect(rooftop.ptzState()!.moveStatus.zoom).to.equal('IDLE');
    const late = await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'renew', leaseMs: 400 });
    expect(late.status).to.equal(409);
  });

  it('lets one operator steer at a time; a dispatcher may take over', async () => {
    const other = await t.login(['operator'], [(await t.admin.get(`/api/areas/${TOWN}`)).body.id]);
    const refused = await other.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('ptz_locked');
    expect(refused.body.error.details.holder.username).to.match(/^operator-/);
    const lock = (await other.get(`/api/cameras/${rooftopId}/ptz/lock`)).body.lock;
    expect(lock.username).to.match(/^operator-/);
    expect((await dispatcher.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(200);
    expect((await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(409);
    expect((await dispatcher.delete(`/api/cameras/${rooftopId}/ptz/lock`)).status).to.equal(204);
    expect((await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(200);
  });

  it('lets an installer check the PTZ of a camera nobody is steering, but not take it from an operator', async () => {
    expect((await installer.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(409); // the operator holds it
    expect((await operator.delete(`/api/cameras/${rooftopId}/ptz/lock`)).status).to.equal(204);
    const check = await installer.post(`/api/cameras/${rooftopId}/ptz`, {
      type: 'relative',
      translation: { x: 0.05, y: 0, zoom: 0 },
    });
    expect(check.status, JSON.stringify(check.body)).to.equal(200);
    expect((await operator.get(`/api/cameras/${rooftopId}/ptz/lock`)).body.lock.username).to.match(/^installer-/);
    // An operator outranks the installer and takes the camera back at once.
    expect((await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(200);
    expect((await installer.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' })).status).to.equal(409);
  });

  it('saves, lists, goes to and removes presets', async () => {
    await operator.post(`/api/cameras/${rooftopId}/ptz`, {
      type: 'absolute',
      position: { x: 0.25, y: -0.1, zoom: 0.2 },
    });
    await sleep(1500);
    const saved = await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'set_preset', name: '东门口' });
    expect(saved.status).to.equal(200);
    const token = String(saved.body.token);
    await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'home' });
    await sleep(1500);
    const presets = (await operator.get(`/api/cameras/${rooftopId}/ptz/presets`)).body;
    expect(presets.map((p: { name: string }) => p.name)).to.include('东门口');
    await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'goto_preset', token });
    await sleep(1500);
    expect(rooftop.ptzState()!.position.pan).to.be.closeTo(0.25, 0.01);
    await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'remove_preset', token });
    const after = (await operator.get(`/api/cameras/${rooftopId}/ptz/presets`)).body;
    expect(after.map((p: { name: string }) => p.name)).to.not.include('东门口');
  });

  it('aims the camera at a map point, and says which cameras can see a point', async () => {
    // 0.01° east of the camera: bearing ~90°, pan x ≈ 0.5.
    const target = { lon: centre.lon + 0.01, lat: centre.lat };
    const res = await operator.post(`/api/cameras/${rooftopId}/ptz`, { type: 'look_at', ...target });
    expect(res.status).to.equal(200);
    expect(res.body.aim.x).to.be.closeTo(0.5, 0.01);
    await sleep(2000);
    expect(rooftop.ptzState()!.position.pan).to.be.closeTo(res.body.aim.x, 0.01);
    expect(rooftop.ptzState()!.position.tilt).to.be.closeTo(res.body.aim.y, 0.01);
    const who = (await operator.get(`/api/cameras/visible?lon=${target.lon}&lat=${target.lat}`)).body;
    expect(who.map((w: { camera: { id: number } }) => w.camera.id)).to.deep.equal([rooftopId]);
    expect(who[0].visibility).to.equal('reachable_by_ptz');
  });

  it('records every PTZ command with who sent it', async () => {
    const log = (await operator.get(`/api/cameras/${rooftopId}/ptz/log`)).body;
    const commands = log.map((l: { command: string }) => l.command);
    expect(commands).to.include.members([
      'continuous',
      'renew',
      'stop',
      'home',
      'set_preset',
      'goto_preset',
      'look_at',
    ]);
    expect(log.some((l: { params: { reason?: string } | null }) => l.params?.reason === 'lease expired')).to.equal(
      true,
    );
    expect(log.find((l: { command: string }) => l.command === 'home').username).to.be.a('string');
  });

  it('moves a camera: a new placement and grid, the old one kept in the history', async () => {
    const res = await installer.request('PUT', `/api/cameras/${rooftopId}/placement`, {
      lon: ORIGIN.lon + 2.5 * STEP,
      lat: ORIGIN.lat + 2.5 * STEP,
      mountHeightM: 30,
    });
    expect(res.status).to.equal(200);
    expect(res.body.placement.gridCode).to.equal('T9');
    const history = (await installer.get(`/api/cameras/${rooftopId}/placements`)).body;
    expect(history).to.have.length(2);
    expect(history[0].validTo).to.equal(history[1].validFrom);
  });

  it('marks a camera offline when it stops answering, and online again', async () => {
    await rooftop.setFaults({ offline: true });
    const checked = await installer.post(`/api/cameras/${rooftopId}/check`);
    expect(checked.status, JSON.stringify(checked.body)).to.equal(200);
    const down = checked.body;
    expect(down.status).to.equal('offline');
    expect(down.lastError).to.be.a('string').and.not.contain(PASSWORD);
    await rooftop.setFaults({ offline: false });
    await sleep(500);
    const again = await installer.post(`/api/cameras/${rooftopId}/check`);
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    const up = again.body;
    expect(up.status).to.equal('online');
  });
});
