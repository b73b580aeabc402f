// Snapshots of cameras that have no snapshot URI, or whose snapshot endpoint is broken:
// one frame grabbed from the RTSP stream with real ffmpeg, against simulated cameras.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { TOWN, tinyTownAreas } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { buildFrameGrabArgs } from '../../video/relay/frame-grab-args.js';
import { FrameGrabError, grabFrame } from '../../video/relay/frame-grab.js';
import { AlertWatcher } from '../../video/alert-watcher.js';
import { CameraPictures, MAX_GRABS_AT_ONCE } from '../../video/camera-pictures.js';
import { captureLogs } from '../../platform/logger.js';
import { ServiceUnavailable } from '../../platform/errors.js';

const PASSWORD = 'grab-pass-7731';

/** Width and height from a JPEG's start-of-frame marker. */
function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1]!;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return undefined;
}

describe('frame grab: the ffmpeg command line', () => {
  it('reads RTSP over TCP with a socket timeout, waits for a keyframe, writes one JPEG to stdout', () => {
    const args = buildFrameGrabArgs({ url: 'rtsp://admin:pw@10.0.0.9:554/main', timeoutMs: 3000 });
    expect(args.slice(args.indexOf('-rtsp_transport'), args.indexOf('-rtsp_transport') + 4)).to.deep.equal([
      '-rtsp_transport',
      'tcp',
      '-timeout',
      '3000000',
    ]);
    // Input options come before -i; the keyframe filter is an input (decoder) option.
    expect(args.indexOf('-skip_frame')).to.be.lessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-skip_frame') + 1]).to.equal('nokey');
    expect(args[args.indexOf('-i') + 1]).to.equal('rtsp://admin:pw@10.0.0.9:554/main');
    expect(args.slice(args.indexOf('-frames:v'), args.indexOf('-frames:v') + 2)).to.deep.equal(['-frames:v', '1']);
    expect(args.slice(-3)).to.deep.equal(['-f', 'image2pipe', 'pipe:1']);
    expect(args).to.include.members(['-an', '-nostdin', 'mjpeg']);
  });

  it('keeps the JPEG quality within what the encoder accepts', () => {
    const q = (quality: number) => {
      const args = buildFrameGrabArgs({ url: 'rtsp://h/x', timeoutMs: 1000, quality });
      return args[args.indexOf('-q:v') + 1];
    };
    expect(q(0)).to.equal('2');
    expect(q(99)).to.equal('31');
    expect(q(5)).to.equal('5');
  });
});

describe('frame grab: snapshots from the stream when the camera has no snapshot URI', function () {
  this.timeout(60_000);
  let t: TestApi;
  let noSnapshot: SimulatedCamera;
  let brokenSnapshot: SimulatedCamera;
  let noSnapshotId: number;
  let brokenSnapshotId: number;

  before(async () => {
    [noSnapshot, brokenSnapshot] = await Promise.all([
      SimulatedCamera.start({
        name: '无抓图',
        ptz: false,
        snapshot: false,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: false,
      }),
      SimulatedCamera.start({
        name: '抓图坏了',
        ptz: false,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: false,
      }),
    ]);
    t = await startTestApi('frame-grab', { CAMERA_TIMEOUT_MS: '2000' });
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const register = async (cam: SimulatedCamera) => {
      const res = await t.admin.post('/api/cameras', {
        name: cam.name,
        host: '127.0.0.1',
        port: Number(new URL(cam.xaddr).port),
        username: 'admin',
        password: PASSWORD,
        townCode: TOWN,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as number;
    };
    [noSnapshotId, brokenSnapshotId] = await Promise.all([register(noSnapshot), register(brokenSnapshot)]);
  });
  after(async () => {
    await t.close();
    await Promise.all([noSnapshot.stop(), brokenSnapshot.stop()]);
  });

  it('the simulator without a snapshot endpoint behaves like such a device', async () => {
    const snap = await fetch(noSnapshot.snapshotUrl());
    expect(snap.status).to.equal(404);
    const camera = (await t.admin.get(`/api/cameras/${noSnapshotId}`)).body;
    expect(JSON.stringify(camera)).to.not.contain('/onvif/snapshot');
  });

  it('answers a JPEG grabbed from the main stream, in bounded time', async () => {
    const started = Date.now();
    const res = await t.admin.get(`/api/cameras/${noSnapshotId}/snapshot.jpg`);
    expect(res.status, res.raw.toString()).to.equal(200);
    expect(Date.now() - started).to.be.lessThan(8000);
    expect(res.headers.get('content-type')).to.equal('image/jpeg');
    expect(res.headers.get('x-snapshot-source')).to.equal('stream');
    expect(res.raw.subarray(0, 3).toString('hex')).to.equal('ffd8ff');
    expect(jpegSize(res.raw)).to.deep.equal({
      width: noSnapshot.streams.main.width,
      height: noSnapshot.streams.main.height,
    });
  });

  it('falls back to the stream when the snapshot URI fails, and uses the URI again once it works', async () => {
    const direct = await t.admin.get(`/api/cameras/${brokenSnapshotId}/snapshot.jpg`);
    expect(direct.status).to.equal(200);
    expect(direct.headers.get('x-snapshot-source')).to.equal('snapshot_uri');
    await brokenSnapshot.setFaults({ snapshotFails: true });
    try {
      const grabbed = await t.admin.get(`/api/cameras/${brokenSnapshotId}/snapshot.jpg`);
      expect(grabbed.status, grabbed.raw.toString()).to.equal(200);
      expect(grabbed.headers.get('x-snapshot-source')).to.equal('stream');
      expect(grabbed.raw.subarray(0, 2).toString('hex')).to.equal('ffd8');
    } finally {
      await brokenSnapshot.setFaults({ snapshotFails: false });
    }
  });

  it("an alarm of a camera without a snapshot URI gets a frame from the stream as the alert's picture", async () => {
    const s = t.api.services;
    const watcher = new AlertWatcher(s.db, s.box, s.alerts, 3000);
    try {
      await watcher.sync();
      for (let i = 0; i < 50 && watcher.status(noSnapshotId)?.state !== 'subscribed'; i++)
        await new Promise((r) => setTimeout(r, 100));
      noSnapshot.emitEvent({ topic: 'tamper', state: true });
      let alert: { snapshot: string | null } | undefined;
      for (let i = 0; i < 80 && !alert?.snapshot; i++) {
        await new Promise((r) => setTimeout(r, 100));
        alert = (await t.admin.get(`/api/alerts?camera=${noSnapshotId}`)).body[0];
      }
      expect(alert?.snapshot).to.match(/^[0-9a-f]{64}\.jpg$/);
      const jpeg = await t.admin.get(`/api/media/${alert!.snapshot}`);
      expect(jpegSize(jpeg.raw)).to.deep.equal({
        width: noSnapshot.streams.main.width,
        height: noSnapshot.streams.main.height,
      });
    } finally {
      await watcher.stop();
      await s.alertsQueue.obliterate({ force: true });
    }
  });

  it('viewers asking at the same moment share one grab', async () => {
    const logs = captureLogs('debug');
    try {
      const answers = await Promise.all([1, 2, 3].map(() => t.admin.get(`/api/cameras/${noSnapshotId}/snapshot.jpg`)));
      expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
      expect(logs.lines.filter((l) => l.includes('"msg":"frame grabbed"'))).to.have.length(1);
    } finally {
      logs.stop();
    }
  });

  it(`runs at most ${MAX_GRABS_AT_ONCE} grabs at once; the next one is told to come back`, async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as import('node:net').AddressInfo).port;
      const box = t.api.services.box;
      const pictures = new CameraPictures(box, 1000, 1500);
      const camera = (id: number) => ({
        id,
        username: 'admin',
        passwordEnc: box.seal(PASSWORD),
        snapshotUri: null,
        mainStreamUri: `rtsp://127.0.0.1:${port}/main`,
        subStreamUri: null,
      });
      const slow = Array.from({ length: MAX_GRABS_AT_ONCE }, (_, i) =>
        pictures.take(camera(1000 + i)).catch((e: unknown) => e),
      );
      const refused = await pictures.take(camera(2000)).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(ServiceUnavailable);
      // Each ends within its deadline (ffmpeg's socket timeout or the kill, whichever is first).
      for (const e of await Promise.all(slow))
        expect((e as Error).message).to.match(
          /frame from the stream: (no frame from the camera|the camera did not answer)/,
        );
    } finally {
      silent.close();
    }
  });

  it('an unreachable camera is a clear 502 within the deadline, without the password', async () => {
    await noSnapshot.setFaults({ offline: true });
    try {
      const started = Date.now();
      const res = await t.admin.get(`/api/cameras/${noSnapshotId}/snapshot.jpg`);
      expect(Date.now() - started).to.be.lessThan(12_000);
      expect(res.status).to.equal(502);
      expect(res.body.error.code).to.equal('snapshot_failed');
      expect(res.body.error.message).to.match(/frame from the stream: the camera did not answer/);
      expect(JSON.stringify(res.body)).to.not.contain(PASSWORD);
    } finally {
      await noSnapshot.setFaults({ offline: false });
    }
  });

  it('a wrong password is explained, and the grab never runs past its deadline', async () => {
    const wrong = noSnapshot.rtspUrl('main').replace('rtsp://', `rtsp://admin:not-${PASSWORD}@`);
    const err = await grabFrame(wrong, { deadlineMs: 8000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FrameGrabError);
    expect((err as Error).message).to.match(/401 Unauthorized/);
    expect((err as Error).message).to.not.contain(`not-${PASSWORD}`);
    // A server that accepts the connection and then says nothing: the deadline ends it.
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const port = (silent.address() as import('node:net').AddressInfo).port;
      const e2 = await grabFrame(`rtsp://admin:${PASSWORD}@127.0.0.1:${port}/main`, {
        deadlineMs: 1500,
        ioTimeoutMs: 10_000,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).to.be.lessThan(4000);
      expect((e2 as Error).message).to.match(/no frame from the camera within 1.5 s/);
      expect((e2 as Error).message).to.not.contain(PASSWORD);
    } finally {
      silent.close();
    }
  });
});
