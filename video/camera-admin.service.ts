// Keeping a registered camera right: renaming it, fixing its credentials after the
// password was changed on the device, and retiring it. Each change takes effect at once
// on this instance (ONVIF session, relays, status); other instances and the worker pick
// it up on their next failed call or round.
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { NotFound, Unprocessable } from '../platform/errors.js';
import { CamerasRepository, type Camera } from './cameras.repository.js';
import type { CameraHealth } from './camera-health.js';
import type { CameraSessions } from './camera-sessions.js';
import type { CredentialBox } from './credentials.js';
import { SecurityLog } from '../platform/auth/security-log.js';
import type { LiveVideoService } from './live-video.service.js';
import { publicMessage } from '../platform/mask-url.js';
import { connectCamera } from './onvif/onvif-driver.js';
import { cameraNetworks } from './camera-network.js';
import { isOnvifError } from './onvif/errors.js';
import { installerMessage } from './onvif/installer-message.js';
import { cameraLabel } from './onvif/library.js';
import { withoutPassword } from './credentials.js';

export interface CameraChanges {
  name?: string;
}

export interface StreamChoice {
  /** Token of the profile played as the main stream. */
  main: string;
  /** Token of the sub stream's profile; null: the main stream serves small tiles too. */
  sub: string | null;
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
      const session = await connectCamera({
        host: address,
        port: camera.port,
        username,
        password: input.password,
        timeoutMs: this.timeoutMs,
      });
      await session.close();
    } catch (err) {
      if (isOnvifError(err)) {
        const message = installerMessage(err, {
          address: cameraLabel(camera.host, camera.port),
          timeoutMs: this.timeoutMs,
        });
        throw new Unprocessable(
          publicMessage(message, [input.password]),
          { kind: err.kind, step: err.step, host: camera.host, port: camera.port },
          `camera_${err.kind}`,
        );
      }
      throw err;
    }
    if (!(await new CamerasRepository(this.db).setCredentials(id, username, this.box.seal(input.password))))
      throw new NotFound(`Camera ${id}`);
    await new SecurityLog(this.db).record({
      kind: 'camera.credentials_changed',
      actor: auth.me,
      townIds: [camera.townId],
      subject: `camera ${id} ${camera.name}`,
      details: { cameraId: id, usernameChanged: username !== camera.username },
    });
    this.sessions.drop(id);
    // A relay retrying with the old password would fail forever; the next viewer starts one with the new.
    await this.video.stopCamera(id);
    await this.health.checkOne(id);
    return this.camera(auth, id);
  }

  /**
   * Which profiles play as main and sub (a camera's main may be an H.265 4K stream the
   * town's links cannot carry, or its default sub a 352×288 one too small for the wall).
   * The stream URIs are asked from the device before anything is stored; the relays of
   * the old choice stop, so the next viewer gets the new one.
   */
  async chooseStreams(auth: AuthContext, id: number, choice: StreamChoice): Promise<Camera> {
    const camera = await this.camera(auth, id);
    const tokens = camera.profiles.map((p) => p.token);
    for (const [field, token] of [
      ['main', choice.main],
      ['sub', choice.sub],
    ] as const) {
      if (token !== null && !tokens.includes(token)) {
        throw new Unprocessable(
          `摄像机没有令牌为 ${token} 的媒体配置 — The camera has no profile ${token} (it has ${tokens.join(', ')})`,
          { field, profiles: tokens },
          'unknown_profile',
        );
      }
    }
    if (choice.sub === choice.main)
      throw new Unprocessable(
        '主码流和子码流不能是同一个配置 — main and sub must be different profiles',
        { field: 'sub' },
        'same_profile',
      );
    const secret = (await new CamerasRepository(this.db).secret(id))!;
    const password = this.box.open(secret.passwordEnc);
    let uris: [string, string | null];
    try {
      uris = await this.sessions.use(id, async (s) => [
        await s.streamUri(choice.main),
        choice.sub === null ? null : await s.streamUri(choice.sub),
      ]);
    } catch (err) {
      if (isOnvifError(err)) {
        const message = installerMessage(err, {
          address: cameraLabel(camera.host, camera.port),
          timeoutMs: this.timeoutMs,
        });
        throw new Unprocessable(
          publicMessage(message, [password]),
          { kind: err.kind, step: err.step ?? 'streams' },
          `camera_${err.kind}`,
        );
      }
      throw err;
    }
    const profiles = camera.profiles.map(({ stream: _stream, rtsp: _rtsp, ...p }) => ({
      ...p,
      chosen: p.token === choice.main ? ('main' as const) : p.token === choice.sub ? ('sub' as const) : null,
    }));
    const stored = await new CamerasRepository(this.db).setStreams(
      id,
      profiles,
      withoutPassword(uris[0], password),
      uris[1] && withoutPassword(uris[1], password),
    );
    if (!stored) throw new NotFound(`Camera ${id}`);
    await this.video.stopCamera(id);
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
      .publish([
        {
          topic: 'cameras',
          townId: camera.townId,
          data: { cameraId: id, retired: true, at: new Date().toISOString() },
        },
      ])
      .catch(() => undefined);
  }

  private async camera(auth: AuthContext, id: number): Promise<Camera> {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }
}
