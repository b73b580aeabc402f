// Publishing a draft: the SQL that ends old grid versions and begins new ones at
// one instant. Always called inside the publish transaction.
import type { DbClient } from '../platform/db/pool.js';

export interface PublicationCounts {
  publicationId: number;
  publishedAt: Date;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export class PublicationRepository {
  constructor(private readonly db: DbClient) {}

  /** Locks the towns' rows so two publishes touching them run one after the other. */
  async lockTowns(townIds: number[]): Promise<void> {
    await this.db.query('SELECT id FROM areas WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [townIds]);
  }

  /** True when a publish changed the towns' grids after the draft was copied. */
  async changedSince(townIds: number[], since: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM grid_versions WHERE town_id = ANY($1::bigint[]) AND (valid_from > $2 OR valid_to > $2) LIMIT 1`,
      [townIds, since],
    );
    return rows.length > 0;
  }

  async publish(planId: number, townIds: number[]): Promise<PublicationCounts> {
    const q = <T extends object>(sql: string, params: unknown[]) =>
      this.db.query<T & Record<string, unknown>>(sql, params);
    const { rows: pub } = await q<{ id: number; published_at: Date }>(
      'INSERT INTO grid_publications (plan_id, published_at) VALUES ($1, clock_timestamp()) RETURNING id, published_at',
      [planId],
    );
    const { id: publicationId, published_at: at } = pub[0]!;

    // 1. New grids get their identity.
    const { rowCount: added } = await q(
      `WITH fresh AS MATERIALIZED (
         SELECT p.id AS pid, nextval(pg_get_serial_sequence('grids', 'id')) AS gid, v.town_id
         FROM plan_grids p JOIN areas v ON v.id = p.village_id WHERE p.plan_id = $1 AND p.grid_id IS NULL),
       made AS (INSERT INTO grids (id, town_id) SELECT gid, town_id FROM fresh)
       UPDATE plan_grids p SET grid_id = fresh.gid FROM fresh WHERE p.id = fresh.pid`,
      [planId],
    );

    // 2. Current versions that the draft drops or changes end now.
    const { rows: ended } = await q<{ kept: boolean }>(
      `UPDATE grid_versions c SET valid_to = $3
       WHERE c.valid_to IS NULL AND c.town_id = ANY($2::bigint[])
         AND NOT EXISTS (SELECT 1 FROM plan_grids p WHERE p.plan_id = $1 AND p.grid_id = c.grid_id
                           AND p.code = c.code AND p.name = c.name AND p.kind = c.kind AND p.village_id = c.village_id
                           AND p.attributes = c.attributes AND ST_OrderingEquals(p.geom, c.geom))
       RETURNING EXISTS (SELECT 1 FROM plan_grids p WHERE p.plan_id = $1 AND p.grid_id = c.grid_id) AS kept`,
      [planId, townIds, at],
    );

    // 3. Every draft grid without a current version begins a new one at the same instant.
    await q(
      `INSERT INTO grid_versions (grid_id, version, code, name, kind, village_id, town_id, geom, area_m2, valid_from, publication_id, attributes)
       SELECT p.grid_id, COALESCE((SELECT max(version) FROM grid_versions x WHERE x.grid_id = p.grid_id), 0) + 1,
              p.code, p.name, p.kind, p.village_id, v.town_id, p.geom, ST_Area(p.geom::geography), $2, $3, p.attributes
       FROM plan_grids p JOIN areas v ON v.id = p.village_id
       WHERE p.plan_id = $1
         AND NOT EXISTS (SELECT 1 FROM grid_versions c WHERE c.grid_id = p.grid_id AND c.valid_to IS NULL)`,
      [planId, at, publicationId],
    );

    const changed = ended.filter((r) => r.kept).length;
    const removed = ended.length - changed;
    const { rows: total } = await q<{ n: number }>('SELECT count(*)::int AS n FROM plan_grids WHERE plan_id = $1', [
      planId,
    ]);
    const unchanged = total[0]!.n - (added ?? 0) - changed;
    await q('UPDATE grid_publications SET added = $2, changed = $3, removed = $4, unchanged = $5 WHERE id = $1', [
      publicationId,
      added ?? 0,
      changed,
      removed,
      unchanged,
    ]);
    return { publicationId, publishedAt: at, added: added ?? 0, changed, removed, unchanged };
  }

  /** Marks a change of areas, so caches keyed by the map revision refresh. */
  async recordAreaChange(): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO grid_publications (published_at) VALUES (clock_timestamp()) RETURNING id',
    );
    return rows[0]!.id;
  }
}
