// SQL of saved walls and each operator's last wall.
import type { Db } from '../../platform/db/pool.js';

export interface WallInput {
  name: string;
  layout: string;
  cameraIds: (number | null)[];
  rotateS: number | null;
  screens: number;
}

export interface Wall extends WallInput {
  id: number;
  revision: number;
  updatedAt: Date;
}

export interface LastWall {
  layout: string;
  cameraIds: (number | null)[];
  rotateS: number | null;
  wallId: number | null;
}

const COLUMNS = `id::int, name, layout, camera_ids::int[] AS "cameraIds", rotate_s AS "rotateS", screens, revision, updated_at AS "updatedAt"`;

export class WallsRepository {
  constructor(private readonly db: Db) {}

  async list(accountId: number): Promise<Wall[]> {
    return (
      await this.db.query<Wall>(`SELECT ${COLUMNS} FROM video_walls WHERE account_id = $1 ORDER BY name`, [accountId])
    ).rows;
  }

  async find(accountId: number, id: number): Promise<Wall | undefined> {
    return (
      await this.db.query<Wall>(`SELECT ${COLUMNS} FROM video_walls WHERE account_id = $1 AND id = $2`, [accountId, id])
    ).rows[0];
  }

  /** null when the name is taken by another of the operator's walls. */
  async save(accountId: number, input: WallInput, id?: number): Promise<Wall | null | undefined> {
    const params = [accountId, input.name, input.layout, input.cameraIds, input.rotateS, input.screens];
    const sql = id
      ? `UPDATE video_walls SET name = $2, layout = $3, camera_ids = $4, rotate_s = $5, screens = $6,
           revision = revision + 1, updated_at = now()
          WHERE account_id = $1 AND id = $7 RETURNING ${COLUMNS}`
      : `INSERT INTO video_walls (account_id, name, layout, camera_ids, rotate_s, screens)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, name) DO NOTHING RETURNING ${COLUMNS}`;
    try {
      const rows = (await this.db.query<Wall>(sql, id ? [...params, id] : params)).rows;
      return id ? rows[0] : (rows[0] ?? null);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return null;
      throw err;
    }
  }

  async remove(accountId: number, id: number): Promise<boolean> {
    return (
      ((await this.db.query('DELETE FROM video_walls WHERE account_id = $1 AND id = $2', [accountId, id])).rowCount ??
        0) > 0
    );
  }

  async last(accountId: number): Promise<LastWall | null> {
    return (
      (
        await this.db.query<LastWall>(
          `SELECT layout, camera_ids::int[] AS "cameraIds", rotate_s AS "rotateS", wall_id::int AS "wallId"
             FROM video_wall_last WHERE account_id = $1`,
          [accountId],
        )
      ).rows[0] ?? null
    );
  }

  async saveLast(accountId: number, last: LastWall): Promise<void> {
    await this.db.query(
      `INSERT INTO video_wall_last (account_id, layout, camera_ids, rotate_s, wall_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id) DO UPDATE SET layout = $2, camera_ids = $3, rotate_s = $4, wall_id = $5, updated_at = now()`,
      [accountId, last.layout, last.cameraIds, last.rotateS, last.wallId],
    );
  }

  /** Which of these camera ids exist in the given towns (null: every town). */
  async visibleCameras(ids: number[], townIds: readonly number[] | null): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = (
      await this.db.query<{ id: number }>(
        `SELECT id::int FROM cameras WHERE id = ANY($1::bigint[]) AND ($2::bigint[] IS NULL OR town_id = ANY($2::bigint[]))`,
        [ids, townIds],
      )
    ).rows;
    return new Set(rows.map((r) => r.id));
  }
}
