import type { DbClient } from '../platform/db/pool.js';

/**
 * One Mapbox vector tile with layers `towns`, `villages`, `grids` (current
 * versions) and `roads`, clipped and quantised by PostGIS. Feature ids are area / grid ids, so
 * the map can shade them with feature state.
 */
export class TilesRepository {
  constructor(private readonly db: DbClient) {}

  async tile(z: number, x: number, y: number): Promise<Buffer> {
    const { rows } = await this.db.query<{ mvt: Buffer }>(
      `WITH env AS (SELECT ST_TileEnvelope($1, $2, $3) AS e),
       towns AS (
         SELECT a.id, a.code, a.name, ST_AsMVTGeom(a.geom_3857, env.e, 4096, 64, true) AS geom
         FROM areas a, env WHERE a.level = 'town' AND a.geom_3857 && env.e),
       villages AS (
         SELECT a.id, a.code, a.name, t.code AS town_code, ST_AsMVTGeom(a.geom_3857, env.e, 4096, 64, true) AS geom
         FROM areas a JOIN areas t ON t.id = a.town_id, env
         WHERE $1 >= 9 AND a.level = 'village' AND a.geom_3857 && env.e),
       roads AS (
         SELECT r.id, r.name, r.class, ST_AsMVTGeom(ST_Transform(r.geom, 3857), env.e, 4096, 64, true) AS geom
         FROM roads r, env
         WHERE ($1 >= 13 OR ($1 >= 11 AND r.class <> 'street')) AND r.geom && ST_Transform(env.e, 4326)),
       grids AS (
         SELECT g.grid_id AS id, g.code, g.name, g.kind, g.version, v.code AS village_code,
                ST_AsMVTGeom(g.geom_3857, env.e, 4096, 64, true) AS geom
         FROM grid_versions g JOIN areas v ON v.id = g.village_id, env
         WHERE $1 >= 10 AND g.valid_to IS NULL AND g.geom_3857 && env.e)
       SELECT (SELECT COALESCE(ST_AsMVT(towns, 'towns', 4096, 'geom', 'id'), '') FROM towns WHERE geom IS NOT NULL)
           || (SELECT COALESCE(ST_AsMVT(villages, 'villages', 4096, 'geom', 'id'), '') FROM villages WHERE geom IS NOT NULL)
           || (SELECT COALESCE(ST_AsMVT(grids, 'grids', 4096, 'geom', 'id'), '') FROM grids WHERE geom IS NOT NULL)
           || (SELECT COALESCE(ST_AsMVT(roads, 'roads', 4096, 'geom', 'id'), '') FROM roads WHERE geom IS NOT NULL) AS mvt`,
      [z, x, y],
    );
    return rows[0]!.mvt;
  }
}
