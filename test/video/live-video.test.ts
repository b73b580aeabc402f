import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { TOWN, tinyTownAreas } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import type { LiveEvent } from '../../platform/live/live-bus.js';

const PASSWORD = 'video-pass-5521';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live video through the API: relays on demand, only for authorised viewers', function () {
  this.timeout(60_000);
  let t: TestApi;
  let cam: SimulatedCamera;
  let cameraId: number;

  before(async () => {
    cam = await SimulatedCamera.start({
      name: '菜场',
      ptz: false,
      username: 'admin',
      password: PASSWORD,
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
    t = await startTestApi('live-video', { RELAY_IDLE_S: '3' });
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const res = await t.admin.post('/api/cameras', {
      name: '菜场',
      host: '127.0.0.1',
      port: Number(new URL(cam.xaddr).port),
      username: 'admin',
      password: PASSWORD,
      townCode: TOWN,
    });
    expect(res.status).to.equal(201);
    cameraId = res.body.id;
  });
  after(async () => {
    await t.close();
    await cam.stop();
  });

  it('answers "watch" when the first segment is playable, in under 2.5 s', async () => {
    const events: LiveEvent[] = [];
    const unsubscribe = t.api.services.live.add({
      topics: new Set(['cameras']),
      townIds: null,
      personId: null,
      send: (e) => void events.push(e),
    });
    const started = Date.now();
    const res = await t.admin.post(`/api/cameras/${cameraId}/live`, { stream: 'sub' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(Date.now() - started).to.be.lessThan(2500);
    expect(res.body.playlist).to.equal(`/api/cameras/${cameraId}/live/sub/index.m3u8`);
    expect(res.body.firstSegmentMs).to.be.lessThan(2500);
    expect(JSON.stringify(res.body)).to.not.contain(PASSWORD);
    // The relay's state is pushed to the browsers of the camera's town.
    const relayStates = () =>
      events.map(
        (e) => e.data as { cameraId: number; relay?: { stream: string; state: string; lastError: string | null } },
      );
    for (let i = 0; i < 20 && !relayStates().some((d) => d.relay?.state === 'live'); i++) await sleep(100);
    unsubscribe();
    const live = relayStates().find((d) => d.relay?.state === 'live');
    expect(live).to.deep.nested.include({ cameraId, 'relay.stream': 'sub', 'relay.lastError': null });
  });

  it('serves the playlist and MPEG-TS segments to a logged-in viewer, never to anyone else', async () => {
    const playlist = await t.admin.get(`/api/cameras/${cameraId}/live/sub/index.m3u8`);
    expect(playlist.status).to.equal(200);
    expect(playlist.headers.get('content-type')).to.contain('mpegurl');
    const text = playlist.body as string;
    expect(text).to.match(/^#EXTM3U/);
    expect(text).to.not.contain('rtsp://');
    const segment = text.split('\n').find((l) => l && !l.startsWith('#'))!;
    const ts = await t.admin.get(`/api/cameras/${cameraId}/live/sub/${segment}`);
    expect(ts.status).to.equal(200);
    expect(ts.raw[0]).to.equal(0x47); // MPEG-TS sync byte
    expect((await t.anonymous.get(`/api/cameras/${cameraId}/live/sub/index.m3u8`)).status).to.equal(401);
    const stranger = await t.login(['operator'], []);
    expect((await stranger.get(`/api/cameras/${cameraId}/live/sub/index.m3u8`)).status).to.equal(404);
    expect((await t.admin.get(`/api/cameras/${cameraId}/live/sub/..%2F..%2Fetc%2Fpasswd`)).status).to.be.oneOf([
      400, 404,
    ]);
  });

  it('shares one relay between viewers', async () => {
    const operator = await t.login(['operator'], [(await t.admin.get(`/api/areas/${TOWN}`)).body.id]);
    const before = (await t.admin.get(`/api/cameras/${cameraId}/live`)).body.sub;
    await operator.post(`/api/cameras/${cameraId}/live`, { stream: 'sub' });
    const after = (await t.admin.get(`/api/cameras/${cameraId}/live`)).body.sub;
    expect(after.pid).to.be.a('number').and.equal(before.pid);
    expect(JSON.stringify(after)).to.not.contain(PASSWORD);
  });

  it('stops a relay nobody watches, and starts it again for the next request', async () => {
    await sleep(4500);
    expect((await t.admin.get(`/api/cameras/${cameraId}/live`)).body.sub).to.equal(null);
    const playlist = await t.admin.get(`/api/cameras/${cameraId}/live/sub/index.m3u8`);
    expect(playlist.status).to.equal(200);
    expect(playlist.body).to.match(/#EXTINF/);
  });
});

describe('pushed streams (RTMP) and snapshots through the API', function () {
  this.timeout(60_000);
  let t: TestApi;
  let cam: SimulatedCamera;
  let push: import('node:child_process').ChildProcess | null = null;
  const rtmpPort = 30_000 + Math.floor(Math.random() * 20_000);

  before(async () => {
    cam = await SimulatedCamera.start({
      name: '快照',
      ptz: false,
      rtsp: false,
      username: 'admin',
      password: PASSWORD,
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
    t = await startTestApi('live-push', {
      RTMP_PORT: String(rtmpPort),
      RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}`,
    });
    await t.admin.post('/api/areas/import', tinyTownAreas());
  });
  after(async () => {
    push?.kill('SIGKILL');
    await t.close();
    await cam.stop();
  });

  it('serves a JPEG snapshot of a camera without ever showing its password', async () => {
    const res = await t.admin.post('/api/cameras', {
      name: '快照',
      host: '127.0.0.1',
      port: Number(new URL(cam.xaddr).port),
      username: 'admin',
      password: PASSWORD,
      townCode: TOWN,
    });
    const jpeg = await t.admin.get(`/api/cameras/${res.body.id}/snapshot.jpg`);
    expect(jpeg.status).to.equal(200);
    expect(jpeg.headers.get('content-type')).to.equal('image/jpeg');
    expect(jpeg.raw.subarray(0, 2).toString('hex')).to.equal('ffd8');
  });

  it('accepts a push with a registered key, refuses an unknown key, and relays the push to HLS', async () => {
    const { spawn } = await import('node:child_process');
    const created = await t.admin.post('/api/live-sources', { name: '网格员现场直播', townCode: TOWN });
    expect(created.status).to.equal(201);
    expect(created.body.pushUrl).to.match(new RegExp(`^rtmp://127.0.0.1:${rtmpPort}/live/[\\w-]{20,}$`));
    const listed = (await t.admin.get('/api/live-sources')).body;
    expect(JSON.stringify(listed)).to.not.contain(created.body.pushUrl.split('/').pop());
    const ffmpegPush = (url: string) =>
      spawn(
        'ffmpeg',
        [
          '-loglevel',
          'error',
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc=size=320x180:rate=10',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-g',
          '10',
          '-f',
          'flv',
          url,
        ],
        { stdio: 'ignore' },
      );
    const refused = ffmpegPush(`rtmp://127.0.0.1:${rtmpPort}/live/not-a-key`);
    const refusedCode = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
    expect(refusedCode).to.not.equal(0);
    push = ffmpegPush(created.body.pushUrl);
    let live = false;
    for (let i = 0; i < 50 && !live; i++) {
      await sleep(200);
      live = (await t.admin.get('/api/live-sources')).body[0].live;
    }
    expect(live).to.equal(true);
    const watch = await t.admin.post(`/api/live-sources/${created.body.id}/live`);
    expect(watch.status, JSON.stringify(watch.body)).to.equal(200);
    const playlist = await t.admin.get(watch.body.playlist);
    expect(playlist.status).to.equal(200);
    expect(playlist.body).to.match(/#EXTINF/);
  });
});
