// Who a phone is: its device id, person and town, looked up by what it sends (its
// identifier, or its token for the batch API). Cached because every fix asks; a
// change made here drops the entries at once, other instances see it within the TTL.
//
// Every device is read in one query (at start, after a change, and when entries age
// past the TTL), never one by one in a wave: 10,000 phones expiring together would
// otherwise be 10,000 queries queued in front of the position writer.
import { LRUCache } from 'lru-cache';
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import { hashDeviceToken } from '../people/module.js';

const log = moduleLogger('device-directory');

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

/** `device: null` remembers "no such device" too, so a flood of unknown ids does not reach PostgreSQL. */
interface Entry {
  device: KnownDevice | null;
  readAt: number;
}

const TTL_MS = 30_000;
const COLUMNS = 'd.id AS device_id, d.identifier, d.person_id, p.town_id, d.disabled';
const SELECT = `SELECT ${COLUMNS} FROM devices d JOIN people p ON p.id = d.person_id`;
const SELECT_ALL = `SELECT ${COLUMNS}, d.token_hash FROM devices d JOIN people p ON p.id = d.person_id`;

export class DeviceDirectory {
  private readonly byIdentifier = new LRUCache<string, Entry>({ max: 200_000 });
  private readonly byToken = new LRUCache<string, Entry>({ max: 200_000 });
  /** The reading of every device, while one is under way. */
  private reloading: Promise<void> | null = null;

  constructor(private readonly db: Db) {}

  async byIdentifierRef(identifier: string): Promise<KnownDevice | null> {
    return this.lookup(this.byIdentifier, identifier, async () => {
      const { rows } = await this.db.query<Row>(`${SELECT} WHERE d.identifier = $1`, [identifier]);
      return rows[0] ? this.toDevice(rows[0]) : null;
    });
  }

  async byTokenValue(token: string): Promise<KnownDevice | null> {
    const hash = hashDeviceToken(token);
    return this.lookup(this.byToken, hash.toString('base64'), async () => {
      const { rows } = await this.db.query<Row>(`${SELECT} WHERE d.token_hash = $1`, [hash]);
      return rows[0] ? this.toDevice(rows[0]) : null;
    });
  }

  /** Reads every device in one query; cached devices that are gone are dropped. */
  async warm(): Promise<number> {
    const started = Date.now();
    const { rows } = await this.db.query<Row & { token_hash: Buffer | null }>(SELECT_ALL);
    const readAt = Date.now();
    for (const r of rows) {
      const device = this.toDevice(r);
      this.byIdentifier.set(r.identifier, { device, readAt });
      if (r.token_hash) this.byToken.set(r.token_hash.toString('base64'), { device, readAt });
    }
    for (const cache of [this.byIdentifier, this.byToken]) {
      const gone = [...cache.entries()].filter(([, e]) => e.device !== null && e.readAt < started).map(([key]) => key);
      for (const key of gone) cache.delete(key);
    }
    return rows.length;
  }

  /** After a change to people or devices here: nothing cached is trusted until all are read again. */
  forget(): void {
    this.byIdentifier.clear();
    this.byToken.clear();
    // A reading already under way may predate the change: read again after it.
    const before = this.reloading;
    this.reloading = null;
    this.reloadAll(before);
  }

  private async lookup(
    cache: LRUCache<string, Entry>,
    key: string,
    readOne: () => Promise<KnownDevice | null>,
  ): Promise<KnownDevice | null> {
    let entry = cache.get(key);
    if (entry && Date.now() - entry.readAt > TTL_MS) {
      // A known device is served as it was while all are read again; an unknown one is asked about again.
      if (entry.device) this.reloadAll();
      else entry = undefined;
    }
    if (!entry && this.reloading) {
      await this.reloading;
      entry = cache.get(key);
    }
    if (entry) return entry.device;
    const device = await readOne();
    cache.set(key, { device, readAt: Date.now() });
    return device;
  }

  private reloadAll(after: Promise<void> | null = null): void {
    if (this.reloading) return;
    const reloading: Promise<void> = (after ?? Promise.resolve())
      .then(() => this.warm())
      .then(
        () => undefined,
        (err: unknown) => log.warn({ err }, 'reading the devices failed'),
      )
      .finally(() => {
        if (this.reloading === reloading) this.reloading = null;
      });
    this.reloading = reloading;
  }

  private toDevice(r: Row): KnownDevice {
    return {
      deviceId: r.device_id,
      identifier: r.identifier,
      personId: r.person_id,
      townId: r.town_id,
      disabled: r.disabled,
    };
  }
}
