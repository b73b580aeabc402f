// API keys of Open311 clients (the 12345 hotline's system, a citizen app): made by an
// admin, shown once, stored as a SHA-256 hash, disabled rather than deleted so that the
// reports they sent keep their author.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/pool.js';
import { Forbidden, NotFound, Unprocessable } from '../../platform/errors.js';
import type { AuthContext } from '../../platform/auth/auth-context.js';
import { ClientKeysRepository, type Open311Client } from './client-keys.repository.js';

const KEY_PREFIX = 'o311_';

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export class ClientKeysService {
  constructor(private readonly db: Db) {}

  /** A key that may report anywhere (no town) is only for an admin of every town to make. */
  async create(auth: AuthContext, name: string, townCode: string | null): Promise<Open311Client & { apiKey: string }> {
    const repo = new ClientKeysRepository(this.db);
    let townId: number | null = null;
    if (townCode) {
      const town = await repo.townByCode(townCode);
      if (!town) throw new Unprocessable(`No town has the code ${townCode}`, { field: 'townCode' }, 'unknown_town');
      auth.assertTown(town.id, `town ${townCode}`);
      townId = town.id;
    } else if (auth.townFilter !== null) {
      throw new Forbidden('A key for every town is only for an admin of every town: give townCode');
    }
    const apiKey = KEY_PREFIX + randomBytes(24).toString('base64url');
    const client = await repo.insert(name, hashKey(apiKey), townId);
    return { ...client, apiKey };
  }

  /** The clients of the caller's towns (all of them for an admin of every town). */
  async list(auth: AuthContext): Promise<Open311Client[]> {
    return (await new ClientKeysRepository(this.db).list()).filter((c) => mayManage(auth, c));
  }

  async disable(auth: AuthContext, id: number): Promise<Open311Client> {
    const repo = new ClientKeysRepository(this.db);
    const found = await repo.find(id);
    if (!found || !mayManage(auth, found)) throw new NotFound(`Open311 client ${id}`);
    return (await repo.disable(id))!;
  }

  /** The enabled client a key belongs to, or null for a missing, unknown or disabled key. */
  async authenticate(apiKey: string | undefined): Promise<Open311Client | null> {
    if (!apiKey || !apiKey.startsWith(KEY_PREFIX) || apiKey.length > 200) return null;
    const client = await new ClientKeysRepository(this.db).byHash(hashKey(apiKey));
    return client && !client.disabled ? client : null;
  }
}

const mayManage = (auth: AuthContext, client: Open311Client): boolean =>
  client.townId === null ? auth.townFilter === null : auth.canAccessTown(client.townId);
