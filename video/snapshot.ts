// A JPEG from the camera's snapshot URI. Cameras protect it with HTTP Digest (most)
// or Basic; both are answered here. Only video/ talks to cameras.
import { createHash, randomBytes } from 'node:crypto';
import { cameraNetworks } from './camera-network.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function digestHeader(challenge: string, method: string, uri: URL, username: string, password: string): string {
  const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm') ?? '';
  const nonce = field('nonce') ?? '';
  const qop = field('qop')
    ?.split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const opaque = field('opaque');
  const path = uri.pathname + uri.search;
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${path}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return [
    `Digest username="${username}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${path}"`,
    `response="${response}"`,
    ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(opaque ? [`opaque="${opaque}"`] : []),
  ].join(', ');
}

export class SnapshotError extends Error {}

/** A camera's JPEG is well under this; more is a broken or hostile device. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

/** Reads a body up to `max` bytes; beyond, the request is cut. */
async function readBounded(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new SnapshotError(`the snapshot is larger than ${max} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new SnapshotError(`the snapshot is larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * GETs the snapshot URI: only on the camera's own host or the camera networks, no
 * redirect followed, credentials sent only in answer to the camera's challenge (Digest,
 * or Basic when that is all it asks for), the answer read up to MAX_SNAPSHOT_BYTES.
 */
export async function fetchSnapshot(
  uri: string,
  username: string,
  password: string,
  timeoutMs: number,
  ownHosts: readonly string[] = [],
): Promise<Buffer> {
  const url = new URL(uri);
  if (!/^https?:$/.test(url.protocol)) throw new SnapshotError('the snapshot URI is not HTTP');
  if (!cameraNetworks().allowsReported(uri, ownHosts))
    throw new SnapshotError('the snapshot URI is off the camera and outside the camera networks; not fetched');
  // The URI may carry a password the camera put in its query: it stays in the URL, never in a header unasked.
  const get = (authorization?: string) =>
    fetch(url, {
      headers: authorization ? { authorization } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  let res = await get();
  if (res.status === 401) {
    const challenge = res.headers.get('www-authenticate') ?? '';
    await res.body?.cancel();
    if (/^digest/i.test(challenge)) res = await get(digestHeader(challenge, 'GET', url, username, password));
    else if (/^basic/i.test(challenge))
      res = await get(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
    else throw new SnapshotError('the camera asked for credentials in a way this server does not speak');
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new SnapshotError(`the snapshot URI redirects (HTTP ${res.status}); redirects are not followed`);
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new SnapshotError('the camera refused the credentials for its snapshot');
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new SnapshotError(`the snapshot URI answered HTTP ${res.status}`);
  }
  const body = await readBounded(res, MAX_SNAPSHOT_BYTES);
  // A JPEG starts with FF D8 FF.
  if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) throw new SnapshotError('the snapshot is not a JPEG');
  return body;
}
