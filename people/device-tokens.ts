import { createHash, randomBytes } from 'node:crypto';

/** A device's secret for the batch API: shown once, stored only as its hash. */
export function newDeviceToken(): { token: string; hash: Buffer } {
  const token = `dev_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashDeviceToken(token) };
}

export function hashDeviceToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * An OsmAnd identifier nobody can guess (96 random bits, lowercase hex so it is easy to
 * type into the phone): anyone who knows a phone's identifier can move its gridworker.
 */
export function newDeviceIdentifier(): string {
  return `wg${randomBytes(12).toString('hex')}`;
}
