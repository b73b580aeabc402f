// The fence around the camera networks: the server connects only to allowed addresses,
// follows no device-reported address off the camera and those networks, fetches
// snapshots without redirects, without unasked credentials and within a size bound, and
// a refused address tells nothing about what listens there.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import onvif from 'onvif';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { publishTinyTown, TOWN } from '../helpers/tiny-town.js';
import { freeTcpPort } from '../helpers/processes.js';
import {
  CameraNetworkPolicy,
  cameraNetworks,
  fenceServiceAddresses,
  setCameraNetworks,
} from '../../video/camera-network.js';
import { fetchSnapshot, MAX_SNAPSHOT_BYTES } from '../../video/snapshot.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);

describe('camera networks: where the server may talk to cameras', function () {
  this.timeout(30_000);
  const original = cameraNetworks();
  after(() => setCameraNetworks(original));

  it('refuses loopback and link-local in production even when listed, and allows them in development', async () => {
    const prod = new CameraNetworkPolicy({
      production: true,
      networks: ['127.0.0.0/8', '169.254.0.0/16', '10.20.0.0/16'],
    });
    expect(prod.allows('127.0.0.1')).to.equal(false);
    expect(prod.allows('169.254.169.254')).to.equal(false);
    expect(prod.allows('10.20.3.4')).to.equal(true);
    expect(prod.allows('10.21.3.4')).to.equal(false);
    expect(prod.allows('::ffff:127.0.0.1')).to.equal(false);
    const prodDefault = new CameraNetworkPolicy({ production: true });
    expect(['192.168.1.64', '10.0.0.9', '172.20.1.1'].map((a) => prodDefault.allows(a))).to.deep.equal([
      true,
      true,
      true,
    ]);
    expect(
      ['127.0.0.1', '::1', '169.254.169.254', '8.8.8.8', '0.0.0.0'].map((a) => prodDefault.allows(a)),
    ).to.deep.equal([false, false, false, false, false]);
    const dev = new CameraNetworkPolicy({ production: false });
    expect(dev.allows('127.0.0.1')).to.equal(true);
    expect(dev.allows('169.254.169.254')).to.equal(false);
    // A name is checked by what it resolves to.
    const err = await prod.resolve('localhost', 80).then(
      () => null,
      (e: unknown) => e as { status: number; code: string },
    );
    expect(err).to.include({ status: 422, code: 'camera_network_refused' });
    expect(await dev.resolve('localhost', 80)).to.match(/^(127\.0\.0\.1|::1)$/);
  });

  it('keeps device-reported addresses on the camera or the networks, XAddrs included', () => {
    const policy = new CameraNetworkPolicy({ production: true, networks: ['10.20.0.0/16'] });
    setCameraNetworks(policy);
    expect(policy.allowsReported('rtsp://cam-7.town.lan:554/main', ['cam-7.town.lan', '10.20.0.7'])).to.equal(true);
    expect(policy.allowsReported('rtsp://10.20.9.9:554/main', ['cam-7.town.lan'])).to.equal(true);
    expect(policy.allowsReported('http://169.254.169.254/latest/meta-data/', ['10.20.0.7'])).to.equal(false);
    expect(policy.allowsReported('http://evil.example/x', ['10.20.0.7'])).to.equal(false);
    expect(() => policy.assertReported(['rtsp://10.20.0.7/main', 'http://127.0.0.1:6379/'], ['10.20.0.7']))
      .to.throw(/off its own host/)
      .with.property('code', 'camera_address_refused');
    // The onvif library's own Cam: a service address elsewhere is pulled back to the camera.
    const cam = new onvif.Cam({ hostname: '10.20.0.7', port: 8000, autoconnect: false }) as unknown as Parameters<
      typeof fenceServiceAddresses
    >[0];
    fenceServiceAddresses(cam);
    expect(cam._parseUrl('http://169.254.169.254:80/onvif/media').host).to.equal('10.20.0.7:8000');
    expect(cam._parseUrl('http://10.20.0.7:8080/onvif/events').host).to.equal('10.20.0.7:8080');
    expect(cam._parseUrl('http://10.20.5.5:80/onvif/ptz').host).to.equal('10.20.5.5:80');
  });

  describe('snapshot fetch against a hostile camera', () => {
    let server: http.Server;
    let base: string;
    const seen: { url: string; authorization: string | undefined }[] = [];
    before(async () => {
      setCameraNetworks(new CameraNetworkPolicy({ production: false }));
      server = http.createServer((req, res) => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
        if (req.url === '/redirect')
          return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        if (req.url === '/huge') {
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          const chunk = Buffer.alloc(1024 * 1024, 0xff);
          let sent = 0;
          const more = () => {
            while (sent < 40 && res.write(chunk)) sent++;
            if (sent < 40) res.once('drain', more);
            else res.end();
          };
          res.on('error', () => undefined);
          more();
          return;
        }
        if (req.url === '/basic') {
          if (req.headers.authorization !== `Basic ${Buffer.from('admin:pw').toString('base64')}`)
            return void res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end();
          return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('sends credentials only when challenged, follows no redirect and stops reading past the bound', async () => {
      seen.length = 0;
      expect(await fetchSnapshot(`${base}/basic`, 'admin', 'pw', 3000, ['127.0.0.1'])).to.deep.equal(JPEG);
      expect(seen.map((s) => s.authorization === undefined)).to.deep.equal([true, false]);
      seen.length = 0;
      const redirected = await fetchSnapshot(`${base}/redirect`, 'admin', 'pw', 3000, ['127.0.0.1']).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(redirected).to.match(/redirects.*not followed/);
      expect(seen).to.have.length(1);
      const started = Date.now();
      const huge = await fetchSnapshot(`${base}/huge`, 'admin', 'pw', 10_000, ['127.0.0.1']).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(huge).to.equal(`the snapshot is larger than ${MAX_SNAPSHOT_BYTES} bytes`);
      expect(Date.now() - started).to.be.below(5000);
    });

    it('does not fetch a snapshot URI off the camera and outside the networks', async () => {
      setCameraNetworks(new CameraNetworkPolicy({ production: true, networks: ['10.20.0.0/16'] }));
      seen.length = 0;
      const refused = await fetchSnapshot(`${base}/basic`, 'admin', 'pw', 3000, ['10.20.0.7']).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(refused).to.match(/outside the camera networks/);
      expect(seen).to.have.length(0);
      setCameraNetworks(new CameraNetworkPolicy({ production: false }));
    });
  });

  describe('registration outside CAMERA_NETWORKS', () => {
    let t: TestApi;
    before(async () => {
      t = await startTestApi('camera-networks', { CAMERA_NETWORKS: '10.20.0.0/16', CAMERA_TIMEOUT_MS: '3000' });
      await publishTinyTown(t);
    });
    after(async () => {
      await t.close();
      setCameraNetworks(original);
    });

    it('refuses loopback before connecting, with the same answer for an open port and a closed one', async () => {
      const base = { name: 'x', username: 'admin', password: 'pw', townCode: TOWN };
      const openPort = Number(new URL(t.api.url).port); // the api itself listens there
      const closedPort = await freeTcpPort();
      const open = await t.admin.post('/api/cameras', { ...base, host: '127.0.0.1', port: openPort });
      const closed = await t.admin.post('/api/cameras', { ...base, host: '127.0.0.1', port: closedPort });
      const metadata = await t.admin.post('/api/cameras', { ...base, host: '169.254.169.254', port: 80 });
      for (const res of [open, closed, metadata]) {
        expect(res.status).to.equal(422);
        expect(res.body.error.code).to.equal('camera_network_refused');
      }
      const shape = (res: typeof open) => res.body.error.message.replace(/^\S+ is/, 'X is');
      expect(shape(open)).to.equal(shape(closed));
      expect(shape(open)).to.equal(shape(metadata));
    });
  });
});
