// A JPEG from the camera's snapshot URI. Cameras protect it with HTTP Digest (most)
// or Basic; both are answered here. Only video/ talks to cameras.
import { createHash, randomBytes } from 'node:crypto';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function digestHeader(challenge: string, method: string, uri: URL, username: string, password: string): string {
  const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm') ?? '';
  const nonce = field('nonce') ?? '';
  const qop = field('qop')?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const opaque = field('opaque');
  const path = uri.pathname + uri.search;
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${path}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return [
    `Digest username="${username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${path}"`, `response="${response}"`,
    ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(opaque ? [`opaque="${opaque}"`] : []),
  ].join(', ');
}

export class SnapshotError extends Error {}

export async function fetchSnapshot(uri: string, username: string, password: string, timeoutMs: number): Promise<Buffer> {
  const url = new URL(uri);
  const get = (authorization?: string) =>
    fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(timeoutMs) });
  let res = await get(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  const challenge = res.headers.get('www-authenticate');
  if (res.status === 401 && challenge?.toLowerCase().startsWith('digest')) {
    await res.arrayBuffer();
    res = await get(digestHeader(challenge, 'GET', url, username, password));
  }
  if (res.status === 401) throw new SnapshotError('the camera refused the credentials for its snapshot');
  if (!res.ok) throw new SnapshotError(`the snapshot URI answered HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  // A JPEG starts with FF D8 FF.
  if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) throw new SnapshotError('the snapshot is not a JPEG');
  return body;
}
