// Real camera models, as recorded (fixtures/onvif-recordings/), registered
// through the API the way an installer does it; and every way a camera can
// refuse, each with its own clear 4xx in time.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpAnswer, HttpClient } from '../helpers/http.js';
import { TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { RecordedCamera, type RecordedCameraOptions } from '../../scripts/simulators/camera/recorded-camera.js';

const PASSWORD = 'Rec0rded-cam-77';
const HOURS = 3_600_000;
const recording = (model: string): string =>
  fileURLToPath(new URL(`../../fixtures/onvif-recordings/${model}`, import.meta.url));

interface Profile {
  token: string;
  encoding: string;
  width: number;
  height: number;
  stream: 'main' | 'sub' | null;
}

describe('recorded real camera models: registration through the API', function () {
  this.timeout(90_000);
  let t: TestApi;
  let installer: HttpClient;
  let operator: HttpClient;
  const cameras: RecordedCamera[] = [];
  const servers: Array<http.Server | net.Server> = [];

  async function camera(model: string, options: Partial<RecordedCameraOptions> = {}): Promise<RecordedCamera> {
    const cam = await RecordedCamera.start({
      folder: recording(model),
      username: 'admin',
      password: PASSWORD,
      ...options,
    });
    cameras.push(cam);
    return cam;
  }

  async function register(name: string, port: number, password = PASSWORD): Promise<{ res: HttpAnswer; ms: number }> {
    const started = Date.now();
    const res = await installer.post('/api/cameras', {
      name,
      host: '127.0.0.1',
      port,
      username: 'admin',
      password,
      townCode: TOWN,
    });
    return { res, ms: Date.now() - started };
  }

  /** What an installer must be able to read: Chinese first, no exception text, no password. */
  function expectInstallerSentence(res: HttpAnswer, code: string): void {
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.code).to.equal(code);
    const message: string = res.body.error.message;
    expect(message).to.match(/^[\u4e00-\u9fff]/);
    expect(message).to.contain(' — ');
    expect(message).to.not.match(/TypeError|Cannot read|undefined|ECONN|at .*\.ts/);
    expect(res.raw.toString()).to.not.contain(PASSWORD);
  }

  async function listen<T extends http.Server | net.Server>(server: T): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  before(async () => {
    t = await startTestApi('recorded-cameras', { CAMERA_TIMEOUT_MS: '5000' });
    const townId = await publishTinyTown(t);
    installer = await t.login(['installer'], [townId]);
    operator = await t.login(['operator'], [townId]);
  });
  after(async () => {
    await t.close();
    await Promise.all(cameras.map((c) => c.stop()));
    for (const s of servers) {
      if (s instanceof http.Server) s.closeAllConnections();
      s.close();
    }
  });

  /** Watches a stream; answers what the server said it serves and the codec really in the first segment. */
  async function expectPlayable(
    id: number,
    stream: 'main' | 'sub',
    decodes?: string[],
  ): Promise<{
    answer: { codec: string; stream: string; transcoded: boolean; playlist: string };
    segmentCodec: string;
  }> {
    const live = await operator.post(`/api/cameras/${id}/live`, { stream, ...(decodes ? { decodes } : {}) });
    expect(live.status, JSON.stringify(live.body)).to.equal(200);
    const playlist = await operator.get(live.body.playlist);
    expect(playlist.status).to.equal(200);
    const segment = (playlist.body as string).split('\n').find((l) => l && !l.startsWith('#'))!;
    const ts = await operator.get(live.body.playlist.replace('index.m3u8', segment));
    expect(ts.status).to.equal(200);
    expect(ts.raw[0]).to.equal(0x47); // MPEG-TS sync byte
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'recorded-')), segment);
    writeFileSync(file, ts.raw);
    const segmentCodec = execFileSync('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      file,
    ])
      .toString()
      .trim()
      .split(/\s+/)[0]!;
    rmSync(path.dirname(file), { recursive: true, force: true });
    return { answer: live.body, segmentCodec };
  }

  it('ENP1A14-IR/25X (Media2, H.265, 300 presets; its clock 3 h ahead) registers in under 5 s', async () => {
    const cam = await camera('ENP1A14-IR_25X', { clockOffsetMs: 3 * HOURS });
    const { res, ms } = await register('ENP 球机', cam.onvifPort);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(ms).to.be.lessThan(5000);
    expect(res.body).to.include({ manufacturer: 'ONVIF', model: 'ENP1A14-IR/25X', status: 'online' });
    // It lists recording search and replay services: registration notes Profile G.
    expect(res.body.profileG).to.equal(true);
    const profiles: Profile[] = res.body.profiles;
    expect(profiles.map((p) => [p.encoding, p.width, p.height, p.stream])).to.deep.equal([
      ['H265', 2560, 1440, 'main'],
      ['H265', 704, 480, 'sub'],
    ]);
    expect(res.body.ptz.zoomRange).to.deep.equal({ min: 0, max: 1 });
    // The server learnt the camera's clock and used it: 3 h ahead, to the second.
    expect(Math.abs(res.body.clockOffsetMs - 3 * HOURS)).to.be.lessThan(2000);
    const presets = await operator.get(`/api/cameras/${res.body.id}/ptz/presets`);
    expect(presets.status, JSON.stringify(presets.body)).to.equal(200);
    expect(presets.body).to.have.length(300);
    expect(presets.body[0]).to.include({ token: '1', name: 'MIMBER' });
    // A player that decodes H.265 gets the main stream copied, and is told its codec.
    const copied = await expectPlayable(res.body.id, 'main', ['h264', 'h265']);
    expect(copied.answer).to.include({ stream: 'main', codec: 'h265', transcoded: false });
    expect(copied.segmentCodec).to.equal('hevc');
    // A browser without H.265: this camera has no H.264 stream, so an on-demand transcode.
    const transcoded = await expectPlayable(res.body.id, 'sub');
    expect(transcoded.answer).to.include({ stream: 'sub', codec: 'h264', transcoded: true });
    expect(transcoded.answer.playlist).to.match(/\/live\/sub-h264\/index\.m3u8$/);
    expect(transcoded.segmentCodec).to.equal('h264');
  });

  it('SUNBA (stream URI only through Media2, 255 presets) registers in under 5 s with a playable stream', async () => {
    const cam = await camera('SUNBA');
    const { res, ms } = await register('SUNBA 球机', cam.onvifPort);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(ms).to.be.lessThan(5000);
    expect(res.body).to.include({ manufacturer: 'SUNBA', model: 'Performance-Series', profileG: true });
    expect(res.body.profiles.map((p: Profile) => [p.encoding, p.width, p.height, p.stream])).to.deep.equal([
      ['H264', 2592, 1944, 'main'],
      ['H264', 720, 576, null],
      ['H264', 352, 288, 'sub'],
    ]);
    expect(res.body.streams).to.deep.equal({ main: true, sub: true });
    const presets = await operator.get(`/api/cameras/${res.body.id}/ptz/presets`);
    expect(presets.body).to.have.length(255);
    const played = await expectPlayable(res.body.id, 'main');
    expect(played.answer).to.include({ stream: 'main', codec: 'h264', transcoded: false });
    expect(played.segmentCodec).to.equal('h264');

    // The installer prefers the 720×576 profile for small tiles: asked from the device, then stored.
    const chosen = await installer.put(`/api/cameras/${res.body.id}/streams`, {
      main: 'media_profile1',
      sub: 'media_profile2',
    });
    expect(chosen.status, JSON.stringify(chosen.body)).to.equal(200);
    expect(chosen.body.profiles.map((p: Profile) => [p.token, p.stream])).to.deep.equal([
      ['media_profile1', 'main'],
      ['media_profile2', 'sub'],
      ['media_profile3', null],
    ]);
    expect((await installer.get(`/api/cameras/${res.body.id}`)).body.profiles[1].stream).to.equal('sub');
    const unknown = await installer.put(`/api/cameras/${res.body.id}/streams`, { main: 'media_profile9', sub: null });
    expect(unknown.status).to.equal(422);
    expect(unknown.body.error).to.deep.include({ code: 'unknown_profile' });
    expect(
      (await operator.put(`/api/cameras/${res.body.id}/streams`, { main: 'media_profile1', sub: null })).status,
    ).to.equal(403);
  });

  it('SUNBA.405 (Xiongmai: several envelopes per answer, a broken SOAP header; clock 3 h behind) registers from its Media2 profiles', async () => {
    const cam = await camera('SUNBA.405', { clockOffsetMs: -3 * HOURS });
    const { res, ms } = await register('雄迈 球机', cam.onvifPort);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(ms).to.be.lessThan(5000);
    // Its GetServices names no search or replay service (only in namespace declarations).
    expect(res.body).to.include({ manufacturer: 'H264', model: 'XM530_50X50-WG_8M', profileG: false });
    expect(res.body.profiles.map((p: Profile) => [p.token, p.encoding, p.width, p.height, p.stream])).to.deep.equal([
      ['000', 'H264', 2592, 1944, 'main'],
      ['001', 'H264', 704, 480, 'sub'],
    ]);
    const presets = await operator.get(`/api/cameras/${res.body.id}/ptz/presets`);
    expect(presets.body).to.have.length(127);
    expect((await expectPlayable(res.body.id, 'main')).segmentCodec).to.equal('h264');
  });

  it('DCS-6511 (no stream URI at all) is refused with no_rtsp, saying what the installer can do', async () => {
    const cam = await camera('DCS-6511', { rtsp: false });
    const { res, ms } = await register('D-Link', cam.onvifPort);
    expect(ms).to.be.lessThan(5000);
    expectInstallerSentence(res, 'camera_no_rtsp');
    expect(res.body.error.message).to.contain('开启 RTSP');
    expect(res.body.error.details).to.include({ kind: 'no_rtsp', step: 'streams' });
  });

  it('a camera answering every call 400 ms late still registers within 5 s (independent steps asked together)', async () => {
    const cam = await camera('ENP1A14-IR_25X', { rtsp: false, delayMs: 400 });
    const { res, ms } = await register('慢速 球机', cam.onvifPort);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(ms).to.be.lessThan(5000);
    expect(cam.answered.length).to.be.greaterThan(ms / 400); // more calls than a one-at-a-time sequence could fit
  });

  it('an HTTP-Digest-only camera registers', async () => {
    const cam = await camera('SUNBA', { authentication: 'http-digest-only', rtsp: false });
    const { res, ms } = await register('Digest 球机', cam.onvifPort);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(ms).to.be.lessThan(5000);
    expect(res.body.model).to.equal('Performance-Series');
  });

  it('a wrong password is auth_failed at once, not a timeout (WS-Security and Digest-only cameras)', async () => {
    const wsse = await camera('ENP1A14-IR_25X', { rtsp: false, clockOffsetMs: -3 * HOURS });
    const wrong = await register('x', wsse.onvifPort, 'not-the-password');
    expect(wrong.ms).to.be.lessThan(5000);
    expectInstallerSentence(wrong.res, 'camera_auth_failed');
    expect(wrong.res.body.error.message).to.contain('密码');
    expect(wrong.res.body.error.details.step).to.equal('services');
    const digest = await camera('SUNBA', { rtsp: false, authentication: 'http-digest-only' });
    const refused = await register('y', digest.onvifPort, 'not-the-password');
    expectInstallerSentence(refused.res, 'camera_auth_failed');
  });

  it('a closed port is unreachable, an HTTP server that is not ONVIF is not_onvif, each at once', async () => {
    const closedPort = await listen(net.createServer());
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const closed = await register('x', closedPort);
    expect(closed.ms).to.be.lessThan(5000);
    expectInstallerSentence(closed.res, 'camera_unreachable');
    expect(closed.res.body.error.message).to.contain(`127.0.0.1:${closedPort}`);

    const web = await listen(
      http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>NVR login</body></html>'),
      ),
    );
    const page = await register('x', web);
    expect(page.ms).to.be.lessThan(5000);
    expectInstallerSentence(page.res, 'camera_not_onvif');
    expect(page.res.body.error.message).to.contain('ONVIF');
  });

  it('a camera that accepts the connection and never answers is a timeout within 15 s', async () => {
    const silent = await listen(net.createServer(() => undefined));
    const { res, ms } = await register('x', silent);
    expect(ms).to.be.within(4500, 15_000);
    expectInstallerSentence(res, 'camera_timeout');
    expect(res.body.error.details.step).to.equal('clock');
    expect(res.body.error.message).to.contain('5 秒');
  });
});
