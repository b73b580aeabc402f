import type { DbClient } from '../platform/db/pool.js';

export interface RoadInput {
  name: string;
  class: string;
  coordinates: [number, number][];
}

/** Streets: drawn on the base map and used to measure patrol coverage. */
export class RoadsRepository {
  constructor(private readonly db: DbClient) {}

  /** Replaces a town's streets. */
  async replaceTown(townId: number, roads: RoadInput[]): Promise<number> {
    await this.db.query('DELETE FROM roads WHERE town_id = $1', [townId]);
    const { rowCount } = await this.db.query(
      `INSERT INTO roads (town_id, name, class, geom)
       SELECT $1, r.name, r.class, ST_SetSRID(ST_GeomFromGeoJSON(json_build_object('type', 'LineString', 'coordinates', r.coordinates)), 4326)
       FROM jsonb_to_recordset($2::jsonb) AS r(name text, class text, coordinates jsonb)`,
      [townId, JSON.stringify(roads)],
    );
    return rowCount ?? 0;
  }
}
