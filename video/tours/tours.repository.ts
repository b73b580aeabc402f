// SQL of tours and guard positions.
import { inTransaction, type Db } from '../../platform/db/pool.js';

export interface TourStop {
  presetToken: string;
  dwellS: number;
}

export interface Tour {
  id: number;
  cameraId: number;
  name: string;
  speed: number;
  enabled: boolean;
  /** "HH:MM" in town time, or null for all day. */
  activeFrom: string | null;
  activeTo: string | null;
  stops: TourStop[];
}

export interface Guard {
  cameraId: number;
  enabled: boolean;
  idleS: number;
  presetToken: string | null;
  tourId: number | null;
}

export type TourInput = Omit<Tour, 'id' | 'cameraId'>;

const TOUR = `
  SELECT t.id::int, t.camera_id::int AS "cameraId", t.name, t.speed, t.enabled,
         to_char(t.active_from, 'HH24:MI') AS "activeFrom", to_char(t.active_to, 'HH24:MI') AS "activeTo",
         COALESCE((SELECT json_agg(json_build_object('presetToken', s.preset_token, 'dwellS', s.dwell_s) ORDER BY s.position)
                   FROM ptz_tour_stops s WHERE s.tour_id = t.id), '[]') AS stops
    FROM ptz_tours t`;

export class ToursRepository {
  constructor(private readonly db: Db) {}

  async list(cameraId: number): Promise<Tour[]> {
    return (await this.db.query<Tour>(`${TOUR} WHERE t.camera_id = $1 ORDER BY t.id`, [cameraId])).rows;
  }

  async find(id: number): Promise<Tour | undefined> {
    return (await this.db.query<Tour>(`${TOUR} WHERE t.id = $1`, [id])).rows[0];
  }

  /** Enabled tours and tours that a guard position resumes: what the runner looks at. */
  async runnable(): Promise<Tour[]> {
    return (
      await this.db.query<Tour>(
        `${TOUR} WHERE t.enabled OR EXISTS (SELECT 1 FROM ptz_guards g WHERE g.tour_id = t.id AND g.enabled)
         ORDER BY t.id`,
      )
    ).rows;
  }

  /** Creates (id undefined) or replaces a tour with its stops, in one transaction. */
  async save(cameraId: number, input: TourInput, accountId: number, id?: number): Promise<number> {
    return inTransaction(this.db, async (c) => {
      const params = [input.name, input.speed, input.enabled, input.activeFrom, input.activeTo];
      const tourId = id
        ? (
            await c.query<{ id: number }>(
              `UPDATE ptz_tours SET name = $1, speed = $2, enabled = $3, active_from = $4, active_to = $5, updated_at = now()
                WHERE id = $6 AND camera_id = $7 RETURNING id::int`,
              [...params, id, cameraId],
            )
          ).rows[0]?.id
        : (
            await c.query<{ id: number }>(
              `INSERT INTO ptz_tours (camera_id, name, speed, enabled, active_from, active_to, created_by)
               VALUES ($6, $1, $2, $3, $4, $5, $7) RETURNING id::int`,
              [...params, cameraId, accountId],
            )
          ).rows[0]!.id;
      if (!tourId) return 0;
      await c.query('DELETE FROM ptz_tour_stops WHERE tour_id = $1', [tourId]);
      await c.query(
        `INSERT INTO ptz_tour_stops (tour_id, position, preset_token, dwell_s)
         SELECT $1, i - 1, t, d FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS u(t, d, i)`,
        [tourId, input.stops.map((s) => s.presetToken), input.stops.map((s) => s.dwellS)],
      );
      return tourId;
    });
  }

  async setEnabled(id: number, enabled: boolean): Promise<boolean> {
    const res = await this.db.query('UPDATE ptz_tours SET enabled = $2, updated_at = now() WHERE id = $1', [
      id,
      enabled,
    ]);
    return (res.rowCount ?? 0) > 0;
  }

  async remove(id: number): Promise<boolean> {
    return ((await this.db.query('DELETE FROM ptz_tours WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async guard(cameraId: number): Promise<Guard | null> {
    return (
      (
        await this.db.query<Guard>(
          `SELECT camera_id::int AS "cameraId", enabled, idle_s AS "idleS", preset_token AS "presetToken", tour_id::int AS "tourId"
             FROM ptz_guards WHERE camera_id = $1`,
          [cameraId],
        )
      ).rows[0] ?? null
    );
  }

  async guards(): Promise<Guard[]> {
    return (
      await this.db.query<Guard>(
        `SELECT camera_id::int AS "cameraId", enabled, idle_s AS "idleS", preset_token AS "presetToken", tour_id::int AS "tourId"
           FROM ptz_guards WHERE enabled`,
      )
    ).rows;
  }

  async saveGuard(guard: Guard, accountId: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ptz_guards (camera_id, enabled, idle_s, preset_token, tour_id, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (camera_id) DO UPDATE SET enabled = $2, idle_s = $3, preset_token = $4, tour_id = $5,
         updated_by = $6, updated_at = now()`,
      [guard.cameraId, guard.enabled, guard.idleS, guard.presetToken, guard.tourId, accountId],
    );
  }

  async removeGuard(cameraId: number): Promise<void> {
    await this.db.query('DELETE FROM ptz_guards WHERE camera_id = $1', [cameraId]);
  }
}
