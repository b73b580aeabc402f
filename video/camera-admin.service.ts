// Keeping a registered camera right: renaming it, fixing its credentials after the
// password was changed on the device, and retiring it. Each change takes effect at once
// on this instance (ONVIF session, relays, status); other instances and the worker pick
// it up on their next failed call or round.
import type { AuthContext } from '../server/auth/auth-context.js';
import type { Db } from '../server/db/pool.js';
import type { LiveBus } from '../server/live/live-bus.js';
import { NotFound, Unprocessable } from '../server/errors.js';
import { CamerasRepository, type Camera } from './cameras.repository.js';
import type { CameraHealth } from './camera-health.js';
import type { CameraSessions } from './camera-sessions.js';
import type { CredentialBox } from './credentials.js';
import type { LiveVideoService } from './live-video.service.js';
import { publicMessage } from './mask-url.js';
import { connectCamera } from './onvif/onvif-driver.js';
import { cameraNetworks } from './camera-network.js';
import { isOnvifError } from './onvif/errors.js';

export interface CameraChanges {
  name?: string;
}

export interface NewCredentials {
  /** Unchanged when left out. */
  username?: string;
  password: string;
}

export class CameraAdminService {
  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly timeoutMs: number,
    private readonly sessions: CameraSessions,
    private readonly health: CameraHealth,
    private readonly video: LiveVideoService,
    private readonly live: LiveBus,
  ) {}

  async edit(auth: AuthContext, id: number, changes: CameraChanges): Promise<Camera> {
    await this.camera(auth, id);
    const repo = new CamerasRepository(this.db);
    if (changes.name !== undefined && !(await repo.rename(id, changes.name))) throw new NotFound(`Camera ${id}`);
    return this.camera(auth, id);
  }

  /**
   * Checks the new credentials against the device the way registration does (ONVIF
   * connect and GetDeviceInformation) before they are stored sealed; a refusal is a 422
   * and nothing changes. Then the old session and relays go, and a health check runs so
   * the camera's status recovers now rather than at the next round.
   */
  async setCredentials(auth: AuthContext, id: number, input: NewCredentials): Promise<Camera> {
    const camera = await this.camera(auth, id);
    const username = input.username ?? camera.username;
    try {
      const address = await cameraNetworks().resolve(camera.host, camera.port);
      const session = await connectCamera({ host: address, port: camera.port, username, password: input.password, timeoutMs: this.timeoutMs });
      await session.close();
    } catch (err) {
      if (isOnvifError(err)) {
        throw new Unprocessable(publicMessage(err.message, [input.password]), { kind: err.kind, host: camera.host, port: camera.port }, `camera_${err.kind}`);
      }
      throw err;
    }
    if (!(await new CamerasRepository(this.db).setCredentials(id, username, this.box.seal(input.password)))) throw new NotFound(`Camera ${id}`);
    this.sessions.drop(id);
    // A relay retrying with the old password would fail forever; the next viewer starts one with the new.
    await this.video.stopCamera(id);
    await this.health.checkOne(id);
    return this.camera(auth, id);
  }

  /**
   * Takes the camera out of service: gone from the lists, the health rounds, the alarm
   * subscriptions (the worker drops it on its next sync) and the relays; its alerts, PTZ
   * log, placements and the incidents that name it keep it. Its address may be registered again.
   */
  async retire(auth: AuthContext, id: number): Promise<void> {
    const camera = await this.camera(auth, id);
    if (!(await new CamerasRepository(this.db).retire(id, auth.me.id))) throw new NotFound(`Camera ${id}`);
    this.sessions.drop(id);
    await this.video.stopCamera(id);
    await this.live
      .publish([{ topic: 'cameras', townId: camera.townId, data: { cameraId: id, retired: true, at: new Date().toISOString() } }])
      .catch(() => undefined);
  }

  private async camera(auth: AuthContext, id: number): Promise<Camera> {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }
}
