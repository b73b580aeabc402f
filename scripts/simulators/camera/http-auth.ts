// HTTP Digest (RFC 7616, MD5, qop=auth) and Basic authentication, used for the
// snapshot URL and as the alternative to WS-Security on SOAP calls, the way
// Hikvision/Dahua firmwares accept both.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Credentials } from './soap/ws-security.js';

const NONCE_LIFETIME_MS = 5 * 60_000;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** key="value" and key=value pairs of a Digest Authorization header. */
export function parseAuthParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of header.matchAll(/([a-zA-Z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    const key = m[1];
    if (key) params.set(key.toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return params;
}

export class HttpAuth {
  /** Nonces are signed timestamps, so no per-client state is kept. */
  private readonly secret = randomBytes(16);

  constructor(
    private readonly realm: string,
    private readonly credentials: () => Credentials,
  ) {}

  /** WWW-Authenticate header values for a 401 reply. */
  challenges(): string[] {
    const issued = Date.now().toString(16);
    const nonce = `${issued}${createHmac('sha256', this.secret).update(issued).digest('hex').slice(0, 24)}`;
    return [
      `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=MD5, stale="FALSE"`,
      `Basic realm="${this.realm}"`,
    ];
  }

  /** True when the request carries valid Digest or Basic credentials. */
  verify(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (!header) return false;
    const { username, password } = this.credentials();
    if (/^Basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      return sameText(decoded, `${username}:${password}`);
    }
    if (!/^Digest /i.test(header)) return false;
    const p = parseAuthParams(header.slice(7));
    const nonce = p.get('nonce') ?? '';
    if (p.get('username') !== username || p.get('realm') !== this.realm || !this.nonceIsFresh(nonce)) return false;
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${req.method ?? 'GET'}:${p.get('uri') ?? ''}`);
    const qop = p.get('qop');
    const expected = qop
      ? md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    return sameText(expected, p.get('response') ?? '');
  }

  private nonceIsFresh(nonce: string): boolean {
    const m = /^([0-9a-f]+)([0-9a-f]{24})$/.exec(nonce);
    if (!m || !m[1] || !m[2]) return false;
    const signature = createHmac('sha256', this.secret).update(m[1]).digest('hex').slice(0, 24);
    return sameText(signature, m[2]) && Date.now() - parseInt(m[1], 16) < NONCE_LIFETIME_MS;
  }
}
