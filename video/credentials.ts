// Camera passwords at rest: AES-256-GCM with the key from SECRET_KEY. They are
// decrypted only to talk to the camera, never returned by the API, never logged.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class CredentialBox {
  private readonly key: Buffer;

  constructor(hexKey: string) {
    this.key = Buffer.from(hexKey, 'hex');
    if (this.key.length !== 32) throw new Error('SECRET_KEY must be 32 bytes (64 hex characters)');
  }

  seal(secret: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** What a password inside a stored URI's query string is replaced by (the masked form). */
export const PASSWORD_SLOT = '***';

const QUERY_PARAM = /([?&][^=&#]+=)([^&#]*)/g;

function decoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Some cameras report URIs that carry the password in the query string (Foscam's
 * snapshot CGI: `?cmd=snapPicture2&usr=admin&pwd=…`). Such a URI is stored, shown and
 * logged with the value replaced by *** and filled in again only to connect, so the
 * password stays sealed at rest and a changed password is picked up.
 */
export function withoutPassword(uri: string, password: string): string {
  if (!password) return uri;
  let out = uri.replace(QUERY_PARAM, (whole, name: string, value: string) =>
    value && decoded(value) === password ? `${name}${PASSWORD_SLOT}` : whole,
  );
  // Xiongmai firmwares put the login into the path: …/user=admin_password=SECRET_channel=1_stream=0.sdp
  for (const form of new Set([password, encodeURIComponent(password)]))
    out = out.split(`_password=${form}_`).join(`_password=${PASSWORD_SLOT}_`);
  return out;
}

/** The stored URI with the password put back where withoutPassword() took it out. */
export function withPassword(uri: string, password: string): string {
  return uri
    .replace(QUERY_PARAM, (whole, name: string, value: string) =>
      value === PASSWORD_SLOT ? `${name}${encodeURIComponent(password)}` : whole,
    )
    .split(`_password=${PASSWORD_SLOT}_`)
    .join(`_password=${encodeURIComponent(password)}_`);
}

/** rtsp://host/path → rtsp://user:pass@host/path, for ffmpeg only. */
export function withCredentials(uri: string, username: string, password: string): string {
  let url: URL;
  try {
    url = new URL(withPassword(uri, password));
  } catch {
    // Node's TypeError carries the input (the password filled in) as a property, which
    // the error log would print; this one names the stored URI only.
    throw new Error(`the camera's URI is not a valid URL: ${uri}`);
  }
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return url.toString();
}
