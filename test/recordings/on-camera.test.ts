// Recordings kept on the camera (ONVIF Profile G) through the api: registration notes
// that a camera offers them, the timeline lists them marked 'on camera' beside the
// server's own, and they play through the live relay (RTSP → HLS) from the asked
// instant, whatever the camera's clock says. Against the simulated camera (its SD card:
// 30 min from two hours ago, and the last hour on), real ffmpeg and the api.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { publishTinyTown, TOWN } from '../helpers/tiny-town.js';
import { firstFrameTimecode, timecodeDiffMs } from '../helpers/timecode.js';

const HOUR = 3_600_000;
const CLOCK_AHEAD_MS = 7 * 60_000;

interface OnCameraSpan {
  recording: string;
  from: string;
  to: string;
  source: string;
}

describe('recordings on the camera (ONVIF Profile G): timeline and replay through the relay', function () {
  this.timeout(60_000);
  let t: TestApi;
  let sd: SimulatedCamera;
  let plain: SimulatedCamera;
  let operator: HttpClient;
  let started: number;
  let sdId: number;
  let plainId: number;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'wangge-oncam-'));
    t = await startTestApi('on-camera');
    const townId = await publishTinyTown(t);
    started = Date.now();
    // Its clock 7 minutes fast: the server must move every time across it.
    sd = await SimulatedCamera.start({ name: '存储卡', sdCard: true, clockOffsetMs: CLOCK_AHEAD_MS, discovery: false });
    plain = await SimulatedCamera.start({ name: '无存储卡', rtsp: false, discovery: false });
    const installer = await t.login(['installer'], [townId]);
    const register = async (cam: SimulatedCamera, name: string) => {
      const res = await installer.post('/api/cameras', {
        name,
        host: '127.0.0.1',
        port: cam.onvifPort,
        username: cam.username,
        password: cam.password,
        townCode: TOWN,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body as { id: number; profileG: boolean | null };
    };
    const a = await register(sd, '存储卡机位');
    const b = await register(plain, '无卡机位');
    // Registration notes whether the camera offers Profile G.
    expect(a.profileG).to.equal(true);
    expect(b.profileG).to.equal(false);
    sdId = a.id;
    plainId = b.id;
    operator = await t.login(['operator'], [townId]);
  });

  after(async () => {
    await t?.close();
    await sd?.stop();
    await plain?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("lists the camera's own recordings in the timeline, marked on camera, on the server's clock", async () => {
    const from = new Date(started - 3 * HOUR).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const tl = await operator.get(`/api/cameras/${sdId}/recordings/timeline?from=${from}&to=${to}`);
    expect(tl.status, JSON.stringify(tl.body)).to.equal(200);
    expect(tl.body.spans).to.deep.equal([]); // the server recorded nothing of it
    expect(tl.body.onCamera.offered).to.equal(true);
    expect(tl.body.onCamera.error).to.equal(undefined);
    const spans = (tl.body.onCamera.spans as OnCameraSpan[]).map((s) => ({
      recording: s.recording,
      source: s.source,
      from: Date.parse(s.from) - started,
      to: Date.parse(s.to) - started,
    }));
    expect(spans).to.have.length(2);
    expect(spans.every((s) => s.source === 'on_camera' && s.recording === 'RecordingToken_1')).to.equal(true);
    // The card's spans, moved back by the camera's 7 minutes (to the second it reports).
    expect(spans[0]!.from).to.be.closeTo(-2 * HOUR, 3000);
    expect(spans[0]!.to).to.be.closeTo(-1.5 * HOUR, 3000);
    expect(spans[1]!.from).to.be.closeTo(-HOUR, 3000);
    expect(Date.now() - started - spans[1]!.to).to.be.within(-3000, 5000);

    const none = await operator.get(`/api/cameras/${plainId}/recordings/timeline?from=${from}&to=${to}`);
    expect(none.body.onCamera).to.deep.equal({ offered: false, spans: [] });
    const bad = await operator.get(`/api/cameras/${sdId}/on-camera/recordings?from=${to}&to=${from}`);
    expect(bad.status).to.equal(400);
  });

  it('plays the camera’s recording from an instant through the relay: the picture is from that instant', async () => {
    const at = new Date(started - 100 * 60_000);
    const began = Date.now();
    const replay = await operator.post(`/api/cameras/${sdId}/on-camera/replay`, { at: at.toISOString() });
    expect(replay.status, JSON.stringify(replay.body)).to.equal(200);
    const ms = Date.now() - began;
    expect(replay.body.recording).to.equal('RecordingToken_1');
    expect(replay.body.playlist).to.match(
      new RegExp(`^/api/cameras/${sdId}/on-camera/replay-\\d+-[0-9a-f]{8}/index\\.m3u8$`),
    );
    const playlist = await operator.get(replay.body.playlist);
    expect(playlist.status).to.equal(200);
    const segment = (playlist.body as string).split('\n').find((l) => l && !l.startsWith('#'))!;
    const ts = await operator.get(replay.body.playlist.replace('index.m3u8', segment));
    expect(ts.status).to.equal(200);
    expect(ts.raw[0]).to.equal(0x47);
    const file = path.join(scratch, 'first.ts');
    await writeFile(file, ts.raw);
    // The camera burns its own clock into the recording: the asked instant plus its 7 minutes.
    const stamp = await firstFrameTimecode(file);
    expect(stamp, 'a readable timecode in the replay').to.not.equal(null);
    const expected = Math.floor((at.getTime() + CLOCK_AHEAD_MS) / 1000) * 1000;
    expect(Math.abs(timecodeDiffMs(stamp!, expected)), 'replayed from the asked instant').to.be.lessThan(3000);
    console.log(`      replay from the camera: first segment ready in ${ms} ms`);
  });

  it('answers clearly: no footage on the card then, no Profile G, the wrong people', async () => {
    const gap = new Date(started - 75 * 60_000).toISOString(); // between the card's two spans
    const none = await operator.post(`/api/cameras/${sdId}/on-camera/replay`, { at: gap });
    expect(none.status).to.equal(404);
    expect(none.body.error.code).to.equal('no_footage');
    expect(none.body.error.message).to.include('没有录像');
    const plainReplay = await operator.post(`/api/cameras/${plainId}/on-camera/replay`, { at: gap });
    expect(plainReplay.status).to.equal(422);
    expect(plainReplay.body.error.code).to.equal('camera_no_profile_g');
    const stranger = await t.login(['operator'], [], false);
    expect((await stranger.post(`/api/cameras/${sdId}/on-camera/replay`, { at: gap })).status).to.equal(404);
    const gridworker = await t.login(['gridworker'], []);
    expect((await gridworker.get(`/api/cameras/${sdId}/on-camera/replay-1-00000000/index.m3u8`)).status).to.equal(403);
    const ended = await operator.get(`/api/cameras/${sdId}/on-camera/replay-1-00000000/index.m3u8`);
    expect(ended.status).to.equal(404);
    // A camera that stops answering: the timeline still comes, saying why the card is missing.
    await sd.setFaults({ offline: true });
    const from = new Date(started - 3 * HOUR).toISOString();
    const tl = await operator.get(
      `/api/cameras/${sdId}/recordings/timeline?from=${from}&to=${new Date().toISOString()}`,
    );
    expect(tl.status).to.equal(200);
    expect(tl.body.onCamera.spans).to.deep.equal([]);
    expect(tl.body.onCamera.error)
      .to.be.a('string')
      .and.not.match(/sim12345/);
    await sd.setFaults({ offline: false });
  });
});
