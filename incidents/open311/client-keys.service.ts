// API keys of Open311 clients (the 12345 hotline's system, a citizen app): made by an
// admin, shown once, stored as a SHA-256 hash, disabled rather than deleted so that the
// reports they sent keep their author.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../server/db/pool.js';
import { NotFound, Unprocessable } from '../../server/errors.js';
import { ClientKeysRepository, type Open311Client } from './client-keys.repository.js';

const KEY_PREFIX = 'o311_';

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export class ClientKeysService {
  constructor(private readonly db: Db) {}

  async create(name: string, townCode: string | null): Promise<Open311Client & { apiKey: string }> {
    const repo = new ClientKeysRepository(this.db);
    let townId: number | null = null;
    if (townCode) {
      const town = await repo.townByCode(townCode);
      if (!town) throw new Unprocessable(`No town has the code ${townCode}`, { field: 'townCode' }, 'unknown_town');
      townId = town.id;
    }
    const apiKey = KEY_PREFIX + randomBytes(24).toString('base64url');
    const client = await repo.insert(name, hashKey(apiKey), townId);
    return { ...client, apiKey };
  }

  list(): Promise<Open311Client[]> {
    return new ClientKeysRepository(this.db).list();
  }

  async disable(id: number): Promise<Open311Client> {
    const client = await new ClientKeysRepository(this.db).disable(id);
    if (!client) throw new NotFound(`Open311 client ${id}`);
    return client;
  }

  /** The enabled client a key belongs to, or null for a missing, unknown or disabled key. */
  async authenticate(apiKey: string | undefined): Promise<Open311Client | null> {
    if (!apiKey || !apiKey.startsWith(KEY_PREFIX) || apiKey.length > 200) return null;
    const client = await new ClientKeysRepository(this.db).byHash(hashKey(apiKey));
    return client && !client.disabled ? client : null;
  }
}
