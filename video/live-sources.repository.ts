// The live_sources table: streams pushed to us over RTMP, each with its secret stream key.
import type { Db } from '../platform/db/pool.js';

export interface LiveSourceRow {
  id: number;
  townId: number;
  name: string;
  streamKey: string;
  liveSince: Date | null;
  createdAt: Date;
}

const SELECT = `SELECT id, town_id AS "townId", name, stream_key AS "streamKey", live_since AS "liveSince", created_at AS "createdAt" FROM live_sources`;

export class LiveSourcesRepository {
  constructor(private readonly db: Db) {}

  async keyExists(streamKey: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM live_sources WHERE stream_key = $1', [streamKey]);
    return rows.length > 0;
  }

  /** Marks the source pushing (since now) or not. */
  async setLive(streamKey: string, live: boolean): Promise<void> {
    await this.db.query(`UPDATE live_sources SET live_since = ${live ? 'now()' : 'NULL'} WHERE stream_key = $1`, [
      streamKey,
    ]);
  }

  async insert(townId: number, name: string, streamKey: string, createdBy: number): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO live_sources (town_id, name, stream_key, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
      [townId, name, streamKey, createdBy],
    );
    return rows[0]!.id;
  }

  /** Newest first; `townIds` null: every town. */
  async list(townIds: readonly number[] | null): Promise<LiveSourceRow[]> {
    const { rows } = await this.db.query<LiveSourceRow>(
      `${SELECT} WHERE $1::bigint[] IS NULL OR town_id = ANY($1) ORDER BY id DESC`,
      [townIds],
    );
    return rows;
  }

  async find(id: number): Promise<LiveSourceRow | null> {
    const { rows } = await this.db.query<LiveSourceRow>(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }
}
