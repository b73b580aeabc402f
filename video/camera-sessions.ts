// Keeps one ONVIF session per camera open for steering, so a PTZ command costs one
// SOAP call and not a fresh connect (GetSystemDateAndTime, capabilities, profiles).
// A session that fails is dropped and made again on the next command.
import type { Db } from '../platform/db/pool.js';
import { NotFound } from '../platform/errors.js';
import { CamerasRepository } from './cameras.repository.js';
import type { CredentialBox } from './credentials.js';
import { connectCamera, type CameraSession } from './onvif/onvif-driver.js';
import { cameraNetworks } from './camera-network.js';

export class CameraSessions {
  private readonly sessions = new Map<number, Promise<CameraSession>>();

  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly timeoutMs: number,
  ) {}

  get(cameraId: number): Promise<CameraSession> {
    let session = this.sessions.get(cameraId);
    if (!session) {
      session = this.open(cameraId);
      this.sessions.set(cameraId, session);
      session.catch(() => this.sessions.delete(cameraId));
    }
    return session;
  }

  /** Runs a call on the camera's session; on failure the session is made afresh next time. */
  async use<T>(cameraId: number, fn: (s: CameraSession) => Promise<T>): Promise<T> {
    const session = await this.get(cameraId);
    try {
      return await fn(session);
    } catch (err) {
      this.drop(cameraId);
      throw err;
    }
  }

  drop(cameraId: number): void {
    const session = this.sessions.get(cameraId);
    this.sessions.delete(cameraId);
    session?.then((s) => s.close()).catch(() => undefined);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }

  private async open(cameraId: number): Promise<CameraSession> {
    const secret = await new CamerasRepository(this.db).secret(cameraId);
    if (!secret) throw new NotFound(`Camera ${cameraId}`);
    // Checked on every connect: a camera registered before CAMERA_NETWORKS narrowed is refused too.
    const address = await cameraNetworks().resolve(secret.host, secret.port);
    return connectCamera({
      host: address,
      port: secret.port,
      username: secret.username,
      password: this.box.open(secret.passwordEnc),
      timeoutMs: this.timeoutMs,
    });
  }
}
