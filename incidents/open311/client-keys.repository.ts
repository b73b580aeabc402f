import type { DbClient } from '../../platform/db/pool.js';

export interface Open311Client {
  id: number;
  name: string;
  townId: number | null;
  townCode: string | null;
  townName: string | null;
  disabled: boolean;
  createdAt: Date;
}

const SELECT = `SELECT c.id, c.name, c.town_id AS "townId", a.code AS "townCode", a.name AS "townName", c.disabled, c.created_at AS "createdAt"
  FROM open311_clients c LEFT JOIN areas a ON a.id = c.town_id`;

/** Keys of Open311 clients; only a SHA-256 of each key is stored. */
export class ClientKeysRepository {
  constructor(private readonly db: DbClient) {}

  async insert(name: string, keyHash: Buffer, townId: number | null): Promise<Open311Client> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO open311_clients (name, key_hash, town_id) VALUES ($1, $2, $3) RETURNING id`,
      [name, keyHash, townId],
    );
    return (await this.find(rows[0]!.id))!;
  }

  async find(id: number): Promise<Open311Client | null> {
    const { rows } = await this.db.query<Open311Client>(`${SELECT} WHERE c.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async byHash(keyHash: Buffer): Promise<Open311Client | null> {
    const { rows } = await this.db.query<Open311Client>(`${SELECT} WHERE c.key_hash = $1`, [keyHash]);
    return rows[0] ?? null;
  }

  async list(): Promise<Open311Client[]> {
    const { rows } = await this.db.query<Open311Client>(`${SELECT} ORDER BY c.id`);
    return rows;
  }

  async disable(id: number): Promise<Open311Client | null> {
    await this.db.query(`UPDATE open311_clients SET disabled = true WHERE id = $1`, [id]);
    return this.find(id);
  }

  async townByCode(code: string): Promise<{ id: number; code: string; name: string } | null> {
    const { rows } = await this.db.query<{ id: number; code: string; name: string }>(
      `SELECT id, code, name FROM areas WHERE code = $1 AND level = 'town'`,
      [code],
    );
    return rows[0] ?? null;
  }
}
