// The simulated ONVIF camera, exercised with real clients only: the `onvif`
// npm library (what the product uses), raw SOAP over fetch, Debian's ffprobe
// and the WS-Discovery probe over loopback.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { probe } from '../../scripts/simulators/camera/discovery.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { passwordDigest } from '../../scripts/simulators/camera/soap/ws-security.js';
import { OnvifClient, items, within, type NotificationMessage, type PtzStatus } from './onvif-client.js';
import { freeUdpPort, pidAlive, sleep } from '../helpers/system.js';

const YEAR_MS = 365 * 86_400_000;

function connect(
  cam: SimulatedCamera,
  extra: { password?: string; timeout?: number; useWSSecurity?: boolean } = {},
): Promise<OnvifClient> {
  return OnvifClient.connect({
    hostname: cam.host,
    port: cam.onvifPort,
    username: cam.username,
    password: extra.password ?? cam.password,
    timeout: extra.timeout ?? 8000,
    ...(extra.useWSSecurity === false ? { useWSSecurity: false } : {}),
  });
}

/** A SOAP call built by hand, to control exactly what the camera is sent. */
async function rawSoap(
  url: string,
  body: string,
  security?: { username: string; password: string; createdMs: number },
): Promise<{ status: number; text: string; headers: Headers }> {
  let header = '';
  if (security) {
    const nonce = randomBytes(16).toString('base64');
    const created = new Date(security.createdMs).toISOString();
    header =
      '<s:Header><Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>' +
      `<Username>${security.username}</Username>` +
      `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, security.password)}</Password>` +
      `<Nonce>${nonce}</Nonce><Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created>` +
      '</UsernameToken></Security></s:Header>';
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
    body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">${header}<s:Body>${body}</s:Body></s:Envelope>`,
    signal: AbortSignal.timeout(8000),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const cameraClock = (cam: SimulatedCamera): number => Date.now() + cam.state().clockOffsetMs;
const auth = (cam: SimulatedCamera): { username: string; password: string; createdMs: number } => ({
  username: cam.username,
  password: cam.password,
  createdMs: cameraClock(cam),
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function ffprobe(url: string): Promise<RunResult> {
  return run(
    'ffprobe',
    [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      '-analyzeduration',
      '1000000',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'json',
      url,
    ],
    15_000,
  );
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

describe('simulated ONVIF camera', function () {
  this.timeout(30_000);

  let dome: SimulatedCamera; // PTZ dome whose clock is 3 years behind
  let bullet: SimulatedCamera; // fixed camera, used for the fault switches
  let discoveryPort: number;

  before(async () => {
    discoveryPort = await freeUdpPort();
    [dome, bullet] = await Promise.all([
      SimulatedCamera.start({
        name: '东门广场 球机',
        ptz: true,
        clockOffsetMs: -3 * YEAR_MS,
        // Fast motors keep the test short: 1 unit/s on every axis.
        ptzOptions: { maxSpeed: { pan: 1, tilt: 1, zoom: 1 } },
        discovery: { port: discoveryPort },
        location: '城关镇/东门',
      }),
      SimulatedCamera.start({
        name: 'bullet-1',
        manufacturer: 'HIKVISION',
        model: 'DS-2CD2T47G2-L',
        password: 'Bullet#2024',
        discovery: { port: discoveryPort },
        rebootMs: 300,
      }),
    ]);
  });

  after(async () => {
    await Promise.all([dome?.stop(), bullet?.stop()]);
  });

  describe('device and media', () => {
    it('connects although the camera clock is three years behind', async () => {
      const client = await connect(dome);
      const cameraTime = await client.systemDateAndTime();
      expect(new Date().getUTCFullYear() - cameraTime.getUTCFullYear()).to.be.within(2, 4);
      const info = await client.deviceInformation();
      expect(info).to.include({
        manufacturer: dome.identity.manufacturer,
        model: dome.identity.model,
        firmwareVersion: dome.identity.firmwareVersion,
      });
      expect(String(info.serialNumber)).to.equal(dome.identity.serialNumber);
    });

    it('rejects a WS-Security Created stamp taken from the host clock instead of the camera clock', async () => {
      const body = '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>';
      const stale = await rawSoap(dome.xaddr, body, { ...auth(dome), createdMs: Date.now() });
      expect(stale.status).to.equal(400);
      expect(stale.text).to.contain('ter:NotAuthorized');
      const fresh = await rawSoap(dome.xaddr, body, auth(dome));
      expect(fresh.status).to.equal(200);
      expect(fresh.text).to.contain(dome.identity.serialNumber);
    });

    it('rejects a replayed nonce', async () => {
      const body = '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>';
      const nonce = randomBytes(16).toString('base64');
      const created = new Date(cameraClock(dome)).toISOString();
      const envelope =
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><Security><UsernameToken>' +
        `<Username>${dome.username}</Username><Password Type="#PasswordDigest">${passwordDigest(nonce, created, dome.password)}</Password>` +
        `<Nonce>${nonce}</Nonce><Created>${created}</Created></UsernameToken></Security></s:Header><s:Body>${body}</s:Body></s:Envelope>`;
      const send = (): Promise<number> => fetch(dome.xaddr, { method: 'POST', body: envelope }).then((r) => r.status);
      expect(await send()).to.equal(200);
      expect(await send()).to.equal(400);
    });

    it('refuses a wrong password with a NotAuthorized fault', async () => {
      const err = await connect(dome, { password: 'wrong-password' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(/Sender not Authorized/);
      const open = await rawSoap(dome.xaddr, '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
      expect(open.status, 'GetSystemDateAndTime stays open').to.equal(200);
    });

    it('asks for HTTP Digest when no WS-Security is sent, and accepts it', async () => {
      const bare = await rawSoap(dome.xaddr, '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
      expect(bare.status).to.equal(401);
      expect(bare.headers.get('www-authenticate')).to.match(/^Digest realm=/);
      const client = await connect(dome, { useWSSecurity: false });
      expect((await client.deviceInformation()).model).to.equal(dome.identity.model);
      // Beware: with Digest the library's connect() succeeds on a wrong password (GetServices is
      // PRE_AUTH, and a failing GetProfiles only emits 'warning'); the next call is refused.
      const wrong = await connect(dome, { useWSSecurity: false, password: 'nope' });
      expect(wrong.cam.profiles).to.deep.equal([]);
      const err = await wrong.deviceInformation().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/Digest authentication failed 401/);
    });

    it('lists a main and a sub H.264 profile with their resolutions and the PTZ configuration', async () => {
      const client = await connect(dome);
      const profiles = await client.profiles();
      expect(profiles.map((p) => p.name)).to.deep.equal(['mainStream', 'subStream']);
      expect(profiles.map((p) => p.videoEncoderConfiguration.encoding)).to.deep.equal(['H264', 'H264']);
      expect(profiles.map((p) => p.videoEncoderConfiguration.resolution)).to.deep.equal([
        { width: 640, height: 360 },
        { width: 320, height: 180 },
      ]);
      expect(profiles.every((p) => p.PTZConfiguration?.$.token === 'PTZToken')).to.equal(true);
      expect(client.cam.activeSource?.ptz?.token).to.equal('PTZToken');
    });

    it('gives stream URIs without credentials, like real cameras', async () => {
      const client = await connect(dome);
      const [main, sub] = await Promise.all([client.streamUri('Profile_1'), client.streamUri('Profile_2')]);
      expect(main.uri).to.equal(`rtsp://127.0.0.1:${dome.rtspPort}/main`);
      expect(sub.uri).to.equal(`rtsp://127.0.0.1:${dome.rtspPort}/sub`);
      expect(main.uri).not.to.contain('@');
      await client.streamUri('NoSuchProfile').then(
        () => expect.fail('unknown profile accepted'),
        (e: Error) => expect(e.message).to.match(/does not exist/),
      );
    });

    it('serves a real JPEG at the snapshot URI, behind authentication', async () => {
      const client = await connect(dome);
      const { uri } = await client.snapshotUri('Profile_2');
      expect((await fetch(uri)).status).to.equal(401);
      const basic = `Basic ${Buffer.from(`${dome.username}:${dome.password}`).toString('base64')}`;
      const res = await fetch(uri, { headers: { Authorization: basic }, signal: AbortSignal.timeout(10_000) });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/jpeg');
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect(jpeg.subarray(0, 2).toString('hex')).to.equal('ffd8');
      expect(jpeg.subarray(-2).toString('hex')).to.equal('ffd9');
      expect(jpeg.length).to.be.greaterThan(1000);
    });

    it('a fixed camera has no PTZ service and no PTZ configuration', async () => {
      const client = await connect(bullet);
      expect(Object.keys(client.cam.uri ?? {}).sort()).to.deep.equal(['device', 'events', 'media']);
      expect((await client.profiles()).some((p) => p.PTZConfiguration)).to.equal(false);
      expect(bullet.ptzState()).to.equal(undefined);
      const res = await rawSoap(
        `http://127.0.0.1:${bullet.onvifPort}/onvif/ptz_service`,
        '<GetNodes xmlns="http://www.onvif.org/ver20/ptz/wsdl"/>',
        auth(bullet),
      );
      expect(res.status).to.equal(404);
    });
  });

  describe('RTSP video', () => {
    it('ffprobe reads H.264 at the configured resolutions with the right credentials', async () => {
      const [main, sub] = await Promise.all([ffprobe(dome.rtspUrl('main', true)), ffprobe(dome.rtspUrl('sub', true))]);
      expect(main.code, main.stderr).to.equal(0);
      expect(JSON.parse(main.stdout).streams).to.deep.equal([{ codec_name: 'h264', width: 640, height: 360 }]);
      expect(JSON.parse(sub.stdout).streams).to.deep.equal([{ codec_name: 'h264', width: 320, height: 180 }]);
    });

    it('ffprobe is refused with a wrong password or none', async () => {
      const wrong = await ffprobe(`rtsp://${dome.username}:wrong@127.0.0.1:${dome.rtspPort}/main`);
      expect(wrong.code).not.to.equal(0);
      expect(wrong.stderr).to.match(/401 Unauthorized/);
      const none = await ffprobe(dome.rtspUrl('main'));
      expect(none.code).not.to.equal(0);
    });
  });

  describe('PTZ', () => {
    let client: OnvifClient;
    /** Polls GetStatus until both MoveStatus are IDLE; returns the final position. */
    const settled = async (): Promise<PtzStatus['position']> => {
      for (let i = 0; i < 60; i++) {
        const s = await client.status();
        if (s.moveStatus.panTilt === 'IDLE' && s.moveStatus.zoom === 'IDLE') return s.position;
        await sleep(50);
      }
      throw new Error('PTZ still moving after 3 s');
    };
    before(async () => {
      client = await connect(dome);
    });
    beforeEach(async () => {
      await client.absoluteMove({ x: 0, y: 0, zoom: 0 });
      await settled();
    });

    it('ContinuousMove changes the position, MOVING until Stop, then IDLE', async () => {
      await client.continuousMove({ x: 0.5, y: -0.5, zoom: 0.5 });
      await sleep(400);
      const moving = await client.status();
      expect(moving.moveStatus).to.deep.equal({ panTilt: 'MOVING', zoom: 'MOVING' });
      expect(moving.position.x).to.be.within(0.1, 0.4);
      expect(moving.position.y).to.be.within(-0.4, -0.1);
      await client.stop();
      const stopped = await client.status();
      expect(stopped.moveStatus).to.deep.equal({ panTilt: 'IDLE', zoom: 'IDLE' });
      await sleep(200);
      expect((await client.status()).position).to.deep.equal(stopped.position);
      expect(dome.ptzState()?.position.pan).to.be.closeTo(stopped.position.x, 1e-6);
    });

    it('ContinuousMove stops by itself after its Timeout; tilt and zoom stop at their limits', async () => {
      await client.continuousMove({ x: -1, y: 1, zoom: 1, timeout: 2000 });
      await sleep(1200); // tilt and zoom reach their ends after 1 s, pan turns on for 2 s
      const s = await client.status();
      expect(s.moveStatus.panTilt, 'pan still turning').to.equal('MOVING');
      expect(s.moveStatus.zoom, 'zoom reached its end').to.equal('IDLE');
      expect(s.position.y).to.equal(1);
      expect(s.position.zoom).to.equal(1);
      await sleep(1000);
      expect((await client.status()).moveStatus).to.deep.equal({ panTilt: 'IDLE', zoom: 'IDLE' });
    });

    it('AbsoluteMove travels at a finite speed and arrives', async () => {
      await client.absoluteMove({ x: 0.6, y: -0.3, zoom: 0.4 });
      const underway = await client.status();
      expect(underway.moveStatus.panTilt).to.equal('MOVING');
      expect(underway.position.x).to.be.lessThan(0.6);
      const t0 = Date.now();
      expect(await settled()).to.deep.equal({ x: 0.6, y: -0.3, zoom: 0.4 });
      expect(Date.now() - t0, 'arrives after about 0.6 s at 1 unit/s').to.be.lessThan(1500);
    });

    it('pan wraps around a 360° dome on RelativeMove', async () => {
      await client.absoluteMove({ x: 0.8, y: 0, zoom: 0 });
      await settled();
      await client.relativeMove({ x: 0.5, y: 0, zoom: 0 });
      expect((await settled()).x).to.be.closeTo(-0.7, 1e-6);
    });

    it('presets can be set, listed, gone to and removed', async () => {
      await client.absoluteMove({ x: 0.25, y: 0.5, zoom: 0.3 });
      await settled();
      const token = await client.setPreset('北门');
      await client.absoluteMove({ x: -0.25, y: 0, zoom: 0 });
      await settled();
      const presets = await client.presets();
      expect(presets['北门']?.PTZPosition.panTilt.$).to.deep.equal({
        x: 0.25,
        y: 0.5,
        space: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace',
      });
      await client.gotoPreset(token);
      expect(await settled()).to.deep.equal({ x: 0.25, y: 0.5, zoom: 0.3 });
      await client.removePreset(token);
      expect(await client.presets()).not.to.have.property('北门');
      await client.gotoPreset(token).then(
        () => expect.fail('removed preset still reachable'),
        (e: Error) => expect(e.message).to.match(/does not exist/),
      );
    });

    it('home position can be set and gone to', async () => {
      await client.absoluteMove({ x: -0.2, y: 0.2, zoom: 0.2 });
      await settled();
      await client.setHomePosition();
      await client.absoluteMove({ x: 0.3, y: 0, zoom: 0 });
      expect(await settled()).to.deep.equal({ x: 0.3, y: 0, zoom: 0 });
      await client.gotoHomePosition();
      expect(await settled()).to.deep.equal({ x: -0.2, y: 0.2, zoom: 0.2 });
    });
  });

  describe('events', () => {
    it('a pull-point subscription first reports the current states, then a triggered motion event', async () => {
      const client = await connect(dome);
      await client.createPullPointSubscription();
      const initial = await client.pullMessages();
      const motion = initial.find((m) => m.topic._ === 'tns1:VideoSource/MotionAlarm');
      expect(motion?.message.message.$.PropertyOperation).to.equal('Initialized');
      expect(items(motion!.message.message.data)).to.deep.equal({ State: false });

      // Long poll: the pull is already waiting when the event happens.
      const pending = client.pullMessages();
      await sleep(300);
      dome.emitEvent({ topic: 'motion', state: true });
      const [event] = await within(pending, 3000, 'long poll woken by the event');
      expect(event?.topic._).to.equal('tns1:VideoSource/MotionAlarm');
      expect(event?.message.message.$.PropertyOperation).to.equal('Changed');
      expect(items(event!.message.message.source)).to.deep.equal({ Source: 'VideoSource_1' });
      expect(items(event!.message.message.data)).to.deep.equal({ State: true });
      // The camera clock is three years behind, and so is the event time.
      expect(new Date().getUTCFullYear() - event!.message.message.$.UtcTime.getUTCFullYear()).to.be.within(2, 4);
      dome.emitEvent({ topic: 'motion', state: false });
      await client.pullMessages();
    });

    it('line crossing, intrusion and tamper carry their Source and Data items', async () => {
      const client = await connect(bullet);
      await client.createPullPointSubscription();
      await client.pullMessages(); // the Initialized states
      bullet.emitEvent({ topic: 'lineCrossing', rule: '东门进口', objectId: 7 });
      bullet.emitEvent({ topic: 'intrusion', state: true, rule: '河道' });
      bullet.emitEvent({ topic: 'tamper', state: true });
      const messages = await client.pullMessages(10);
      const byTopic = new Map(messages.map((m): [string, NotificationMessage] => [m.topic._, m]));
      const crossed = byTopic.get('tns1:RuleEngine/LineDetector/Crossed')!.message.message;
      expect(items(crossed.source)).to.deep.include({
        Rule: '东门进口',
        VideoSourceConfigurationToken: 'VideoSourceToken',
      });
      expect(items(crossed.data)).to.deep.equal({ ObjectId: 7 });
      expect(crossed.$.PropertyOperation).to.equal(undefined);
      const inside = byTopic.get('tns1:RuleEngine/FieldDetector/ObjectsInside')!.message.message;
      expect(items(inside.source)).to.deep.include({ Rule: '河道' });
      expect(items(inside.data)).to.deep.equal({ IsInside: true });
      const tamper = byTopic.get('tns1:VideoSource/GlobalSceneChange/ImagingService')!.message.message;
      expect(items(tamper.data)).to.deep.equal({ State: true });
    });

    it("the library's 'event' emitter receives a triggered event", async () => {
      const client = await connect(bullet);
      const before = bullet.state().subscriptions;
      const received = new Promise<NotificationMessage>((resolve) => {
        client.cam.on('event', (m: NotificationMessage) => {
          if (m.message.message.$.PropertyOperation !== 'Initialized') resolve(m);
        });
      });
      for (let i = 0; i < 40 && bullet.state().subscriptions <= before; i++) await sleep(50);
      bullet.emitEvent({ topic: 'intrusion', state: false, rule: '河道' });
      const event = await within(received, 5000, "the 'event' emitter");
      client.cam.removeAllListeners('event');
      expect(event.topic._).to.equal('tns1:RuleEngine/FieldDetector/ObjectsInside');
    });

    it('a subscription expires unless pulled or renewed before its termination time', async () => {
      const create = (): Promise<string> =>
        rawSoap(
          `http://127.0.0.1:${bullet.onvifPort}/onvif/events_service`,
          '<CreatePullPointSubscription xmlns="http://www.onvif.org/ver10/events/wsdl"><InitialTerminationTime>PT1S</InitialTerminationTime></CreatePullPointSubscription>',
          auth(bullet),
        ).then((r) => /<wsa:Address>([^<]+)<\/wsa:Address>/.exec(r.text)![1]!);
      const [forgotten, renewed, pulled] = await Promise.all([create(), create(), create()]);
      const pull =
        '<PullMessages xmlns="http://www.onvif.org/ver10/events/wsdl"><Timeout>PT0S</Timeout><MessageLimit>10</MessageLimit></PullMessages>';
      await sleep(600);
      const renew = await rawSoap(
        renewed,
        '<Renew xmlns="http://docs.oasis-open.org/wsn/b-2"><TerminationTime>PT5S</TerminationTime></Renew>',
        auth(bullet),
      );
      expect(renew.status).to.equal(200);
      expect((await rawSoap(pulled, pull, auth(bullet))).status).to.equal(200); // a pull extends by another PT1S
      await sleep(800);
      const gone = await rawSoap(forgotten, pull, auth(bullet));
      expect(gone.status).to.equal(400);
      expect(gone.text).to.contain('ResourceUnknownFault');
      const alive = await rawSoap(renewed, pull, auth(bullet));
      expect(alive.status).to.equal(200);
      expect(alive.text).to.contain('tns1:VideoSource/MotionAlarm'); // its Initialized messages
      expect((await rawSoap(pulled, pull, auth(bullet))).status, 'kept alive by PullMessages').to.equal(200);
      await rawSoap(renewed, '<Unsubscribe xmlns="http://docs.oasis-open.org/wsn/b-2"/>', auth(bullet));
      expect((await rawSoap(renewed, pull, auth(bullet))).status).to.equal(400);
    });
  });

  describe('WS-Discovery over loopback', () => {
    it('one multicast probe is answered by both cameras with their XAddrs and scopes', async () => {
      const matches = await probe({ port: discoveryPort, timeoutMs: 800 });
      const byEndpoint = new Map(matches.map((m) => [m.endpoint, m]));
      expect(byEndpoint.get(dome.endpoint)?.xaddrs).to.deep.equal([dome.xaddr]);
      expect(byEndpoint.get(bullet.endpoint)?.xaddrs).to.deep.equal([bullet.xaddr]);
      const scopes = byEndpoint.get(dome.endpoint)!.scopes;
      expect(scopes).to.include(`onvif://www.onvif.org/name/${encodeURIComponent('东门广场 球机')}`);
      expect(scopes).to.include('onvif://www.onvif.org/type/ptz');
      expect(scopes.some((s) => s.startsWith('onvif://www.onvif.org/hardware/'))).to.equal(true);
      expect(scopes.some((s) => s.startsWith('onvif://www.onvif.org/location/'))).to.equal(true);
    });

    it('a scope filter narrows the answer, and a unicast probe is answered too', async () => {
      const ptzOnly = await probe({ port: discoveryPort, timeoutMs: 600, scopes: ['onvif://www.onvif.org/type/ptz'] });
      expect(ptzOnly.map((m) => m.endpoint))
        .to.include(dome.endpoint)
        .and.not.include(bullet.endpoint);
      const unicast = await probe({ port: discoveryPort, timeoutMs: 600, mode: 'unicast' });
      expect(unicast.length).to.be.greaterThan(0);
    });
  });

  describe('fault switches', () => {
    afterEach(async () => {
      await bullet.setFaults({
        delayMs: 0,
        dropConnections: false,
        offline: false,
        notOnvif: false,
        profilesWithoutRtsp: [],
      });
    });

    it('offline: ONVIF and RTSP refuse connections, discovery is silent; back online the camera has restarted', async () => {
      const rtspPid = bullet.state().rtspPid!;
      const client = await connect(bullet);
      await client.createPullPointSubscription();
      expect(bullet.state().subscriptions).to.be.greaterThan(0);

      await bullet.setFaults({ offline: true });
      const started = Date.now();
      const err = await connect(bullet, { timeout: 3000 }).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err?.code).to.equal('ECONNREFUSED');
      expect(Date.now() - started).to.be.lessThan(3000);
      expect(await tcpConnects(bullet.rtspPort)).to.equal(false);
      expect(pidAlive(rtspPid)).to.equal(false);
      const matches = await probe({ port: discoveryPort, timeoutMs: 500 });
      expect(matches.map((m) => m.endpoint)).not.to.include(bullet.endpoint);

      const ports = [bullet.onvifPort, bullet.rtspPort];
      await bullet.setFaults({ offline: false });
      expect([bullet.onvifPort, bullet.rtspPort]).to.deep.equal(ports);
      expect(await tcpConnects(bullet.rtspPort)).to.equal(true);
      expect(bullet.state().subscriptions, 'a restart loses subscriptions').to.equal(0);
      expect((await (await connect(bullet)).deviceInformation()).manufacturer).to.equal('HIKVISION');
    });

    it('slow replies: answers are delayed, a short client timeout fails', async () => {
      const client = await connect(bullet);
      await bullet.setFaults({ delayMs: 700 });
      const t0 = Date.now();
      await client.deviceInformation();
      expect(Date.now() - t0).to.be.at.least(650);
      const impatient = await connect(bullet, { timeout: 300 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(impatient?.message).to.match(/timeout/i);
    });

    it('dropped connections: the socket closes without an answer', async () => {
      const client = await connect(bullet);
      await bullet.setFaults({ dropConnections: true });
      const err = await client.deviceInformation().then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err?.message).to.match(/socket hang up|ECONNRESET/);
    });

    it('not ONVIF: an HTML page instead of SOAP', async () => {
      await bullet.setFaults({ notOnvif: true });
      const err = await connect(bullet, { timeout: 3000 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/Wrong ONVIF SOAP response/);
      const matches = await probe({ port: discoveryPort, timeoutMs: 400 });
      expect(matches.map((m) => m.endpoint)).not.to.include(bullet.endpoint);
    });

    it('a profile without RTSP: GetStreamUri faults for it only', async () => {
      const client = await connect(bullet);
      await bullet.setFaults({ profilesWithoutRtsp: ['sub'] });
      expect((await client.streamUri('Profile_1')).uri).to.equal(bullet.rtspUrl('main'));
      await client.streamUri('Profile_2').then(
        () => expect.fail('sub stream URI given'),
        (e: Error) => expect(e.message).to.match(/StreamSetup is not supported/),
      );
    });

    it('the /sim control endpoint switches faults and raises events over HTTP', async () => {
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${bullet.controlUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) });
      const res = await post('faults', { delayMs: 50, profilesWithoutRtsp: ['main'] });
      expect(res.status).to.equal(200);
      expect(bullet.faults()).to.include({ delayMs: 50 });
      expect((await post('faults', { delayMs: -1 })).status).to.equal(400);
      expect((await post('events', { topic: 'motion', state: 'yes' })).status).to.equal(400);
      expect((await post('events', { topic: 'motion', state: true })).status).to.equal(200);
      expect((await post('faults', { offline: true })).status).to.equal(202);
      for (let i = 0; i < 40 && bullet.online; i++) await sleep(50);
      expect(await tcpConnects(bullet.onvifPort)).to.equal(false);
    });

    it('SystemReboot takes the camera down briefly and brings it back', async () => {
      const res = await rawSoap(
        bullet.xaddr,
        '<SystemReboot xmlns="http://www.onvif.org/ver10/device/wsdl"/>',
        auth(bullet),
      );
      expect(res.text).to.contain('Rebooting');
      await sleep(100);
      expect(await tcpConnects(bullet.onvifPort)).to.equal(false);
      for (let i = 0; i < 60 && !bullet.online; i++) await sleep(100);
      expect(await tcpConnects(bullet.onvifPort)).to.equal(true);
    });
  });

  describe('process hygiene', () => {
    it('stop() leaves no RTSP process behind', async () => {
      const cam = await SimulatedCamera.start({ name: 'short-lived', discovery: false });
      const pid = cam.state().rtspPid!;
      expect(pidAlive(pid)).to.equal(true);
      await cam.stop();
      expect(pidAlive(pid)).to.equal(false);
    });

    it('the RTSP process exits when the process that started it is killed', async () => {
      const cli = spawn(
        process.execPath,
        ['--import', 'tsx', 'scripts/simulators/camera/main.ts', '--count', '1', '--no-discovery'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const lines = createInterface({ input: cli.stdout });
      const pid = await within(
        new Promise<number>((resolve) => {
          lines.on('line', (line) => {
            if (line.startsWith('CAMERA ')) resolve((JSON.parse(line.slice(7)) as { rtspPid: number }).rtspPid);
          });
        }),
        15_000,
        'CLI start',
      );
      expect(pidAlive(pid)).to.equal(true);
      cli.kill('SIGKILL'); // no chance to clean up
      for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
      expect(pidAlive(pid)).to.equal(false);
    });
  });
});
