// Who may watch which camera on the low-latency path, and one Fmp4Stream per camera
// stream shared by its viewers, stopped a little after the last one leaves (a player
// that reconnects finds it still running). Streams are per api instance: the steered
// view has one or two viewers, so no cross-instance ownership as the HLS relays have.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { AppError, NotFound, Unprocessable } from '../../platform/errors.js';
import { moduleLogger } from '../../platform/logger.js';
import { assertInstalledBy } from '../camera-owner.js';
import { CamerasRepository } from '../cameras.repository.js';
import { withCredentials, type CredentialBox } from '../credentials.js';
import { publicMessage } from '../../platform/mask-url.js';
import { Fmp4Stream, type Viewer } from './fmp4-stream.js';

const log = moduleLogger('low-latency');
const READY_TIMEOUT_MS = 8000;
const LINGER_MS = 10_000;

export type LowLatencyStreamName = 'main' | 'sub';

export class LowLatencyService {
  private readonly streams = new Map<string, Fmp4Stream>();
  private readonly lingering = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
  ) {}

  /**
   * Joins (or starts) the camera stream and adds the viewer; answers the codec string
   * for MediaSource. 422 when the stream is not H.264 (the player then falls back to HLS,
   * whose relay can transcode), 502 when the camera sends nothing in time.
   */
  async open(
    auth: AuthContext,
    cameraId: number,
    stream: LowLatencyStreamName,
    ownerOnly: boolean,
  ): Promise<{ codec: string; join: (viewer: Viewer) => () => void }> {
    const camera = await new CamerasRepository(this.db).find(cameraId);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${cameraId}`);
    if (ownerOnly) assertInstalledBy(auth, camera);
    const key = `${cameraId}:${stream}`;
    let live = this.streams.get(key);
    if (!live || live.ended) {
      const secret = (await new CamerasRepository(this.db).secret(cameraId))!;
      const uri = stream === 'main' ? secret.mainStreamUri : (secret.subStreamUri ?? secret.mainStreamUri);
      if (!uri) throw new Unprocessable(`${camera.name} has no RTSP stream`, undefined, 'camera_no_rtsp');
      const url = withCredentials(uri, secret.username, this.box.open(secret.passwordEnc));
      const started: Fmp4Stream = new Fmp4Stream(url, log.child({ cameraId, stream }), () => {
        if (this.streams.get(key) === started) this.streams.delete(key);
      });
      this.streams.set(key, started);
      await started.start();
      live = started;
    }
    let codec: string | null;
    try {
      codec = await Promise.race([
        live.ready,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no video from the camera in time')), READY_TIMEOUT_MS).unref(),
        ),
      ]);
    } catch (err) {
      if (live.viewerCount === 0) live.stop();
      throw new AppError(502, 'relay_failed', publicMessage((err as Error).message));
    }
    if (!codec) {
      if (live.viewerCount === 0) live.stop();
      throw new Unprocessable(
        `${camera.name}'s ${stream} stream is not H.264: watch it through HLS`,
        undefined,
        'low_latency_codec',
      );
    }
    const timer = this.lingering.get(key);
    if (timer) clearTimeout(timer);
    this.lingering.delete(key);
    const joined = live;
    return {
      codec,
      join: (viewer) => {
        joined.add(viewer);
        return () => this.leave(key, joined, viewer);
      },
    };
  }

  private leave(key: string, joined: Fmp4Stream, viewer: Viewer): void {
    joined.remove(viewer);
    if (joined.viewerCount > 0 || joined.ended) return;
    const linger = setTimeout(() => {
      this.lingering.delete(key);
      if (joined.viewerCount === 0) joined.stop();
    }, LINGER_MS);
    linger.unref();
    this.lingering.set(key, linger);
  }

  /** Running low-latency streams (for metrics and the bench). */
  get size(): number {
    return this.streams.size;
  }

  stopAll(): void {
    for (const timer of this.lingering.values()) clearTimeout(timer);
    this.lingering.clear();
    for (const stream of this.streams.values()) stream.stop();
    this.streams.clear();
  }
}
