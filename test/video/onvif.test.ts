// The ONVIF driver against the simulated camera: real sockets, real SOAP, no mocks.
import { expect } from 'chai';
import net from 'node:net';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { probe } from '../../video/onvif/discovery.js';
import { OnvifError, isOnvifError, type OnvifErrorKind } from '../../video/onvif/errors.js';
import { subscribeEvents, type CameraEvent, type SubscriberStatus } from '../../video/onvif/event-subscriber.js';
import { connectCamera, type CameraSession, type ConnectOptions } from '../../video/onvif/onvif-driver.js';
import { freeUdpPort, sleep } from '../helpers/system.js';

const YEAR_MS = 365 * 86_400_000;

/** A TCP port nothing listens on (bound, then released). */
async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const options = (cam: SimulatedCamera, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
  host: cam.host,
  port: cam.onvifPort,
  username: cam.username,
  password: cam.password,
  timeoutMs: 3000,
  ...extra,
});

/** The error a promise rejects with, failing the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<OnvifError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, 'expected the call to fail').to.be.instanceOf(OnvifError);
  return outcome as OnvifError;
}

async function expectKind(promise: Promise<unknown>, kind: OnvifErrorKind): Promise<OnvifError> {
  const err = await failure(promise);
  expect(err.kind, err.message).to.equal(kind);
  return err;
}

/** Resolves when `predicate` holds, polling; fails after `ms`. */
async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('ONVIF driver (against the simulated camera)', function () {
  this.timeout(20_000);

  let dome: SimulatedCamera; // PTZ dome, clock three years behind
  let bullet: SimulatedCamera; // fixed camera, clock right; used for the fault switches
  let discoveryPort: number;

  before(async () => {
    discoveryPort = await freeUdpPort();
    [dome, bullet] = await Promise.all([
      SimulatedCamera.start({
        name: '东门广场 球机',
        ptz: true,
        rtsp: false,
        clockOffsetMs: -3 * YEAR_MS,
        location: '城关镇/东门',
        password: 'Dome#2024',
        // Fast motors (1 unit/s) keep the PTZ tests short.
        ptzOptions: { maxSpeed: { pan: 1, tilt: 1, zoom: 1 } },
        discovery: { port: discoveryPort },
      }),
      SimulatedCamera.start({
        name: 'bullet-1',
        ptz: false,
        rtsp: false,
        manufacturer: 'HIKVISION',
        model: 'DS-2CD2T47G2-L',
        discovery: { port: discoveryPort },
      }),
    ]);
  });

  after(async () => {
    await Promise.all([dome?.stop(), bullet?.stop()]);
  });

  describe('connect and describe', () => {
    it('reads identity, profiles, stream and snapshot URIs and PTZ ranges of a camera whose clock is 3 years behind', async () => {
      const session = await connectCamera(options(dome));
      try {
        const d = await session.describe();
        expect(d).to.include({
          manufacturer: dome.identity.manufacturer,
          model: dome.identity.model,
          firmware: dome.identity.firmwareVersion,
          serial: dome.identity.serialNumber,
          hardwareId: dome.identity.hardwareId,
        });
        expect(
          d.profiles.map(({ token, name, width, height, encoding, fps }) => ({
            token,
            name,
            width,
            height,
            encoding,
            fps,
          })),
        ).to.deep.equal([
          { token: 'Profile_1', name: 'mainStream', width: 640, height: 360, encoding: 'H264', fps: 15 },
          { token: 'Profile_2', name: 'subStream', width: 320, height: 180, encoding: 'H264', fps: 10 },
        ]);
        expect(d.streams).to.deep.equal({ main: dome.rtspUrl('main'), sub: dome.rtspUrl('sub') });
        expect(d.streams.main).to.match(/^rtsp:\/\/127\.0\.0\.1:\d+\/main$/);
        expect(`${d.streams.main} ${d.streams.sub} ${d.snapshotUri}`)
          .not.to.contain('@')
          .and.not.to.contain(dome.password);
        expect(d.snapshotUri).to.equal(dome.snapshotUrl('main'));
        expect(d.ptz).to.deep.equal({
          panRange: { min: -1, max: 1 },
          tiltRange: { min: -1, max: 1 },
          zoomRange: { min: 0, max: 1 },
          continuous: true,
          absolute: true,
          relative: true,
          home: true,
          presetsSupported: true,
          maxPresets: d.ptz?.maxPresets,
        });
        expect(d.ptz?.maxPresets).to.be.greaterThan(0);
        // Cameras report whole seconds: allow 2 s.
        expect(Math.abs(d.clockOffsetMs - -3 * YEAR_MS)).to.be.lessThan(2000);
        const clock = await session.systemClock();
        expect(new Date().getUTCFullYear() - clock.cameraTime.getUTCFullYear()).to.be.within(2, 4);
      } finally {
        await session.close();
      }
    });

    it('a fixed camera with the right clock: ptz null, clock offset near 0', async () => {
      const session = await connectCamera(options(bullet));
      try {
        const d = await session.describe();
        expect(d).to.include({ manufacturer: 'HIKVISION', model: 'DS-2CD2T47G2-L', ptz: null });
        expect(Math.abs(d.clockOffsetMs)).to.be.lessThan(2000);
        expect(d.streams.sub).to.equal(bullet.rtspUrl('sub'));
      } finally {
        await session.close();
      }
    });

    it('a wrong password is auth_failed, and the message does not carry the password', async () => {
      const err = await expectKind(connectCamera(options(dome, { password: 'wrong-Secret-77' })), 'auth_failed');
      expect(err.message).to.contain(`127.0.0.1:${dome.onvifPort}`).and.not.to.contain('wrong-Secret-77');
      expect(err.faultCodes).to.include('ter:NotAuthorized');
    });

    it('a closed port is unreachable, at once', async () => {
      const port = await closedTcpPort();
      const started = Date.now();
      const err = await expectKind(
        connectCamera({ host: '127.0.0.1', port, username: 'admin', password: 'x', timeoutMs: 3000 }),
        'unreachable',
      );
      expect(Date.now() - started).to.be.lessThan(1000);
      expect(err.message).to.match(/refused/);
    });
  });

  describe('faults', () => {
    afterEach(async () => {
      await bullet.setFaults({
        delayMs: 0,
        dropConnections: false,
        offline: false,
        notOnvif: false,
        profilesWithoutRtsp: [],
      });
    });

    it('answers slower than the deadline are a timeout, raised within the deadline', async () => {
      await bullet.setFaults({ delayMs: 2500 });
      const started = Date.now();
      await expectKind(connectCamera(options(bullet, { timeoutMs: 600 })), 'timeout');
      expect(Date.now() - started).to.be.within(550, 900);
    });

    it('each call of a session has its own deadline', async () => {
      const session = await connectCamera(options(bullet, { timeoutMs: 600 }));
      try {
        await bullet.setFaults({ delayMs: 2500 });
        const started = Date.now();
        const err = await expectKind(session.systemClock(), 'timeout');
        expect(Date.now() - started).to.be.within(550, 900);
        expect(err.operation).to.equal('GetSystemDateAndTime');
        await bullet.setFaults({ delayMs: 0 });
        expect((await session.systemClock()).cameraTime).to.be.instanceOf(Date);
      } finally {
        await session.close();
      }
    });

    it('a port answering with a web page is not_onvif', async () => {
      await bullet.setFaults({ notOnvif: true });
      const err = await expectKind(connectCamera(options(bullet)), 'not_onvif');
      expect(err.message).to.match(/web page/);
    });

    it('a main profile without RTSP is no_rtsp; a sub profile without RTSP is left out', async () => {
      const session = await connectCamera(options(bullet));
      try {
        await bullet.setFaults({ profilesWithoutRtsp: ['main'] });
        const err = await expectKind(session.describe(), 'no_rtsp');
        expect(err.message).to.contain('Profile_1');
        await expectKind(session.streamUri('Profile_1'), 'no_rtsp');
        await bullet.setFaults({ profilesWithoutRtsp: ['sub'] });
        const d = await session.describe();
        expect(d.streams).to.deep.equal({ main: bullet.rtspUrl('main'), sub: null });
      } finally {
        await session.close();
      }
    });

    it('a dropped connection is unreachable', async () => {
      const session = await connectCamera(options(bullet));
      try {
        await bullet.setFaults({ dropConnections: true });
        await expectKind(session.describe(), 'unreachable');
      } finally {
        await session.close();
      }
    });
  });

  describe('PTZ', () => {
    let session: CameraSession;
    const settled = async (): Promise<{ x: number; y: number; zoom: number }> => {
      for (let i = 0; i < 100; i++) {
        const s = await session.status();
        if (!s.moving) return { x: s.x, y: s.y, zoom: s.zoom };
        await sleep(40);
      }
      throw new Error('PTZ still moving after 4 s');
    };

    before(async () => {
      session = await connectCamera(options(dome));
    });
    after(async () => {
      await session?.close();
    });
    beforeEach(async () => {
      await session.absoluteMove({ x: 0, y: 0, zoom: 0 });
      await settled();
    });

    it('a fixed camera refuses every PTZ call as unsupported, without asking the camera', async () => {
      const fixed = await connectCamera(options(bullet));
      try {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['status', () => fixed.status()],
          ['continuousMove', () => fixed.continuousMove({ x: 0.5 })],
          ['stop', () => fixed.stop()],
          ['absoluteMove', () => fixed.absoluteMove({ x: 0, y: 0 })],
          ['relativeMove', () => fixed.relativeMove({ x: 0.1 })],
          ['presets', () => fixed.presets()],
          ['gotoPreset', () => fixed.gotoPreset('1')],
          ['setPreset', () => fixed.setPreset('a')],
          ['removePreset', () => fixed.removePreset('1')],
          ['gotoHome', () => fixed.gotoHome()],
          ['setHome', () => fixed.setHome()],
        ];
        for (const [name, call] of calls) {
          const err = await failure(call());
          expect(err.kind, name).to.equal('unsupported');
        }
      } finally {
        await fixed.close();
      }
    });

    it('continuousMove turns the head (MOVING) until stop (IDLE)', async () => {
      await session.continuousMove({ x: 0.5, y: -0.5 });
      await sleep(400);
      const moving = await session.status();
      expect(moving.moving).to.equal(true);
      expect(moving.x).to.be.within(0.1, 0.4);
      expect(moving.y).to.be.within(-0.4, -0.1);
      expect(dome.ptzState()?.moveStatus.panTilt).to.equal('MOVING');
      await session.stop();
      const stopped = await session.status();
      expect(stopped.moving).to.equal(false);
      expect(dome.ptzState()?.moveStatus).to.deep.equal({ panTilt: 'IDLE', zoom: 'IDLE' });
      expect(dome.ptzState()?.position.pan).to.be.closeTo(stopped.x, 1e-6);
      // The status time is the camera's: three years behind.
      expect(new Date().getUTCFullYear() - stopped.utc!.getUTCFullYear()).to.be.within(2, 4);
    });

    it('continuousMove with a timeout stops by itself', async () => {
      await session.continuousMove({ x: 0.5 }, 1000);
      await sleep(500);
      expect((await session.status()).moving).to.equal(true);
      await sleep(800);
      const after = await session.status();
      expect(after.moving).to.equal(false);
      expect(after.x).to.be.within(0.4, 0.6);
    });

    it('absoluteMove arrives; zoom alone keeps pan and tilt; relativeMove adds', async () => {
      await session.absoluteMove({ x: 0.3, y: -0.2, zoom: 0.4 });
      expect(await settled()).to.deep.equal({ x: 0.3, y: -0.2, zoom: 0.4 });
      const simulated = dome.ptzState()!.position;
      expect(simulated.pan).to.be.closeTo(0.3, 1e-6);
      expect(simulated.tilt).to.be.closeTo(-0.2, 1e-6);
      expect(simulated.zoom).to.be.closeTo(0.4, 1e-6);
      await session.absoluteMove({ zoom: 0.8 });
      expect(await settled()).to.deep.equal({ x: 0.3, y: -0.2, zoom: 0.8 });
      await session.relativeMove({ x: 0.1, y: 0.1 }, 1);
      const p = await settled();
      expect(p.x).to.be.closeTo(0.4, 1e-6);
      expect(p.y).to.be.closeTo(-0.1, 1e-6);
    });

    it('presets: set, list, goto, remove; home: set, goto', async () => {
      await session.absoluteMove({ x: -0.4, y: 0.3, zoom: 0.2 });
      await settled();
      const token = await session.setPreset('东门 入口 <1>');
      const listed = (await session.presets()).find((p) => p.token === token);
      expect(listed).to.deep.equal({ token, name: '东门 入口 <1>', position: { x: -0.4, y: 0.3, zoom: 0.2 } });

      await session.absoluteMove({ x: 0.5, y: 0, zoom: 0 });
      await settled();
      await session.gotoPreset(token);
      expect(await settled()).to.deep.equal({ x: -0.4, y: 0.3, zoom: 0.2 });

      await session.removePreset(token);
      expect((await session.presets()).map((p) => p.token)).not.to.include(token);
      const err = await expectKind(session.gotoPreset(token), 'camera_fault');
      expect(err.faultCodes).to.include('ter:NoToken');

      await session.setHome();
      await session.absoluteMove({ x: 0, y: 0, zoom: 0 });
      await settled();
      await session.gotoHome(1);
      expect(await settled()).to.deep.equal({ x: -0.4, y: 0.3, zoom: 0.2 });
    });
  });

  describe('WS-Discovery', () => {
    it('one probe over loopback finds both cameras with their XAddrs, names and locations', async () => {
      const found = await probe({ interfaceAddress: '127.0.0.1', port: discoveryPort, timeoutMs: 700 });
      const byEndpoint = new Map(found.map((d) => [d.endpoint, d]));
      expect(found.length).to.equal(byEndpoint.size); // de-duplicated although the probe is sent twice
      const d = byEndpoint.get(dome.endpoint);
      expect(d).to.deep.include({
        xaddrs: [dome.xaddr],
        name: '东门广场 球机',
        hardware: dome.identity.model,
        location: '城关镇/东门',
        from: '127.0.0.1',
      });
      expect(d?.scopes).to.include('onvif://www.onvif.org/type/ptz');
      expect(byEndpoint.get(bullet.endpoint)).to.deep.include({
        xaddrs: [bullet.xaddr],
        name: 'bullet-1',
        hardware: 'DS-2CD2T47G2-L',
      });
    });

    it('a scope filter narrows the answer; a unicast probe is answered', async () => {
      const [ptzOnly, unicast] = await Promise.all([
        probe({ port: discoveryPort, timeoutMs: 600, scopes: ['onvif://www.onvif.org/type/ptz'] }),
        probe({ port: discoveryPort, timeoutMs: 600, unicastTo: '127.0.0.1' }),
      ]);
      expect(ptzOnly.map((d) => d.endpoint))
        .to.include(dome.endpoint)
        .and.not.include(bullet.endpoint);
      expect(unicast.length).to.be.greaterThan(0);
    });
  });

  describe('event subscriber', () => {
    let cam: SimulatedCamera;
    before(async () => {
      cam = await SimulatedCamera.start({
        name: 'events-cam',
        rtsp: false,
        discovery: false,
        rebootMs: 400,
        clockOffsetMs: -2 * YEAR_MS,
      });
    });
    after(async () => {
      await cam?.stop();
    });

    it('receives events, survives a reboot, renews, and stops promptly', async () => {
      const events: CameraEvent[] = [];
      const states: SubscriberStatus[] = [];
      const sub = subscribeEvents(
        options(cam, { timeoutMs: 1500 }),
        { onEvent: (e) => events.push(e), onState: (s) => states.push(s) },
        // renewMarginMs above the subscription's two minutes: renew after every pull.
        { backoff: { initialMs: 150, maxMs: 600 }, renewMarginMs: 10 * 60_000 },
      );
      let stopped = false;
      try {
        await until(() => sub.status().state === 'subscribed', 5000, 'the first subscription');
        // A new subscription starts with the current states.
        await until(
          () => events.some((e) => e.kind === 'motion' && e.operation === 'Initialized'),
          3000,
          'initial states',
        );
        expect(events.find((e) => e.kind === 'motion')?.state).to.equal(false);

        const since = events.length;
        cam.emitEvent({ topic: 'motion', state: true });
        await until(() => events.length > since, 3000, 'the motion event');
        const motion = events[since]!;
        expect(motion).to.deep.include({
          kind: 'motion',
          topic: 'tns1:VideoSource/MotionAlarm',
          state: true,
          operation: 'Changed',
        });
        expect(motion.source).to.deep.equal({ Source: 'VideoSource_1' });
        // Corrected to our clock although the camera is two years behind.
        expect(Math.abs(motion.time.getTime() - Date.now())).to.be.lessThan(5000);
        expect(new Date().getUTCFullYear() - motion.cameraTime!.getUTCFullYear()).to.be.within(1, 3);

        cam.emitEvent({ topic: 'lineCrossing', rule: '东门进口' });
        cam.emitEvent({ topic: 'intrusion', state: true, rule: '河道' });
        cam.emitEvent({ topic: 'tamper', state: true });
        await until(
          () => ['line_crossing', 'intrusion', 'tamper'].every((k) => events.slice(since).some((e) => e.kind === k)),
          3000,
          'the analytics events',
        );
        const line = events.find((e) => e.kind === 'line_crossing')!;
        expect(line).to.deep.include({ state: null, operation: null });
        expect(line.source.Rule).to.equal('东门进口');
        expect(events.find((e) => e.kind === 'intrusion' && e.operation === 'Changed')?.state).to.equal(true);
        await until(() => sub.stats().renewals > 0, 3000, 'a renewal');

        // The camera power-cycles: the pending pull is cut, the subscription is gone.
        const subscriptions = sub.stats().subscriptions;
        await cam.reboot();
        await until(() => states.some((s) => s.state === 'reconnecting'), 3000, 'the reconnecting state');
        expect(states.find((s) => s.state === 'reconnecting')?.lastError).to.be.instanceOf(OnvifError);
        await until(
          () => sub.status().state === 'subscribed' && sub.stats().subscriptions > subscriptions,
          8000,
          'the new subscription',
        );

        const before = events.length;
        cam.emitEvent({ topic: 'motion', state: false });
        await until(
          () => events.slice(before).some((e) => e.kind === 'motion' && e.operation === 'Changed' && e.state === false),
          3000,
          'the event after the reboot',
        );
        expect(cam.state().subscriptions).to.equal(1);

        // stop() aborts the pending one-minute long poll and unsubscribes.
        await sleep(300); // the next long poll is pending by now
        const pulls = sub.stats().pulls;
        const started = Date.now();
        await sub.stop();
        stopped = true;
        expect(Date.now() - started).to.be.lessThan(1000);
        expect(sub.stats().pulls, 'the pending pull was aborted, not answered').to.equal(pulls);
        expect(sub.status().state).to.equal('stopped');
        expect(states.at(-1)?.state).to.equal('stopped');
        expect(cam.state().subscriptions, 'unsubscribed').to.equal(0);
      } finally {
        if (!stopped) await sub.stop();
      }
    });

    it('keeps trying while the camera is offline and subscribes when it is back', async () => {
      await cam.setFaults({ offline: true });
      const states: SubscriberStatus[] = [];
      const sub = subscribeEvents(
        options(cam, { timeoutMs: 1000 }),
        { onEvent: () => undefined, onState: (s) => states.push(s) },
        { backoff: { initialMs: 100, maxMs: 300 } },
      );
      try {
        await until(() => sub.status().failures >= 2, 3000, 'failed attempts');
        expect(sub.status()).to.deep.include({ state: 'reconnecting' });
        expect(isOnvifError(sub.status().lastError, 'unreachable')).to.equal(true);
        await cam.setFaults({ offline: false });
        await until(() => sub.status().state === 'subscribed', 3000, 'the subscription after the camera came back');
      } finally {
        const started = Date.now();
        await sub.stop();
        expect(Date.now() - started).to.be.lessThan(1000);
        await cam.setFaults({ offline: false });
      }
    });
  });
});
