// The driver's own SOAP client and the readers of real cameras' answers, without
// a camera: what is sent (WS-Security on the camera's clock, HTTP Digest after a
// challenge) and what is read (broken headers, several envelopes, NAT addresses).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SoapClient, passwordDigest, soapBody } from '../../video/onvif/soap-client.js';
import { readCameraTime, readMedia2Profiles, rebase } from '../../video/onvif/camera-inspection.js';
import { chooseStream } from '../../video/live-video.service.js';
import { isOnvifError } from '../../video/onvif/errors.js';
import { passwordDigest as cameraSideDigest } from '../../scripts/simulators/camera/soap/ws-security.js';
import { recordedEnvelope, requestOperation } from '../../scripts/simulators/camera/recorded-camera.js';

const fixture = (p: string): string =>
  readFileSync(new URL(`../../fixtures/onvif-recordings/${p}`, import.meta.url), 'utf8');
const INFO_ANSWER =
  '<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
  '<env:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>ACME</tds:Manufacturer><tds:Model>X1</tds:Model></tds:GetDeviceInformationResponse></env:Body></env:Envelope>';

describe('ONVIF SOAP client and readers', () => {
  const servers: http.Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`;
  }

  const body = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => resolve(text));
    });

  it('stamps WS-Security on the camera clock, with a digest the camera side accepts', async () => {
    let seen = '';
    const xaddr = await serve(async (req, res) => {
      seen = await body(req);
      res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(INFO_ANSWER);
    });
    const client = new SoapClient('cam', { username: 'admin', password: 'pa&ss<1>' });
    client.clockOffsetMs = -3 * 3_600_000;
    const answer = await client.call(
      xaddr,
      'GetDeviceInformation',
      '<tds:GetDeviceInformation xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>',
      { deadlineMs: 2000 },
    );
    expect(answer).to.deep.include({ manufacturer: 'ACME', model: 'X1' });
    const created = /<wsu:Created>([^<]+)</.exec(seen)![1]!;
    expect(Math.abs(Date.parse(created) - (Date.now() - 3 * 3_600_000))).to.be.lessThan(5000);
    const nonce = /<wsse:Nonce[^>]*>([^<]+)</.exec(seen)![1]!;
    const digest = /<wsse:Password[^>]*>([^<]+)</.exec(seen)![1]!;
    expect(digest).to.equal(cameraSideDigest(nonce, created, 'pa&ss<1>'));
    expect(passwordDigest(Buffer.from(nonce, 'base64'), created, 'pa&ss<1>')).to.equal(digest);
    expect(client.usesHttpDigest).to.equal(false);
  });

  it('answers an HTTP Digest challenge once, then keeps using Digest; a refused Digest is auth_failed', async () => {
    let calls = 0;
    const xaddr = await serve(async (req, res) => {
      calls++;
      await body(req);
      const auth = req.headers.authorization ?? '';
      if (
        /^Digest .*username="admin"/.test(auth) &&
        /response="[0-9a-f]{32}"/.test(auth) &&
        /nc=0000000\d/.test(auth)
      ) {
        res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(INFO_ANSWER);
      } else {
        res
          .writeHead(401, { 'www-authenticate': 'Digest realm="cam", qop="auth", nonce="abc123", algorithm=MD5' })
          .end();
      }
    });
    const client = new SoapClient('cam', { username: 'admin', password: 'secret' });
    const op = '<tds:GetDeviceInformation xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>';
    await client.call(xaddr, 'GetDeviceInformation', op, { deadlineMs: 2000 });
    expect(client.usesHttpDigest).to.equal(true);
    expect(calls).to.equal(2);
    await client.call(xaddr, 'GetDeviceInformation', op, { deadlineMs: 2000 });
    expect(calls).to.equal(3); // straight to Digest
    const stranger = new SoapClient('cam', { username: 'intruder', password: 'secret' });
    const err = await stranger.call(xaddr, 'GetDeviceInformation', op, { deadlineMs: 2000 }).catch((e: unknown) => e);
    expect(isOnvifError(err, 'auth_failed')).to.equal(true);
  });

  it('reads the Body of an answer whose Header is broken (Xiongmai), and refuses a web page', () => {
    const presets = soapBody(fixture('SUNBA.405/ptz/GetPresetsResponse.xml'));
    expect(presets).to.have.property('getPresetsResponse');
    expect(soapBody('<!DOCTYPE html><html><body>login</body></html>')).to.equal(undefined);
  });

  it('a camera answering 503 is busy, not a missing ONVIF service', async () => {
    const xaddr = await serve((_req, res) =>
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Server Busy</html>'),
    );
    const err = await new SoapClient('cam', { username: 'a', password: 'b' })
      .call(xaddr, 'GetServices', '<x/>', { deadlineMs: 2000 })
      .catch((e: unknown) => e);
    expect(isOnvifError(err, 'busy')).to.equal(true);
  });

  it('a silent server is a timeout at the deadline', async () => {
    const xaddr = await serve(() => undefined);
    const client = new SoapClient('cam', { username: 'a', password: 'b' });
    const started = Date.now();
    const err = await client
      .call(xaddr, 'GetSystemDateAndTime', '<x/>', { deadlineMs: 300, auth: false })
      .catch((e: unknown) => e);
    expect(isOnvifError(err, 'timeout')).to.equal(true);
    expect(Date.now() - started).to.be.within(250, 1500);
  });

  it('reads real answers: service addresses behind NAT, the camera clock, Media2 profiles without configurations', () => {
    expect(rebase('http://192.168.1.182/onvif/Media2', '10.0.0.5', 8080)).to.equal('http://10.0.0.5:8080/onvif/Media2');
    const clock = soapBody(fixture('SUNBA/device_management/GetSystemDateAndTimeResponse.xml'))!;
    expect(
      readCameraTime((clock.getSystemDateAndTimeResponse as Record<string, unknown>).systemDateAndTime)?.toISOString(),
    ).to.equal('2024-04-05T17:16:28.000Z');
    const enp = soapBody(fixture('ENP1A14-IR_25X/media2/GetProfilesResponse.xml'))!;
    expect(readMedia2Profiles(enp.getProfilesResponse).map((p) => [p.token, p.width])).to.deep.equal([
      ['Profile_1', undefined],
      ['Profile_2', undefined],
      ['Profile_3', undefined],
    ]);
  });

  it('the recorded camera finds the operation by namespace and the right envelope in a capture log', () => {
    const request = requestOperation(
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><m:GetProfiles xmlns:m="http://www.onvif.org/ver20/media/wsdl"><m:Type>All</m:Type></m:GetProfiles></s:Body></s:Envelope>',
    );
    expect(request).to.include({ operation: 'GetProfiles', namespace: 'http://www.onvif.org/ver20/media/wsdl' });
    const file = fixture('SUNBA.405/media2/GetProfilesResponse.xml');
    expect(recordedEnvelope(file, 'GetProfiles'))
      .to.match(/GetProfilesResponse/)
      .and.not.match(/GetServicesResponse/);
  });

  it('chooses what a player gets: H.265 copied when it decodes it, else the H.264 sub stream, else a transcode', () => {
    expect(chooseStream('main', { main: 'h265', sub: 'h264' }, ['h264', 'h265'])).to.deep.equal({
      relay: 'main',
      stream: 'main',
      codec: 'h265',
      transcoded: false,
    });
    expect(chooseStream('main', { main: 'h265', sub: 'h264' }, ['h264'])).to.deep.equal({
      relay: 'sub',
      stream: 'sub',
      codec: 'h264',
      transcoded: false,
    });
    expect(chooseStream('sub', { main: 'h265', sub: 'h265' }, ['h264'])).to.deep.equal({
      relay: 'sub-h264',
      stream: 'sub',
      codec: 'h264',
      transcoded: true,
    });
    expect(chooseStream('sub', { main: 'h264' }, ['h264'])).to.deep.equal({
      relay: 'sub',
      stream: 'sub',
      codec: 'h264',
      transcoded: false,
    });
  });
});
