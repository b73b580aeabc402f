// The statements of 待定位 (incidents/placement.service.ts decides): open or join an
// unlocated incident, keep what the gazetteer understood, and put one on the map.
import type { DbClient } from '../platform/db/pool.js';

export interface PlacedGrid {
  townId: number;
  villageId: number;
  gridId: number;
  versionId: number;
}

export class PlacementRepository {
  constructor(private readonly db: DbClient) {}

  /** `incident_intake_unlocated()` (migration 016): the incident, its report and history in one statement. */
  async intakeUnlocated(args: Record<string, unknown>): Promise<{ incidentId: number; merged: boolean }> {
    const { rows } = await this.db.query<{ answer: { incidentId: number; merged: boolean } }>(
      'SELECT incident_intake_unlocated($1::jsonb) AS answer',
      [JSON.stringify(args)],
    );
    return rows[0]!.answer;
  }

  /** Keeps how the gazetteer read the address; a geocode already there stays. */
  async noteGeocode(incidentId: number, geocode: unknown): Promise<void> {
    await this.db.query('UPDATE incidents SET geocode = $2 WHERE id = $1 AND geocode IS NULL', [
      incidentId,
      JSON.stringify(geocode),
    ]);
  }

  async geocodes(incidentIds: number[]): Promise<Map<number, unknown>> {
    const { rows } = await this.db.query<{ id: string; geocode: unknown }>(
      'SELECT id, geocode FROM incidents WHERE id = ANY($1::bigint[])',
      [incidentIds],
    );
    return new Map(rows.map((r) => [Number(r.id), r.geocode]));
  }

  async subcategoryOf(incidentId: number): Promise<string> {
    const { rows } = await this.db.query<{ subcategory: string }>(
      'SELECT subcategory_code AS subcategory FROM incidents WHERE id = $1',
      [incidentId],
    );
    return rows[0]!.subcategory;
  }

  /**
   * Puts the incident (and its reports) at the point, in its grid, as reported: both
   * deadlines counted from now, dispatch wanted.
   */
  async place(
    incidentId: number,
    grid: PlacedGrid,
    lon: number,
    lat: number,
    minutes: { accept: number; finish: number },
  ): Promise<{ acceptDueAt: Date; finishDueAt: Date }> {
    const { rows } = await this.db.query<{ acceptDueAt: Date; finishDueAt: Date }>(
      `UPDATE incidents SET town_id = $2, village_id = $3, grid_id = $4, grid_version_id = $5, lon = $6, lat = $7,
         geog = ST_SetSRID(ST_MakePoint($6, $7), 4326)::geography, state = 'reported', dispatch_wanted = true,
         accept_due_at = clock_timestamp() + make_interval(secs => $8 * 60), finish_due_at = clock_timestamp() + make_interval(secs => $9 * 60),
         updated_at = clock_timestamp()
       WHERE id = $1 RETURNING accept_due_at AS "acceptDueAt", finish_due_at AS "finishDueAt"`,
      [incidentId, grid.townId, grid.villageId, grid.gridId, grid.versionId, lon, lat, minutes.accept, minutes.finish],
    );
    await this.db.query('UPDATE incident_reports SET lon = $2, lat = $3 WHERE incident_id = $1', [
      incidentId,
      lon,
      lat,
    ]);
    return rows[0]!;
  }
}
