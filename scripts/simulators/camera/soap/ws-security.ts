// WS-Security UsernameToken checks, as ONVIF devices do them (ONVIF Core 5.12):
//   PasswordDigest = base64(sha1(nonce bytes + Created + password))
// The Created timestamp must be close to the *camera's* clock, which is why
// clients read GetSystemDateAndTime first, and a nonce may be used only once.
import { createHash, timingSafeEqual } from 'node:crypto';
import { attr, child, text, type XmlValue } from './xml.js';

const PASSWORD_TEXT = '#PasswordText';

export interface Credentials {
  username: string;
  password: string;
}

export type TokenCheck =
  | { kind: 'absent' }
  | { kind: 'valid' }
  | { kind: 'invalid'; why: 'malformed' | 'unknown-user' | 'bad-password' | 'stale-created' | 'replayed-nonce' };

export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1')
    .update(
      Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]),
    )
    .digest('base64');
}

/** Remembers nonces for as long as their Created stamp could still be accepted. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /** True the first time a nonce is offered, false on replay. */
  remember(nonce: string, nowMs: number, keepMs: number): boolean {
    for (const [n, expires] of this.seen) {
      if (expires <= nowMs) this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, nowMs + keepMs);
    return true;
  }
}

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Checks the Security header of a request.
 * @param cameraNowMs the camera's clock (with its offset), not the host's
 * @param maxSkewMs how far Created may be from the camera clock
 */
export function checkUsernameToken(
  header: XmlValue | undefined,
  credentials: Credentials,
  cameraNowMs: number,
  maxSkewMs: number,
  nonces: NonceCache,
): TokenCheck {
  const security = child(header, 'Security');
  if (security === undefined) return { kind: 'absent' };
  const token = child(security, 'UsernameToken');
  const username = text(child(token, 'Username'));
  const passwordNode = child(token, 'Password');
  const password = text(passwordNode);
  if (!username || password === undefined) return { kind: 'invalid', why: 'malformed' };
  if (username !== credentials.username) return { kind: 'invalid', why: 'unknown-user' };

  // Some cheap clients send the plain password; cameras accept it.
  if ((attr(passwordNode, 'Type') ?? '').endsWith(PASSWORD_TEXT)) {
    return sameText(password, credentials.password) ? { kind: 'valid' } : { kind: 'invalid', why: 'bad-password' };
  }

  const nonce = text(child(token, 'Nonce'));
  const created = text(child(token, 'Created'));
  if (!nonce || !created) return { kind: 'invalid', why: 'malformed' };
  if (!sameText(passwordDigest(nonce, created, credentials.password), password)) {
    return { kind: 'invalid', why: 'bad-password' };
  }
  const createdMs = Date.parse(created);
  if (Number.isNaN(createdMs) || Math.abs(createdMs - cameraNowMs) > maxSkewMs) {
    return { kind: 'invalid', why: 'stale-created' };
  }
  if (!nonces.remember(nonce, cameraNowMs, 2 * maxSkewMs)) return { kind: 'invalid', why: 'replayed-nonce' };
  return { kind: 'valid' };
}
