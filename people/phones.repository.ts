// SQL of the phones as things to administer: who carries which, when it last reported a
// fix and which app version last spoke, a new token for a phone.
import type { DbClient } from '../platform/db/pool.js';

export interface PhoneRow {
  id: number;
  identifier: string;
  name: string;
  disabled: boolean;
  createdAt: Date;
  personId: number;
  personName: string;
  townId: number;
  appVersion: string | null;
  appSeenAt: Date | null;
  /** The person's latest fix, when it came from this phone. */
  lastFixAt: Date | null;
}

export class PhonesRepository {
  constructor(private readonly db: DbClient) {}

  async list(townIds: number[] | null): Promise<PhoneRow[]> {
    const { rows } = await this.db.query<PhoneRow>(
      `SELECT d.id, d.identifier, d.name, d.disabled, d.created_at AS "createdAt", p.id AS "personId",
              p.name AS "personName", p.town_id AS "townId", d.app_version AS "appVersion",
              d.app_seen_at AS "appSeenAt", cp.fix_time AS "lastFixAt"
         FROM devices d JOIN people p ON p.id = d.person_id
         LEFT JOIN current_positions cp ON cp.person_id = p.id AND cp.device_id = d.id
        WHERE $1::bigint[] IS NULL OR p.town_id = ANY ($1)
        ORDER BY GREATEST(cp.fix_time, d.app_seen_at) DESC NULLS LAST, d.id`,
      [townIds],
    );
    return rows;
  }

  async owner(id: number): Promise<{ personId: number; townId: number } | null> {
    const { rows } = await this.db.query<{ personId: number; townId: number }>(
      'SELECT d.person_id AS "personId", p.town_id AS "townId" FROM devices d JOIN people p ON p.id = d.person_id WHERE d.id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  /** A new token; the old one stops working, and the phone is enabled again. */
  async replaceToken(id: number, hash: Buffer): Promise<void> {
    await this.db.query('UPDATE devices SET token_hash = $2, disabled = false WHERE id = $1', [id, hash]);
  }

  async sawApp(id: number, version: string | null, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE devices SET app_version = COALESCE($2, app_version), app_seen_at = $3::timestamptz
        WHERE id = $1 AND (app_seen_at IS NULL OR app_seen_at < $3::timestamptz - interval '30 seconds' OR app_version IS DISTINCT FROM COALESCE($2, app_version))`,
      [id, version, at],
    );
  }
}
