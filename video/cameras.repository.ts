import type { DbClient } from '../platform/db/pool.js';
import type { PtzCapabilities } from './onvif/onvif-driver.js';
import type { Placement } from './look-at.js';
import { profileViews, type ProfileView, type StoredProfile, type StreamFlags } from './camera-view.js';

export type CameraStatus = 'unknown' | 'online' | 'offline' | 'error';

export type PtzAbilities = PtzCapabilities;

/** The geometry look-at needs, plus what the map and the grid link need. */
export interface PlacementRow extends Placement {
  highPosition: boolean;
  gridId: number | null;
  gridVersionId: number | null;
  gridCode: string | null;
  validFrom: Date;
}

/** A camera as the API shows it: never its password, nor its RTSP / snapshot URIs (only whether it has them). */
export interface Camera {
  id: number;
  townId: number;
  name: string;
  host: string;
  port: number;
  username: string;
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
  hardwareId: string | null;
  profiles: ProfileView[];
  streams: StreamFlags;
  hasSnapshot: boolean;
  ptz: PtzAbilities | null;
  status: CameraStatus;
  lastSeenAt: Date | null;
  lastError: string | null;
  lastCheckedAt: Date | null;
  clockOffsetMs: number | null;
  /** Recording search and replay (ONVIF Profile G) found at registration; null: not asked. */
  profileG: boolean | null;
  placement: PlacementRow | null;
  createdAt: Date;
  /** The installer's account: they may watch the camera they put up. */
  registeredBy: number | null;
}

export interface CameraSecret {
  id: number;
  host: string;
  port: number;
  username: string;
  passwordEnc: Buffer;
  mainStreamUri: string | null;
  subStreamUri: string | null;
  snapshotUri: string | null;
  ptz: PtzAbilities | null;
  townId: number;
}

const SELECT = `
  SELECT c.id, c.town_id AS "townId", c.name, c.host, c.port, c.username, c.manufacturer, c.model, c.firmware, c.serial,
         c.hardware_id AS "hardwareId", c.profiles,
         json_build_object('main', c.main_stream_uri IS NOT NULL, 'sub', c.sub_stream_uri IS NOT NULL) AS streams,
         c.snapshot_uri IS NOT NULL AS "hasSnapshot", c.ptz, c.status, c.last_seen_at AS "lastSeenAt", c.last_error AS "lastError",
         c.last_checked_at AS "lastCheckedAt", c.clock_offset_ms AS "clockOffsetMs", c.profile_g AS "profileG", c.created_at AS "createdAt",
         c.registered_by AS "registeredBy",
         CASE WHEN p.id IS NULL THEN NULL ELSE json_build_object(
           'lon', p.lon, 'lat', p.lat, 'mountHeightM', p.mount_height_m, 'headingDeg', p.heading_deg, 'hfovDeg', p.hfov_deg,
           'rangeM', p.range_m, 'highPosition', p.high_position, 'zoomMax', p.zoom_max, 'panOffsetDeg', p.pan_offset_deg,
           'tiltOffsetDeg', p.tilt_offset_deg, 'gridId', p.grid_id, 'gridVersionId', p.grid_version_id, 'gridCode', g.code,
           'validFrom', p.valid_from) END AS placement
  FROM cameras c
  LEFT JOIN camera_placements p ON p.camera_id = c.id AND p.valid_to IS NULL
  LEFT JOIN grid_versions g ON g.id = p.grid_version_id`;

// A retired camera is gone for every query below: lists, look-ups, health rounds, alarm
// subscriptions, relays. Its row stays for the history that references it.
const IN_SERVICE = 'retired_at IS NULL';

type CameraRow = Omit<Camera, 'profiles'> & { profiles: StoredProfile[] };

const toCamera = (row: CameraRow): Camera => ({ ...row, profiles: profileViews(row.profiles, row.streams) });

export interface NewCamera {
  townId: number;
  name: string;
  host: string;
  port: number;
  username: string;
  passwordEnc: Buffer;
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
  profiles: unknown[];
  mainStreamUri: string;
  subStreamUri: string | null;
  snapshotUri: string | null;
  ptz: PtzAbilities | null;
  clockOffsetMs: number;
  /** Omitted: not asked (null). */
  profileG?: boolean;
  registeredBy: number;
}

/** What is stored of a placement; the rest of PlacementRow is derived. */
export type PlacementInput = Omit<PlacementRow, 'gridCode' | 'validFrom'>;

export class CamerasRepository {
  constructor(private readonly db: DbClient) {}

  async find(id: number): Promise<Camera | null> {
    const { rows } = await this.db.query<CameraRow>(`${SELECT} WHERE c.id = $1 AND c.${IN_SERVICE}`, [id]);
    return rows[0] ? toCamera(rows[0]) : null;
  }

  async list(townIds: number[] | null, status: CameraStatus | null): Promise<Camera[]> {
    const { rows } = await this.db.query<CameraRow>(
      `${SELECT} WHERE c.${IN_SERVICE} AND ($1::bigint[] IS NULL OR c.town_id = ANY($1)) AND ($2::camera_status IS NULL OR c.status = $2) ORDER BY c.id`,
      [townIds, status],
    );
    return rows.map(toCamera);
  }

  async findByAddress(host: string, port: number): Promise<number | null> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT id FROM cameras WHERE host = $1 AND port = $2 AND ${IN_SERVICE}`,
      [host, port],
    );
    return rows[0]?.id ?? null;
  }

  async addresses(): Promise<{ host: string; port: number }[]> {
    const { rows } = await this.db.query<{ host: string; port: number }>(
      `SELECT host, port FROM cameras WHERE ${IN_SERVICE}`,
    );
    return rows;
  }

  async secret(id: number): Promise<CameraSecret | null> {
    const { rows } = await this.db.query<CameraSecret>(
      `SELECT id, host, port, username, password_enc AS "passwordEnc", main_stream_uri AS "mainStreamUri", sub_stream_uri AS "subStreamUri",
              snapshot_uri AS "snapshotUri", ptz, town_id AS "townId" FROM cameras WHERE id = $1 AND ${IN_SERVICE}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async allSecrets(): Promise<CameraSecret[]> {
    const { rows } = await this.db.query<CameraSecret>(
      `SELECT id, host, port, username, password_enc AS "passwordEnc", main_stream_uri AS "mainStreamUri", sub_stream_uri AS "subStreamUri",
              snapshot_uri AS "snapshotUri", ptz, town_id AS "townId" FROM cameras WHERE ${IN_SERVICE} ORDER BY id`,
    );
    return rows;
  }

  async insert(c: NewCamera): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO cameras (town_id, name, host, port, username, password_enc, manufacturer, model, firmware, serial, hardware_id,
                            profiles, main_stream_uri, sub_stream_uri, snapshot_uri, ptz, status, last_seen_at, last_checked_at,
                            clock_offset_ms, registered_by, profile_g)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'online', now(), now(), $17, $18, $19)
       RETURNING id`,
      [
        c.townId,
        c.name,
        c.host,
        c.port,
        c.username,
        c.passwordEnc,
        c.manufacturer,
        c.model,
        c.firmware,
        c.serial,
        c.hardwareId,
        JSON.stringify(c.profiles),
        c.mainStreamUri,
        c.subStreamUri,
        c.snapshotUri,
        c.ptz ? JSON.stringify(c.ptz) : null,
        c.clockOffsetMs,
        c.registeredBy,
        c.profileG ?? null,
      ],
    );
    return rows[0]!.id;
  }

  /** Ends the current placement (if any) and begins a new one at one instant. */
  async place(cameraId: number, p: PlacementInput, by: number): Promise<void> {
    const { rows } = await this.db.query<{ t: Date }>('SELECT clock_timestamp() AS t');
    const at = rows[0]!.t;
    await this.db.query('UPDATE camera_placements SET valid_to = $2 WHERE camera_id = $1 AND valid_to IS NULL', [
      cameraId,
      at,
    ]);
    await this.db.query(
      `INSERT INTO camera_placements (camera_id, lon, lat, geog, mount_height_m, heading_deg, hfov_deg, range_m, high_position, zoom_max,
                                      pan_offset_deg, tilt_offset_deg, grid_id, grid_version_id, valid_from, placed_by)
       VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        cameraId,
        p.lon,
        p.lat,
        p.mountHeightM,
        p.headingDeg,
        p.hfovDeg,
        p.rangeM,
        p.highPosition,
        p.zoomMax,
        p.panOffsetDeg,
        p.tiltOffsetDeg,
        p.gridId,
        p.gridVersionId,
        at,
        by,
      ],
    );
  }

  async placements(cameraId: number) {
    const { rows } = await this.db.query(
      `SELECT lon, lat, mount_height_m AS "mountHeightM", heading_deg AS "headingDeg", hfov_deg AS "hfovDeg", range_m AS "rangeM",
              high_position AS "highPosition", grid_version_id AS "gridVersionId", valid_from AS "validFrom", valid_to AS "validTo"
       FROM camera_placements WHERE camera_id = $1 ORDER BY valid_from`,
      [cameraId],
    );
    return rows;
  }

  /** Records a health check; returns the previous status so a change can be announced. */
  async recordHealth(
    id: number,
    status: CameraStatus,
    error: string | null,
    clockOffsetMs: number | null,
  ): Promise<CameraStatus | null> {
    const { rows } = await this.db.query<{ before: CameraStatus }>(
      `UPDATE cameras c SET status = $2::camera_status, last_error = $3, last_checked_at = now(),
              last_seen_at = CASE WHEN $2::camera_status = 'online' THEN now() ELSE c.last_seen_at END,
              clock_offset_ms = COALESCE($4, c.clock_offset_ms)
       FROM (SELECT id, status AS before FROM cameras WHERE id = $1 AND ${IN_SERVICE} FOR UPDATE) old
       WHERE c.id = old.id RETURNING old.before`,
      [id, status, error, clockOffsetMs],
    );
    return rows[0]?.before ?? null;
  }

  async rename(id: number, name: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`UPDATE cameras SET name = $2 WHERE id = $1 AND ${IN_SERVICE}`, [
      id,
      name,
    ]);
    return rowCount === 1;
  }

  /** The installer's choice of main and sub profile, with their stream URIs (without passwords). */
  async setStreams(
    id: number,
    profiles: readonly StoredProfile[],
    mainStreamUri: string,
    subStreamUri: string | null,
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE cameras SET profiles = $2, main_stream_uri = $3, sub_stream_uri = $4 WHERE id = $1 AND ${IN_SERVICE}`,
      [id, JSON.stringify(profiles), mainStreamUri, subStreamUri],
    );
    return rowCount === 1;
  }

  async setCredentials(id: number, username: string, passwordEnc: Buffer): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE cameras SET username = $2, password_enc = $3 WHERE id = $1 AND ${IN_SERVICE}`,
      [id, username, passwordEnc],
    );
    return rowCount === 1;
  }

  /** Takes the camera out of service; false when it already was (or never existed). */
  async retire(id: number, by: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE cameras SET retired_at = now(), retired_by = $2 WHERE id = $1 AND ${IN_SERVICE}`,
      [id, by],
    );
    return rowCount === 1;
  }

  async logPtz(
    cameraId: number,
    accountId: number | null,
    command: string,
    params: unknown,
    ok: boolean,
    error: string | null,
    ms: number,
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO ptz_commands (camera_id, account_id, command, params, ok, error, ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [cameraId, accountId, command, params === undefined ? null : JSON.stringify(params), ok, error, ms],
    );
  }

  async ptzLog(cameraId: number, limit: number) {
    const { rows } = await this.db.query(
      `SELECT l.id, l.command, l.params, l.ok, l.error, l.ms, l.at, a.username FROM ptz_commands l LEFT JOIN accounts a ON a.id = l.account_id
       WHERE l.camera_id = $1 ORDER BY l.id DESC LIMIT $2`,
      [cameraId, limit],
    );
    return rows;
  }
}
