// Registering, placing and listing cameras. Only the ONVIF driver talks to devices;
// this decides what is stored and who may do it.
import { assertInstalledBy } from './camera-owner.js';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { AppError, Conflict, NotFound, Unprocessable } from '../platform/errors.js';
import { CameraPictures, type CameraPicture } from './camera-pictures.js';
import { AreasRepository } from '../gis/module.js';
import type { GridMap } from '../gis/module.js';
import { CamerasRepository, type Camera, type PlacementInput } from './cameras.repository.js';
import { withoutPassword, type CredentialBox } from './credentials.js';
import { inspectCamera } from './onvif/camera-inspection.js';
import { cameraNetworks } from './camera-network.js';
import { isOnvifError } from './onvif/errors.js';
import { installerMessage } from './onvif/installer-message.js';
import { cameraLabel } from './onvif/library.js';
import { publicMessage } from '../platform/mask-url.js';
import { visibility } from './look-at.js';

const UNIQUE_VIOLATION = '23505';

export interface RegisterInput {
  name: string;
  host: string;
  port: number;
  username: string;
  password: string;
  townCode: string;
  placement?: PlacementSpec;
}

export type PlacementSpec = Omit<PlacementInput, 'gridId' | 'gridVersionId'>;

export class CamerasService {
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly box: CredentialBox,
    private readonly timeoutMs: number,
    private readonly pictures = new CameraPictures(box, timeoutMs),
  ) {}

  async list(auth: AuthContext, status: Camera['status'] | null): Promise<Camera[]> {
    return new CamerasRepository(this.db).list(auth.townFilter, status);
  }

  async get(auth: AuthContext, id: number): Promise<Camera> {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }

  /**
   * Connects to the device, reads what it is and what it can do, and stores it with
   * its password sealed. Every way a device can refuse becomes a readable 422.
   */
  async register(auth: AuthContext, input: RegisterInput): Promise<Camera> {
    const town = await new AreasRepository(this.db).findByCode(input.townCode);
    if (!town || town.level !== 'town') throw new NotFound(`Town ${input.townCode}`);
    auth.assertTown(town.id);
    const repo = new CamerasRepository(this.db);
    const taken = () =>
      new Conflict(`A camera at ${input.host}:${input.port} is already registered`, { field: 'host' }, 'camera_exists');
    if (await repo.findByAddress(input.host, input.port)) throw taken();
    let description;
    try {
      // Only the camera networks: refused before a packet is sent, one message whatever listens there.
      const address = await cameraNetworks().resolve(input.host, input.port);
      // The driver's own steps (clock → services → identity → profiles → streams → PTZ → snapshot);
      // the services the camera reports are rebased onto this address.
      description = await inspectCamera({
        host: address,
        port: input.port,
        username: input.username,
        password: input.password,
        timeoutMs: this.timeoutMs,
      });
      cameraNetworks().assertReported(
        [description.streams.main, description.streams.sub, description.snapshotUri],
        [input.host, address],
      );
    } catch (err) {
      if (isOnvifError(err)) {
        const message = installerMessage(err, {
          address: cameraLabel(input.host, input.port),
          timeoutMs: this.timeoutMs,
        });
        const details = {
          kind: err.kind,
          step: err.step,
          operation: err.operation,
          faultCodes: err.faultCodes,
          host: input.host,
          port: input.port,
        };
        throw new Unprocessable(publicMessage(message, [input.password]), details, `camera_${err.kind}`);
      }
      throw err;
    }
    if (!description.streams.main) {
      throw new Unprocessable(
        'The camera has no media profile with an RTSP stream',
        { kind: 'no_rtsp' },
        'camera_no_rtsp',
      );
    }
    const id = await inTransaction(this.db, async (tx) => {
      const r = new CamerasRepository(tx);
      const cameraId = await r.insert({
        townId: town.id,
        name: input.name,
        host: input.host,
        port: input.port,
        username: input.username,
        passwordEnc: this.box.seal(input.password),
        manufacturer: description.manufacturer,
        model: description.model,
        firmware: description.firmware,
        serial: description.serial,
        hardwareId: description.hardwareId,
        profiles: description.profiles,
        // Never the password, not even in a query string the camera reported.
        mainStreamUri: withoutPassword(description.streams.main!, input.password),
        subStreamUri: description.streams.sub && withoutPassword(description.streams.sub, input.password),
        snapshotUri: description.snapshotUri && withoutPassword(description.snapshotUri, input.password),
        ptz: description.ptz,
        clockOffsetMs: Math.round(description.clockOffsetMs ?? 0),
        profileG: description.profileG,
        registeredBy: auth.me.id,
      });
      if (input.placement) await r.place(cameraId, this.withGrid(input.placement), auth.me.id);
      return cameraId;
    }).catch((err: unknown) => {
      // Two installers registering the same device at once: the second meets the unique index.
      throw (err as { code?: string }).code === UNIQUE_VIOLATION ? taken() : err;
    });
    return (await repo.find(id))!;
  }

  /** Places or moves a camera; the grid comes from the position, the history is kept. */
  async place(auth: AuthContext, id: number, spec: PlacementSpec): Promise<Camera> {
    await this.get(auth, id);
    await inTransaction(this.db, (tx) => new CamerasRepository(tx).place(id, this.withGrid(spec), auth.me.id));
    return (await new CamerasRepository(this.db).find(id))!;
  }

  async placements(auth: AuthContext, id: number) {
    await this.get(auth, id);
    return new CamerasRepository(this.db).placements(id);
  }

  /** A JPEG from the camera now: its snapshot URI, else a frame grabbed from its stream. */
  async snapshot(auth: AuthContext, id: number, ownerOnly = false): Promise<CameraPicture> {
    const camera = await this.get(auth, id);
    if (ownerOnly) assertInstalledBy(auth, camera);
    const secret = (await new CamerasRepository(this.db).secret(id))!;
    try {
      return await this.pictures.take(secret);
    } catch (err) {
      if (err instanceof AppError) throw err; // Too many grabs at once: a 503 that says so.
      throw new AppError(502, 'snapshot_failed', publicMessage((err as Error).message));
    }
  }

  /** The cameras that see a point, or can be turned to it, nearest first. */
  async whoSees(auth: AuthContext, point: { lon: number; lat: number }) {
    const cameras = await new CamerasRepository(this.db).list(auth.townFilter, null);
    return cameras
      .filter((c) => c.placement)
      .map((c) => ({
        camera: { id: c.id, name: c.name, status: c.status, ptz: c.ptz !== null },
        ...visibility(c.placement!, c.ptz !== null, point),
      }))
      .filter((v) => v.visibility === 'in_view' || v.visibility === 'reachable_by_ptz')
      .sort((a, b) => a.distanceM - b.distanceM);
  }

  private withGrid(spec: PlacementSpec): PlacementInput {
    const grid = this.gridMap.current.lookup(spec.lon, spec.lat);
    return { ...spec, gridId: grid?.gridId ?? null, gridVersionId: grid?.versionId ?? null };
  }
}
