// A simulated camera that answers from a folder of a real model's recorded
// ONVIF answers (fixtures/onvif-recordings/<model>/), so installers can train
// on a real model and tests can register one:
//
//   - the operation is found by the request body's first element and its
//     namespace (device → device_management/, ver10 media → media1/, ver20
//     media → media2/, ptz → ptz/), whatever the path: some firmwares serve
//     every service at /onvif/device_service;
//   - a file holding several envelopes (a capture log) is searched for the one
//     whose body is <Operation>Response;
//   - recorded addresses are rewritten to this simulator: http://<IP>… to its ONVIF
//     port, rtsp://… to its GStreamer server (/main for the first profile,
//     /sub for the others);
//   - GetSystemDateAndTime answers with this camera's clock (clockOffsetMs);
//   - an operation not recorded gets the SOAP fault ter:ActionNotSupported;
//   - authentication as real cameras: only GetSystemDateAndTime goes without;
//     WS-Security digest checked against the camera's own clock, HTTP Digest
//     accepted too, or HTTP Digest only (`authentication: 'http-digest-only'`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HttpAuth } from './http-auth.js';
import { CameraClock } from './clock.js';
import { RtspServerProcess } from './rtsp-process.js';
import { SoapFault, faultEnvelope, faults } from './soap/envelope.js';
import { NonceCache, checkUsernameToken } from './soap/ws-security.js';
import { parseXml, child } from './soap/xml.js';
import type { StreamSpec } from './types.js';

const FOLDER_OF_NAMESPACE: Record<string, string> = {
  'http://www.onvif.org/ver10/device/wsdl': 'device_management',
  'http://www.onvif.org/ver10/media/wsdl': 'media1',
  'http://www.onvif.org/ver20/media/wsdl': 'media2',
  'http://www.onvif.org/ver20/ptz/wsdl': 'ptz',
  'http://www.onvif.org/ver10/recording/wsdl': 'recordings',
};

const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export interface RecordedCameraOptions {
  /** A folder of recorded answers, e.g. fixtures/onvif-recordings/SUNBA. */
  folder: string;
  username: string;
  password: string;
  /** The camera's clock minus real time (e.g. 3 h off). */
  clockOffsetMs?: number;
  /** 'ws-security' (also takes HTTP Digest) or 'http-digest-only' (ignores WS-Security headers). */
  authentication?: 'ws-security' | 'http-digest-only';
  /** Serve RTSP from the GStreamer test source (default true). */
  rtsp?: boolean;
  host?: string;
  onvifPort?: number;
  rtspPort?: number;
  main?: StreamSpec;
  sub?: StreamSpec;
  /**
   * Encode each RTSP stream as the recording says its profile does (default
   * true): the ENP1A14-IR/25X then sends H.265 on both, as the real one.
   */
  recordedCodecs?: boolean;
  /** How far a WS-Security Created stamp may be from the camera clock (default 30 s). */
  maxClockSkewMs?: number;
  /** Every answer comes this much later (a slow camera or a congested link). */
  delayMs?: number;
}

interface SoapRequestInfo {
  operation: string;
  namespace: string;
  body: string;
}

/** The operation element of a SOAP request and its namespace URI. */
export function requestOperation(xml: string): SoapRequestInfo | undefined {
  const body = /<(?:[\w-]+:)?Body\b[^>]*>([\s\S]*)<\/(?:[\w-]+:)?Body>/.exec(xml)?.[1];
  if (body === undefined) return undefined;
  const first = /<(?:([\w-]+):)?([\w-]+)([^>]*)>/.exec(body);
  if (!first?.[2]) return undefined;
  const prefix = first[1];
  const attrs = first[3] ?? '';
  const declared = (text: string): string | undefined =>
    new RegExp(prefix ? `xmlns:${prefix}="([^"]*)"` : `xmlns="([^"]*)"`).exec(text)?.[1];
  const namespace = declared(attrs) ?? declared(xml) ?? '';
  return { operation: first[2], namespace, body };
}

/** The envelope of a recorded file whose body is <operation>Response (files may hold several). */
export function recordedEnvelope(fileText: string, operation: string): string | undefined {
  const envelopes = [...fileText.matchAll(/<([\w-]+:)?Envelope\b[\s\S]*?<\/\1Envelope>/g)].map((m) => m[0]);
  const wanted = new RegExp(`<(?:[\\w-]+:)?Body\\b[^>]*>\\s*<(?:[\\w-]+:)?${operation}Response\\b`);
  return envelopes.find((e) => wanted.test(e));
}

/**
 * The codec of the main (first) and sub (second) recorded video profile, from
 * Media1 GetProfiles (whose profiles always carry their encoder), H.264 otherwise.
 */
export function recordedCodecs(folder: string): { main: 'h264' | 'h265'; sub: 'h264' | 'h265' } {
  const file = path.join(folder, 'media1', 'GetProfilesResponse.xml');
  const envelope = existsSync(file) ? recordedEnvelope(readFileSync(file, 'utf8'), 'GetProfiles') : undefined;
  const encodings = [
    ...(envelope ?? '').matchAll(/<(?:[\w-]+:)?VideoEncoderConfiguration\b[\s\S]*?<(?:[\w-]+:)?Encoding>([^<]*)</g),
  ].map((m) => m[1]);
  const codec = (e: string | undefined): 'h264' | 'h265' => (/^(H265|HEVC)$/i.test(e ?? '') ? 'h265' : 'h264');
  return { main: codec(encodings[0]), sub: codec(encodings[1] ?? encodings[0]) };
}

export class RecordedCamera {
  private server: http.Server | undefined;
  private rtsp: RtspServerProcess | undefined;
  private readonly clock: CameraClock;
  private readonly nonces = new NonceCache();
  private readonly httpAuth: HttpAuth;
  private port = 0;
  private readonly host: string;
  /** The first recorded profile's token gets /main, the others /sub. */
  private readonly mainProfileToken: string | undefined;
  /** Operations answered so far (for tests and the CLI). */
  readonly answered: string[] = [];

  private constructor(private readonly o: RecordedCameraOptions) {
    this.host = o.host ?? '127.0.0.1';
    this.clock = new CameraClock(o.clockOffsetMs ?? 0);
    this.httpAuth = new HttpAuth('recorded-camera', () => ({ username: o.username, password: o.password }));
    this.mainProfileToken = this.firstProfileToken();
  }

  static async start(options: RecordedCameraOptions): Promise<RecordedCamera> {
    if (!existsSync(path.join(options.folder, 'device_management')))
      throw new Error(`${options.folder} is not a folder of recorded ONVIF answers`);
    const cam = new RecordedCamera(options);
    try {
      if (options.rtsp !== false) {
        cam.rtsp = await RtspServerProcess.start({
          port: options.rtspPort ?? 0,
          address: cam.host,
          name: path.basename(options.folder),
          username: options.username,
          password: options.password,
          main: options.main ?? { width: 640, height: 360, fps: 15, bitrateKbps: 768 },
          sub: options.sub ?? { width: 320, height: 180, fps: 10, bitrateKbps: 256 },
          auth: 'digest',
          ...(options.recordedCodecs === false ? {} : { codecs: recordedCodecs(options.folder) }),
        });
      }
      await cam.listen(options.onvifPort ?? 0);
    } catch (err) {
      await cam.stop();
      throw err;
    }
    return cam;
  }

  get onvifPort(): number {
    return this.port;
  }

  get xaddr(): string {
    return `http://${this.host}:${this.port}/onvif/device_service`;
  }

  get rtspPort(): number | undefined {
    return this.rtsp?.port;
  }

  /** The recorded operations this camera can answer, as "folder/Operation". */
  recordedOperations(): string[] {
    return Object.values(FOLDER_OF_NAMESPACE).flatMap((folder) => {
      const dir = path.join(this.o.folder, folder);
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('Response.xml'))
        .map((f) => `${folder}/${f.slice(0, -'Response.xml'.length)}`);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await this.rtsp?.stop();
  }

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private firstProfileToken(): string | undefined {
    for (const folder of ['media2', 'media1']) {
      const file = path.join(this.o.folder, folder, 'GetProfilesResponse.xml');
      if (!existsSync(file)) continue;
      const envelope = recordedEnvelope(readFileSync(file, 'utf8'), 'GetProfiles');
      const token = envelope && /<(?:[\w-]+:)?Profiles\b[^>]*\btoken="([^"]*)"/.exec(envelope)?.[1];
      if (token !== undefined) return token;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (this.o.delayMs) await new Promise((resolve) => setTimeout(resolve, this.o.delayMs));
    const reply = (status: number, body: string, headers: Record<string, string | string[]> = {}): void => {
      res.writeHead(status, { 'Content-Type': SOAP_CONTENT_TYPE, Server: 'recorded-camera', ...headers });
      res.end(body);
    };
    if (req.method !== 'POST') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    const request = requestOperation(text);
    if (!request) return reply(400, faultEnvelope(faults.wellFormed('Not a SOAP envelope')));

    const denied = this.authorize(req, text, request.operation);
    if (denied) return reply(denied.fault.httpStatus, faultEnvelope(denied.fault), denied.headers);

    if (request.operation === 'GetSystemDateAndTime') {
      this.answered.push(request.operation);
      return reply(200, this.systemDateAndTime());
    }
    const folder = FOLDER_OF_NAMESPACE[request.namespace];
    const file = folder && path.join(this.o.folder, folder, `${request.operation}Response.xml`);
    const envelope =
      file && existsSync(file) ? recordedEnvelope(readFileSync(file, 'utf8'), request.operation) : undefined;
    if (!envelope) return reply(500, faultEnvelope(faults.actionNotSupported(request.operation)));
    this.answered.push(`${folder}/${request.operation}`);
    const profileToken = /<(?:[\w-]+:)?ProfileToken>([^<]*)</.exec(request.body)?.[1];
    return reply(200, this.rewrite(envelope, profileToken));
  }

  /** The fault to send, or undefined when the call may proceed. */
  private authorize(
    req: IncomingMessage,
    text: string,
    operation: string,
  ): { fault: SoapFault; headers?: Record<string, string[]> } | undefined {
    if (operation === 'GetSystemDateAndTime') return undefined;
    if (this.o.authentication !== 'http-digest-only') {
      let header;
      try {
        header = child(child(parseXml(text), 'Envelope'), 'Header');
      } catch {
        return { fault: faults.wellFormed('Malformed XML') };
      }
      const check = checkUsernameToken(
        header,
        this.o,
        this.clock.nowMs(),
        this.o.maxClockSkewMs ?? 30_000,
        this.nonces,
      );
      if (check.kind === 'valid') return undefined;
      if (check.kind === 'invalid') return { fault: faults.notAuthorized() };
    }
    if (this.httpAuth.verify(req)) return undefined;
    return {
      fault: new SoapFault('Sender', ['ter:NotAuthorized'], 'Sender not Authorized', 401),
      headers: { 'WWW-Authenticate': this.httpAuth.challenges().filter((c) => c.startsWith('Digest')) },
    };
  }

  private systemDateAndTime(): string {
    const recorded = path.join(this.o.folder, 'device_management', 'GetSystemDateAndTimeResponse.xml');
    const envelope =
      (existsSync(recorded) && recordedEnvelope(readFileSync(recorded, 'utf8'), 'GetSystemDateAndTime')) || undefined;
    const now = new Date(this.clock.nowMs());
    const utc =
      `<tt:Time><tt:Hour>${now.getUTCHours()}</tt:Hour><tt:Minute>${now.getUTCMinutes()}</tt:Minute><tt:Second>${now.getUTCSeconds()}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>${now.getUTCFullYear()}</tt:Year><tt:Month>${now.getUTCMonth() + 1}</tt:Month><tt:Day>${now.getUTCDate()}</tt:Day></tt:Date>`;
    if (envelope && /<([\w-]+:)?UTCDateTime>[\s\S]*?<\/\1UTCDateTime>/.test(envelope)) {
      return envelope.replace(
        /<([\w-]+:)?UTCDateTime>[\s\S]*?<\/\1UTCDateTime>/,
        (_m, p: string = '') =>
          `<${p}UTCDateTime xmlns:tt="http://www.onvif.org/ver10/schema">${utc}</${p}UTCDateTime>`,
      );
    }
    return (
      `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">` +
      `<env:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
      `<tt:UTCDateTime>${utc}</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></env:Body></env:Envelope>`
    );
  }

  /** Recorded addresses → this simulator. */
  private rewrite(envelope: string, profileToken: string | undefined): string {
    const stream = profileToken === undefined || profileToken === this.mainProfileToken ? 'main' : 'sub';
    return envelope
      .replace(/http:\/\/\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?/g, `http://${this.host}:${this.port}`)
      .replace(
        /rtsp:\/\/[^<\s"']*/g,
        this.rtsp ? `rtsp://${this.host}:${this.rtsp.port}/${stream}` : `rtsp://${this.host}:554/${stream}`,
      );
  }
}
