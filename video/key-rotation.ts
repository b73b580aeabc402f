// Re-seals every camera password (retired cameras' too) under a new SECRET_KEY, in one
// transaction: either every row opens under the new key afterwards or nothing changed.
// A row that already opens under the new key is left alone, so an interrupted or
// repeated run is harmless; a row that opens under neither key stops the whole run.
import { createHash } from 'node:crypto';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { SecurityLogRepository } from '../platform/auth/security-log.repository.js';
import { CredentialBox } from './credentials.js';

export interface RotationResult {
  resealed: number;
  alreadyNew: number;
  /** sha256 of the new key, first 12 hex: names the key in the log without revealing it. */
  newKeyFingerprint: string;
}

export class KeyRotationError extends Error {}

export function keyFingerprint(hexKey: string): string {
  return createHash('sha256').update(Buffer.from(hexKey, 'hex')).digest('hex').slice(0, 12);
}

function opens(box: CredentialBox, sealed: Buffer): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

export async function rotateSecretKey(db: Db, oldHexKey: string, newHexKey: string): Promise<RotationResult> {
  if (oldHexKey.toLowerCase() === newHexKey.toLowerCase()) throw new KeyRotationError('the new key is the current key');
  const oldBox = new CredentialBox(oldHexKey);
  const newBox = new CredentialBox(newHexKey);
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: number; password_enc: Buffer }>(
      'SELECT id, password_enc FROM cameras ORDER BY id FOR UPDATE',
    );
    const ids: number[] = [];
    const sealed: Buffer[] = [];
    const unreadable: number[] = [];
    let alreadyNew = 0;
    for (const row of rows) {
      if (opens(newBox, row.password_enc)) {
        alreadyNew++;
        continue;
      }
      let password: string;
      try {
        password = oldBox.open(row.password_enc);
      } catch {
        unreadable.push(row.id);
        continue;
      }
      ids.push(row.id);
      sealed.push(newBox.seal(password));
    }
    if (unreadable.length) {
      throw new KeyRotationError(
        `the credentials of camera${unreadable.length > 1 ? 's' : ''} ${unreadable.join(', ')} open under neither the current nor the new key; nothing was changed`,
      );
    }
    if (ids.length) {
      await tx.query(
        'UPDATE cameras c SET password_enc = u.sealed FROM unnest($1::bigint[], $2::bytea[]) AS u(id, sealed) WHERE c.id = u.id',
        [ids, sealed],
      );
    }
    const result = { resealed: ids.length, alreadyNew, newKeyFingerprint: keyFingerprint(newHexKey) };
    await new SecurityLogRepository(tx).insert({
      kind: 'secret_key.rotated',
      actorId: null,
      actorName: 'rotate-key',
      ip: null,
      townIds: [],
      subject: 'SECRET_KEY',
      details: { ...result, oldKeyFingerprint: keyFingerprint(oldHexKey) },
    });
    return result;
  });
}
