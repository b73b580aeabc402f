// A small SOAP 1.2 client of our own for the calls the registration steps make
// (and the ones the `onvif` library lacks or hangs on: Media2, GetServices on
// odd firmwares). It authenticates as cameras expect:
//   - WS-Security UsernameToken with PasswordDigest, its Created stamp on the
//     *camera's* clock (clockOffsetMs, learnt from GetSystemDateAndTime), so a
//     camera hours off still accepts it;
//   - HTTP Digest when the camera answers 401 with a Digest challenge (some
//     firmwares only do that); the challenge is then reused with a counter.
// Every call has its own deadline and fails with a typed OnvifError.
import { createHash, randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { cameraHttp, type CameraHttpAnswer } from './camera-http.js';
import {
  mapLibraryError,
  onvifError,
  parseSoapFault,
  timeoutError,
  type OnvifError,
  type OnvifErrorContext,
} from './errors.js';
import { obj } from './read.js';

export const NS = {
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  ptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  recording: 'http://www.onvif.org/ver10/recording/wsdl',
  search: 'http://www.onvif.org/ver10/search/wsdl',
  replay: 'http://www.onvif.org/ver10/replay/wsdl',
  schema: 'http://www.onvif.org/ver10/schema',
} as const;

const SOAP_ENV = 'http://www.w3.org/2003/05/soap-envelope';
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const NONCE_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export function xmlText(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** The library's answer shape (xml2js + its tag processor), so ./read.ts and the existing readers apply. */
const lowerFirst = (name: string): string => {
  const second = name.charAt(1);
  return second && second.toUpperCase() !== second ? name.charAt(0).toLowerCase() + name.slice(1) : name;
};

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributesGroupName: '$',
  attributeNamePrefix: '',
  textNodeName: '_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  transformTagName: lowerFirst,
});

/**
 * The Body of a SOAP answer, or undefined when the text is not a SOAP envelope.
 * Only the Body is parsed: real firmwares send broken headers (a Xiongmai
 * camera answers with an unclosed <wsse:Security> in its Header).
 */
export function soapBody(xml: string): Record<string, unknown> | undefined {
  if (!/<([\w-]+:)?Envelope[\s>]/.test(xml)) return undefined;
  const body = /<([\w-]+:)?Body\b[^>]*?(\/>|>([\s\S]*)<\/\1Body\s*>)/.exec(xml);
  if (!body) return undefined;
  if (body[2] === '/>') return {};
  // Namespace declarations live on the Envelope; prefixes are dropped anyway.
  try {
    const parsed = obj(parser.parse(`<Body>${body[3] ?? ''}</Body>`))?.body;
    return obj(parsed) ?? (parsed === '' || parsed === undefined ? {} : undefined);
  } catch {
    return undefined;
  }
}

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

function securityHeader(username: string, password: string, cameraNowMs: number): string {
  const nonce = randomBytes(16);
  const created = new Date(cameraNowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}"><wsse:UsernameToken>` +
    `<wsse:Username>${xmlText(username)}</wsse:Username>` +
    `<wsse:Password Type="${DIGEST_TYPE}">${passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${NONCE_TYPE}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

export function envelope(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP_ENV}">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** key="value" / key=value pairs of a WWW-Authenticate Digest challenge. */
export function digestParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of header.matchAll(/([a-zA-Z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    if (m[1]) params.set(m[1].toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return params;
}

interface DigestState {
  params: Map<string, string>;
  nc: number;
}

function digestAuthorization(
  state: DigestState,
  username: string,
  password: string,
  method: string,
  uri: string,
): string {
  const p = state.params;
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const qop = (p.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const quote = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const fields = [
    `username="${quote(username)}"`,
    `realm="${quote(realm)}"`,
    `nonce="${quote(nonce)}"`,
    `uri="${quote(uri)}"`,
    'algorithm=MD5',
  ];
  if (qop) {
    state.nc += 1;
    const nc = state.nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    fields.push(
      `qop=auth`,
      `nc=${nc}`,
      `cnonce="${cnonce}"`,
      `response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`,
    );
  } else {
    fields.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  const opaque = p.get('opaque');
  if (opaque !== undefined) fields.push(`opaque="${quote(opaque)}"`);
  return `Digest ${fields.join(', ')}`;
}

function digestChallenge(answer: CameraHttpAnswer): Map<string, string> | undefined {
  const raw = answer.headers['www-authenticate'];
  const all = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const digest = all.flatMap((h) => h.split(/,(?=\s*(?:Digest|Basic)\s)/i)).find((h) => /^\s*Digest\s/i.test(h));
  return digest ? digestParams(digest.trim().slice(7)) : undefined;
}

export interface SoapCallOptions {
  /** Deadline of this call, ms. */
  deadlineMs: number;
  /** Send credentials (default true). GetSystemDateAndTime goes without. */
  auth?: boolean;
}

export interface SoapCredentials {
  username: string;
  password: string;
}

export class SoapClient {
  /** Camera clock minus ours, ms; WS-Security stamps are made on the camera's clock. */
  clockOffsetMs = 0;
  /** Set once the camera asked for HTTP Digest: later calls use it directly. */
  private digest: DigestState | undefined;
  private digestTurn: Promise<unknown> = Promise.resolve();

  constructor(
    /** host:port for messages (never credentials). */
    readonly camera: string,
    private readonly credentials: SoapCredentials,
  ) {}

  get usesHttpDigest(): boolean {
    return this.digest !== undefined;
  }

  /**
   * Calls one operation; `body` is the operation element with its namespace.
   * Returns the `<Operation>Response` element in the library's shape.
   */
  async call(xaddr: string, operation: string, body: string, options: SoapCallOptions): Promise<unknown> {
    // HTTP Digest: one call at a time, so the nonce counter reaches the camera in order.
    if (this.digest) {
      const turn = this.digestTurn.then(() => this.exchange(xaddr, operation, body, options));
      this.digestTurn = turn.catch(() => undefined);
      return turn;
    }
    return this.exchange(xaddr, operation, body, options);
  }

  private async exchange(xaddr: string, operation: string, body: string, options: SoapCallOptions): Promise<unknown> {
    const ctx: OnvifErrorContext = { camera: this.camera, operation };
    const url = new URL(xaddr);
    const withAuth = options.auth ?? true;
    const signal = AbortSignal.timeout(options.deadlineMs);
    try {
      const sentWithDigest = withAuth && this.digest !== undefined;
      let answer = await this.send(url, body, withAuth, signal);
      if (answer.status === 401) {
        const challenge = digestChallenge(answer);
        if (!challenge || this.credentials.username === '') {
          throw onvifError('auth_failed', ctx, 'the camera refused the username or password (HTTP 401)');
        }
        // Digest only (or a fresh nonce): answer the challenge once.
        const stale = /true/i.test(challenge.get('stale') ?? '');
        if (sentWithDigest && !stale)
          throw onvifError('auth_failed', ctx, 'the camera refused the username or password (HTTP Digest)');
        this.digest = { params: challenge, nc: 0 };
        answer = await this.send(url, body, true, signal);
        if (answer.status === 401)
          throw onvifError('auth_failed', ctx, 'the camera refused the username or password (HTTP Digest)');
      }
      return this.read(answer, operation, ctx);
    } catch (err) {
      if (signal.aborted) throw timeoutError(ctx, options.deadlineMs);
      throw mapLibraryError(err, undefined, ctx);
    }
  }

  private send(url: URL, body: string, withAuth: boolean, signal: AbortSignal): Promise<CameraHttpAnswer> {
    const { username, password } = this.credentials;
    const headers: Record<string, string> = { 'Content-Type': 'application/soap+xml; charset=utf-8' };
    let header = '';
    if (withAuth && this.digest) {
      headers.Authorization = digestAuthorization(this.digest, username, password, 'POST', url.pathname + url.search);
    } else if (withAuth) {
      header = securityHeader(username, password, Date.now() + this.clockOffsetMs);
    }
    return cameraHttp(url, { method: 'POST', headers, body: envelope(body, header), signal });
  }

  private read(answer: CameraHttpAnswer, operation: string, ctx: OnvifErrorContext): unknown {
    if (answer.status === 503 || answer.status === 429) {
      throw onvifError('busy', ctx, `the camera is busy (HTTP ${answer.status}: too many clients, or starting up)`);
    }
    const body = soapBody(answer.body);
    if (!body) {
      const html = /<html|<!doctype html/i.test(answer.body);
      throw onvifError(
        'not_onvif',
        ctx,
        html
          ? `the port answers with a web page (HTTP ${answer.status}), not ONVIF SOAP`
          : `the answer is not a SOAP envelope (HTTP ${answer.status})`,
      );
    }
    if ('fault' in body) throw faultError(answer.body, ctx);
    const response = body[lowerFirst(`${operation}Response`)];
    if (response === undefined) {
      const got = Object.keys(body)[0];
      throw onvifError(
        'camera_fault',
        ctx,
        `the camera answered ${got ? `<${got}>` : 'an empty body'} instead of ${operation}Response`,
      );
    }
    return response === '' ? {} : response;
  }
}

function faultError(xml: string, ctx: OnvifErrorContext): OnvifError {
  const fault = parseSoapFault(xml) ?? { codes: [], reason: '' };
  // The same mapping the library's faults get (NotAuthorized, ActionNotSupported, …).
  return mapLibraryError(new Error(`ONVIF SOAP Fault: ${fault.reason}`), xml, ctx);
}
