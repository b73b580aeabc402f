// Looking after registered cameras, against real simulated ONVIF cameras: what the API
// shows of them (facts, never a camera URL), renaming, new credentials after the
// password was changed on the device, and retiring a camera while its history stays.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpAnswer, HttpClient } from '../helpers/http.js';
import { ORIGIN, STEP, TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { until } from '../helpers/system.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { AlertWatcher } from '../../video/alert-watcher.js';
import type { LiveEvent } from '../../platform/live/live-bus.js';

const OLD_PASSWORD = 'Dome-Old-2231';
const NEW_PASSWORD = 'Dome-New-7719';
const PASSWORD = 'Gate-Pass-5150';

describe('camera administration: no URL in answers, rename, new credentials, retire', function () {
  this.timeout(120_000);
  let t: TestApi;
  let installer: HttpClient;
  let operator: HttpClient;
  let stranger: HttpClient;
  let dome: SimulatedCamera;
  let gate: SimulatedCamera;
  let domeId: number;
  let gateId: number;
  let watcher: AlertWatcher | undefined;
  let unsubscribe: () => void = () => undefined;
  const discoveryPort = 20_000 + Math.floor(Math.random() * 20_000);
  const answers: { what: string; answer: HttpAnswer }[] = [];
  const events: LiveEvent[] = [];
  const keep = async (what: string, answer: Promise<HttpAnswer>): Promise<HttpAnswer> => {
    const a = await answer;
    answers.push({ what, answer: a });
    return a;
  };
  const address = (cam: SimulatedCamera) => ({ host: '127.0.0.1', port: Number(new URL(cam.xaddr).port) });
  const storedCredentials = async (id: number) =>
    (
      await t.api.services.db.query<{ username: string; password_enc: Buffer; status: string }>(
        'SELECT username, password_enc, status FROM cameras WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  before(async () => {
    [dome, gate] = await Promise.all([
      SimulatedCamera.start({
        name: '广场球机',
        ptz: true,
        username: 'admin',
        password: OLD_PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: { port: discoveryPort },
      }),
      SimulatedCamera.start({
        name: '校门枪机',
        ptz: false,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: { port: discoveryPort },
      }),
    ]);
    t = await startTestApi('camera-admin', { DISCOVERY_PORT: String(discoveryPort), CAMERA_TIMEOUT_MS: '2000' });
    const townId = await publishTinyTown(t);
    installer = await t.login(['installer'], [townId]);
    operator = await t.login(['operator'], [townId]);
    stranger = await t.login(['installer'], []);
    unsubscribe = t.api.services.live.add({
      topics: new Set(['cameras', 'alerts']),
      townIds: null,
      personId: null,
      send: (e) => void events.push(e),
    });
  });
  after(async () => {
    unsubscribe();
    await watcher?.stop();
    await t?.close();
    await Promise.all([dome?.stop(), gate?.stop()]);
  });

  it('shows what the server read as facts: streams, snapshot and profiles without their URIs', async () => {
    const found = await keep('discover', installer.get('/api/cameras/discover?timeoutMs=1500'));
    expect(found.body.map((d: { port: number }) => d.port)).to.include(address(dome).port);
    expect(Object.keys(found.body[0]).sort()).to.deep.equal([
      'endpoint',
      'hardware',
      'host',
      'location',
      'name',
      'port',
    ]);

    const res = await keep(
      'register',
      installer.post('/api/cameras', {
        name: '广场',
        ...address(dome),
        username: 'admin',
        password: OLD_PASSWORD,
        townCode: TOWN,
        placement: { lon: ORIGIN.lon + 1.5 * STEP, lat: ORIGIN.lat + 1.5 * STEP, rangeM: 500 },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    domeId = res.body.id;
    // Its alarms are subscribed to, as the worker does.
    const s = t.api.services;
    await s.alertsQueue.obliterate({ force: true });
    watcher = new AlertWatcher(s.db, s.box, s.alerts, 2000);
    await watcher.sync();
    await until('the subscription', async () => watcher!.status(domeId)?.state === 'subscribed');
    expect(res.body).to.deep.include({
      host: '127.0.0.1',
      port: address(dome).port,
      streams: { main: true, sub: true },
      hasSnapshot: true,
    });
    expect(res.body).to.not.have.any.keys('snapshotUri', 'mainStreamUri', 'subStreamUri');
    expect(res.body.manufacturer).to.be.a('string').and.not.empty;
    expect(res.body.ptz.zoomRange).to.deep.equal({ min: 0, max: 1 });
    const profiles = res.body.profiles as {
      token: string;
      width: number;
      height: number;
      encoding: string;
      stream: string | null;
      rtsp: boolean | null;
    }[];
    expect(profiles.map((p) => [p.stream, p.rtsp])).to.have.deep.members([
      ['main', true],
      ['sub', true],
    ]);
    const main = profiles.find((p) => p.stream === 'main')!;
    expect(main.width).to.be.greaterThan(profiles.find((p) => p.stream === 'sub')!.width);
    expect(main.encoding).to.equal('H264');

    await keep('list', installer.get('/api/cameras'));
    await keep('one', operator.get(`/api/cameras/${domeId}`));
    await keep('check', installer.post(`/api/cameras/${domeId}/check`));
    await keep('placements', installer.get(`/api/cameras/${domeId}/placements`));
    await keep(
      'visible',
      operator.get(`/api/cameras/visible?lon=${ORIGIN.lon + 1.6 * STEP}&lat=${ORIGIN.lat + 1.5 * STEP}`),
    );
    await keep('ptz status', operator.get(`/api/cameras/${domeId}/ptz`));
    await keep('presets', operator.get(`/api/cameras/${domeId}/ptz/presets`));
    await keep('ptz home', operator.post(`/api/cameras/${domeId}/ptz`, { type: 'home' }));
    await keep('ptz lock', operator.get(`/api/cameras/${domeId}/ptz/lock`));
    await keep('ptz log', operator.get(`/api/cameras/${domeId}/ptz/log`));
    const live = await keep('watch', operator.post(`/api/cameras/${domeId}/live`, { stream: 'sub' }));
    expect(live.status, JSON.stringify(live.body)).to.equal(200);
    expect(live.body.status).to.not.have.any.keys('source', 'dir');
    await keep('live status', operator.get(`/api/cameras/${domeId}/live`));
    await keep('alerts', operator.get('/api/alerts'));
  });

  it('renames a camera; refuses an empty name, an unknown id, another town and an operator', async () => {
    const res = await keep('rename', installer.patch(`/api/cameras/${domeId}`, { name: '广场高点' }));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ id: domeId, name: '广场高点' });
    expect((await installer.get(`/api/cameras/${domeId}`)).body.name).to.equal('广场高点');
    const empty = await installer.patch(`/api/cameras/${domeId}`, { name: '' });
    expect(empty.status).to.equal(400);
    const extra = await installer.patch(`/api/cameras/${domeId}`, { name: 'x', host: '10.0.0.1' });
    expect(extra.status).to.equal(400);
    expect((await installer.patch('/api/cameras/999999', { name: 'x' })).status).to.equal(404);
    expect((await stranger.patch(`/api/cameras/${domeId}`, { name: 'x' })).status).to.equal(404);
    expect((await operator.patch(`/api/cameras/${domeId}`, { name: 'x' })).status).to.equal(403);
    expect((await t.admin.patch(`/api/cameras/${domeId}`, { name: '广场高点' })).status).to.equal(200);
  });

  it('takes new credentials after the password was changed on the device, only once the device accepts them', async () => {
    // The password is changed on site: same device, same ports, new password.
    const ports = { onvifPort: address(dome).port, rtspPort: dome.rtspPort };
    await dome.stop();
    dome = await SimulatedCamera.start({
      name: '广场球机',
      ptz: true,
      username: 'admin',
      password: NEW_PASSWORD,
      ...ports,
      discovery: false,
    });

    // The stored password is wrong everywhere now.
    const refusedPtz = await keep('ptz, old password', operator.get(`/api/cameras/${domeId}/ptz`));
    expect(refusedPtz.status).to.equal(502);
    expect(refusedPtz.body.error.code).to.equal('camera_auth_failed');
    const down = await keep('check, old password', installer.post(`/api/cameras/${domeId}/check`));
    expect(down.body.status).to.equal('offline');
    const failedLive = await keep(
      'watch, old password',
      operator.post(`/api/cameras/${domeId}/live`, { stream: 'main' }),
    );
    expect(failedLive.status).to.equal(502);
    expect(failedLive.body.error.message).to.match(/401 Unauthorized/);

    const before = await storedCredentials(domeId);
    const wrong = await keep(
      'credentials, wrong',
      installer.patch(`/api/cameras/${domeId}/credentials`, { password: 'Not-The-One-1' }),
    );
    expect(wrong.status).to.equal(422);
    expect(wrong.body.error.code).to.equal('camera_auth_failed');
    const wrongUser = await keep(
      'credentials, wrong user',
      installer.patch(`/api/cameras/${domeId}/credentials`, { username: 'nobody', password: NEW_PASSWORD }),
    );
    expect(wrongUser.status).to.equal(422);
    await dome.setFaults({ offline: true });
    const started = Date.now();
    const unreachable = await keep(
      'credentials, unreachable',
      installer.patch(`/api/cameras/${domeId}/credentials`, { password: NEW_PASSWORD }),
    );
    await dome.setFaults({ offline: false });
    expect(unreachable.status).to.equal(422);
    expect(unreachable.body.error.code).to.be.oneOf(['camera_unreachable', 'camera_timeout']);
    expect(Date.now() - started).to.be.lessThan(9000);
    expect((await installer.patch('/api/cameras/999999/credentials', { password: NEW_PASSWORD })).status).to.equal(404);
    expect((await stranger.patch(`/api/cameras/${domeId}/credentials`, { password: NEW_PASSWORD })).status).to.equal(
      404,
    );
    expect((await operator.patch(`/api/cameras/${domeId}/credentials`, { password: NEW_PASSWORD })).status).to.equal(
      403,
    );
    expect((await installer.patch(`/api/cameras/${domeId}/credentials`, { username: 'admin' })).status).to.equal(400);
    // Nothing was written by any refusal.
    const unchanged = await storedCredentials(domeId);
    expect(unchanged.username).to.equal(before.username);
    expect(unchanged.password_enc.equals(before.password_enc)).to.equal(true);

    const fixed = await keep(
      'credentials, right',
      installer.patch(`/api/cameras/${domeId}/credentials`, { username: 'admin', password: NEW_PASSWORD }),
    );
    expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
    expect(fixed.body.status).to.equal('online');
    expect(fixed.body.lastError).to.equal(null);
    const after = await storedCredentials(domeId);
    expect(after.password_enc.toString('latin1')).to.not.contain(NEW_PASSWORD);
    expect(t.api.services.box.open(after.password_enc)).to.equal(NEW_PASSWORD);

    // Steering and video work at once with the new password: the old session and relay are gone.
    const status = await keep('ptz, new password', operator.get(`/api/cameras/${domeId}/ptz`));
    expect(status.status, JSON.stringify(status.body)).to.equal(200);
    const live = await keep('watch, new password', operator.post(`/api/cameras/${domeId}/live`, { stream: 'main' }));
    expect(live.status, JSON.stringify(live.body)).to.equal(200);
    // The alarm subscription logs in again with the new credentials on the worker's next sync.
    await watcher!.sync();
    await until('the subscription with the new password', async () => watcher!.status(domeId)?.state === 'subscribed');
    dome.emitEvent({ topic: 'tamper', state: true });
    await until(
      'an alert from the camera',
      async () => ((await operator.get(`/api/alerts?camera=${domeId}`)).body as unknown[]).length === 1,
    );
  });

  it('retires a camera: gone from lists, checks, alarms and relays; its history stays; its address can be registered again', async () => {
    const registered = await keep(
      'register gate',
      installer.post('/api/cameras', {
        name: '校门',
        ...address(gate),
        username: 'admin',
        password: PASSWORD,
        townCode: TOWN,
        placement: { lon: ORIGIN.lon + 0.5 * STEP, lat: ORIGIN.lat + 0.5 * STEP, headingDeg: 90 },
      }),
    );
    expect(registered.status).to.equal(201);
    gateId = registered.body.id;

    // An alarm subscription and one alert, and a running relay.
    const s = t.api.services;
    await watcher!.sync();
    await until('the subscription', async () => watcher!.status(gateId)?.state === 'subscribed');
    gate.emitEvent({ topic: 'intrusion', state: true, rule: '校门' });
    const [alert] = await until('the alert', async () => {
      const list = (await operator.get(`/api/alerts?camera=${gateId}`)).body as { id: number }[];
      return list.length === 1 ? list : null;
    });
    const watched = await keep('watch gate', operator.post(`/api/cameras/${gateId}/live`, { stream: 'sub' }));
    expect(watched.status, JSON.stringify(watched.body)).to.equal(200);
    const relayKey = { sourceId: `camera-${gateId}`, stream: 'sub' };
    expect(s.relays.status(relayKey)?.state).to.equal('live');

    expect((await operator.delete(`/api/cameras/${gateId}`)).status).to.equal(403);
    expect((await stranger.delete(`/api/cameras/${gateId}`)).status).to.equal(404);
    expect((await installer.delete('/api/cameras/999999')).status).to.equal(404);
    const retired = await keep('retire', installer.delete(`/api/cameras/${gateId}`));
    expect(retired.status, retired.raw.toString()).to.equal(204);

    // Gone from every camera route.
    expect((await installer.get('/api/cameras')).body.map((c: { id: number }) => c.id)).to.deep.equal([domeId]);
    for (const [method, path, body] of [
      ['GET', `/api/cameras/${gateId}`],
      ['PATCH', `/api/cameras/${gateId}`, { name: 'x' }],
      ['PATCH', `/api/cameras/${gateId}/credentials`, { password: PASSWORD }],
      ['DELETE', `/api/cameras/${gateId}`],
      ['POST', `/api/cameras/${gateId}/check`],
      ['PUT', `/api/cameras/${gateId}/placement`, { lon: ORIGIN.lon, lat: ORIGIN.lat }],
      ['GET', `/api/cameras/${gateId}/placements`],
      ['GET', `/api/cameras/${gateId}/ptz`],
      ['POST', `/api/cameras/${gateId}/live`, { stream: 'sub' }],
      ['GET', `/api/cameras/${gateId}/live`],
      ['GET', `/api/cameras/${gateId}/live/sub/index.m3u8`],
      ['GET', `/api/cameras/${gateId}/snapshot.jpg`],
    ] as const) {
      const res = await installer.request(method, path, body);
      expect(res.status, `${method} ${path}: ${res.raw.toString()}`).to.equal(404);
      expect(res.body.error.code).to.be.a('string');
    }
    expect(
      (await operator.get(`/api/cameras/visible?lon=${ORIGIN.lon + 0.6 * STEP}&lat=${ORIGIN.lat + 0.5 * STEP}`)).body,
    ).to.deep.equal([]);

    // Its relay stopped, the health round and the alarm subscription leave it.
    expect(s.relays.status(relayKey)).to.equal(undefined);
    const round = await s.cameraHealth.checkAll();
    expect(round.checked).to.equal(1);
    await watcher!.sync();
    expect(watcher!.status(gateId)).to.equal(null);
    expect(watcher!.status(domeId)?.state).to.equal('subscribed');
    // An alarm raced in before the sync is not recorded either.
    expect(
      await s.alerts.handle(gateId, {
        kind: 'intrusion',
        topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside',
        state: true,
        time: new Date(),
        cameraTime: null,
        operation: 'Changed',
        source: {},
        data: {},
      }),
    ).to.equal(null);

    // The history stays: the alert, the row, the placements.
    const history = (await operator.get(`/api/alerts?camera=${gateId}`)).body as { id: number }[];
    expect(history.map((a) => a.id)).to.deep.equal([alert!.id]);
    const row = (
      await s.db.query<{ retired_at: Date | null; name: string }>(
        'SELECT retired_at, name FROM cameras WHERE id = $1',
        [gateId],
      )
    ).rows[0]!;
    expect(row.retired_at).to.be.instanceOf(Date);
    expect(row.name).to.equal('校门');
    expect((await s.db.query('SELECT 1 FROM camera_placements WHERE camera_id = $1', [gateId])).rowCount).to.equal(1);
    // Browsers of the town hear of it.
    await until('the retired event', async () =>
      events.some(
        (e) =>
          (e.data as { cameraId?: number; retired?: boolean }).cameraId === gateId &&
          (e.data as { retired?: boolean }).retired,
      ),
    );

    // The device at the same address can be registered again, as a new camera.
    const found = (await installer.get('/api/cameras/discover?timeoutMs=1500')).body.map(
      (d: { port: number }) => d.port,
    );
    expect(found).to.include(address(gate).port);
    // Two installers at once: one camera, and a 409 (not a 500) for the other.
    const [one, other] = await Promise.all(
      [1, 2].map((n) =>
        keep(
          `register gate again ${n}`,
          installer.post('/api/cameras', {
            name: `校门(新${n})`,
            ...address(gate),
            username: 'admin',
            password: PASSWORD,
            townCode: TOWN,
          }),
        ),
      ),
    );
    expect([one!.status, other!.status].sort(), JSON.stringify([one!.body, other!.body])).to.deep.equal([201, 409]);
    const again = one!.status === 201 ? one! : other!;
    expect(again.body.id).to.not.equal(gateId);
    expect((await installer.get('/api/cameras')).body.map((c: { id: number }) => c.id)).to.deep.equal([
      domeId,
      again.body.id,
    ]);
  });

  it('answered none of it, nor pushed to browsers, with a camera URL', async () => {
    expect(answers.length).to.be.greaterThan(25);
    const ports = [address(dome).port, dome.rtspPort, address(gate).port, gate.rtspPort];
    // The camera's own addresses and the names of the fields that used to carry them.
    const cameraUrls = [
      /rtsps?:\/\//i,
      /onvif:\/\//i,
      /\/onvif\//i,
      /xaddr/i,
      /snapshotUri|streamUri|mainStreamUri|subStreamUri/,
      ...ports.map((p) => new RegExp(`127\\.0\\.0\\.1:${p}/`)),
    ];
    // A camera answer or live event has no business with any absolute URL at all.
    const anyUrl = /[a-z][a-z0-9+.-]*:\/\//i;
    const openapi = await t.admin.get('/api/openapi.json');
    expect(openapi.status).to.equal(200);
    const texts = [
      ...answers.map(({ what, answer }) => ({
        what,
        text: answer.raw.toString('utf8'),
        forbidden: [...cameraUrls, anyUrl],
      })),
      ...events.map((e) => ({ what: `live ${e.topic}`, text: JSON.stringify(e), forbidden: [...cameraUrls, anyUrl] })),
      { what: 'openapi', text: openapi.raw.toString('utf8'), forbidden: cameraUrls },
    ];
    // Not a vacuous pass: the error answers that used to carry URLs are among them.
    expect(texts.find((x) => x.what === 'watch, old password')!.text).to.match(/RTSP at 127\.0\.0\.1/);
    for (const { what, text, forbidden } of texts) {
      for (const pattern of forbidden) {
        expect(pattern.test(text), `${what} matches ${pattern}: ${text.slice(0, 400)}`).to.equal(false);
      }
      for (const secret of [OLD_PASSWORD, NEW_PASSWORD, PASSWORD]) expect(text, what).to.not.contain(secret);
    }
  });
});
