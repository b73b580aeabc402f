// Who a phone is: its device id, person and town, looked up by what it sends (its
// identifier, or its token for the batch API). Cached because every fix asks; a
// change made here drops the entry at once, other instances see it within the TTL.
import { LRUCache } from 'lru-cache';
import type { Db } from '../server/db/pool.js';
import { hashDeviceToken } from '../people/device-tokens.js';

export interface KnownDevice {
  deviceId: number;
  identifier: string;
  personId: number;
  townId: number;
  disabled: boolean;
}

interface Row {
  device_id: number;
  identifier: string;
  person_id: number;
  town_id: number;
  disabled: boolean;
}

const TTL_MS = 30_000;
const SELECT = `SELECT d.id AS device_id, d.identifier, d.person_id, p.town_id, d.disabled FROM devices d JOIN people p ON p.id = d.person_id`;

export class DeviceDirectory {
  // `null` caches "no such device" too, so a flood of unknown ids does not reach PostgreSQL.
  private readonly byIdentifier = new LRUCache<string, KnownDevice | 'none'>({ max: 200_000, ttl: TTL_MS });
  private readonly byToken = new LRUCache<string, KnownDevice | 'none'>({ max: 200_000, ttl: TTL_MS });

  constructor(private readonly db: Db) {}

  async byIdentifierRef(identifier: string): Promise<KnownDevice | null> {
    const cached = this.byIdentifier.get(identifier);
    if (cached !== undefined) return cached === 'none' ? null : cached;
    const { rows } = await this.db.query<Row>(`${SELECT} WHERE d.identifier = $1`, [identifier]);
    const found = rows[0] ? this.toDevice(rows[0]) : null;
    this.byIdentifier.set(identifier, found ?? 'none');
    return found;
  }

  async byTokenValue(token: string): Promise<KnownDevice | null> {
    const hash = hashDeviceToken(token).toString('base64');
    const cached = this.byToken.get(hash);
    if (cached !== undefined) return cached === 'none' ? null : cached;
    const { rows } = await this.db.query<Row>(`${SELECT} WHERE d.token_hash = $1`, [Buffer.from(hash, 'base64')]);
    const found = rows[0] ? this.toDevice(rows[0]) : null;
    this.byToken.set(hash, found ?? 'none');
    return found;
  }

  /** Loads every device in one query (at start, so the first fixes do not wait). */
  async warm(): Promise<number> {
    const { rows } = await this.db.query<Row>(SELECT);
    for (const r of rows) this.byIdentifier.set(r.identifier, this.toDevice(r));
    return rows.length;
  }

  forget(): void {
    this.byIdentifier.clear();
    this.byToken.clear();
  }

  private toDevice(r: Row): KnownDevice {
    return { deviceId: r.device_id, identifier: r.identifier, personId: r.person_id, townId: r.town_id, disabled: r.disabled };
  }
}
