// Live video for browsers: a camera's stream relayed to HLS on demand (the first
// viewer starts it, every viewer shares it, nobody watching stops it). The camera's
// URL and password stay here; browsers only see our HLS paths. When another api
// instance owns the relay, the request is answered by proxying to it.
import { assertInstalledBy } from './camera-owner.js';
import type { AuthContext } from '../server/auth/auth-context.js';
import type { Db } from '../server/db/pool.js';
import { AppError, NotFound, Unprocessable } from '../server/errors.js';
import { CamerasRepository } from './cameras.repository.js';
import { withCredentials, type CredentialBox } from './credentials.js';
import { resolveHlsFile, waitForPlaylist, type HlsFile } from './relay/hls-files.js';
import type { RelayManager, RelayKey, WatchResult } from './relay/relay-manager.js';
import type { RelayStatus } from './relay/relay-process.js';
import type { LiveBus } from '../server/live/live-bus.js';
import { publicMessage } from './mask-url.js';

export type StreamName = 'main' | 'sub';
const READY_TIMEOUT_MS = 8000;

export type LiveFile = { local: true; file: HlsFile } | { local: false; url: string };

/** A relay's state as browsers see it: not its source URL (even masked) nor its directory, and errors without URLs. */
export function relayView(status: RelayStatus | undefined) {
  if (!status) return null;
  const { source: _source, dir: _dir, lastError, lastErrorDetail, ...rest } = status;
  return {
    ...rest,
    lastError: lastError === undefined ? undefined : publicMessage(lastError),
    lastErrorDetail: lastErrorDetail === undefined ? undefined : publicMessage(lastErrorDetail),
  };
}

export class LiveVideoService {
  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly relays: RelayManager,
    live?: LiveBus,
  ) {
    // Browsers learn that a relay reconnects, is live again or failed without polling.
    if (live) relays.onStateChange((key, status) => void this.announce(live, key, status).catch(() => undefined));
  }

  private async announce(live: LiveBus, key: RelayKey, status: RelayStatus): Promise<void> {
    const cameraId = Number(/^camera-(\d+)$/.exec(key.sourceId)?.[1]);
    if (!cameraId) return; // A pushed stream, not a camera.
    const camera = await new CamerasRepository(this.db).find(cameraId);
    if (!camera) return;
    const relay = { stream: key.stream, state: status.state, lastError: status.lastError ? publicMessage(status.lastError) : null, at: new Date().toISOString() };
    await live.publish([{ topic: 'cameras', townId: camera.townId, data: { cameraId, relay } }]);
  }

  /** Starts (or joins) the relay and waits for its first playable segment. */
  /** `ownerOnly`: an installer, who may watch only the cameras they registered. */
  async watch(auth: AuthContext, cameraId: number, stream: StreamName, ownerOnly = false) {
    const watch = await this.start(auth, cameraId, stream, ownerOnly);
    const playlist = `/api/cameras/${cameraId}/live/${stream}/index.m3u8`;
    if (!watch.local) return { playlist, owner: watch.owner, state: 'live' as const };
    try {
      const ready = await Promise.race([
        watch.ready,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ]);
      return { playlist, state: 'live' as const, firstSegmentMs: ready.ms, status: relayView(this.relays.status(watch.key)) };
    } catch {
      const status = relayView(this.relays.status(watch.key));
      throw new AppError(502, 'relay_failed', status?.lastError ?? 'The camera sent no video in time', { status });
    }
  }

  status(auth: AuthContext, cameraId: number, ownerOnly = false) {
    return this.camera(auth, cameraId, ownerOnly).then(() => ({
      main: relayView(this.relays.status(this.key(cameraId, 'main'))),
      sub: relayView(this.relays.status(this.key(cameraId, 'sub'))),
    }));
  }

  /**
   * A playlist or segment. A request for a stream nobody is relaying (an idle stop, a
   * restart) starts it again and waits for the playlist, so players recover by themselves.
   */
  async file(auth: AuthContext, cameraId: number, stream: StreamName, name: string, path: string, ownerOnly = false): Promise<LiveFile> {
    const key = this.key(cameraId, stream);
    // Asked before touch(): a retired (or foreign) camera's relay must not be kept alive by requests.
    await this.camera(auth, cameraId, ownerOnly);
    if (!this.relays.touch(key)) {
      const watch = await this.start(auth, cameraId, stream, ownerOnly);
      if (!watch.local) return { local: false, url: watch.owner.replace(/\/$/, '') + path };
      await waitForPlaylist(watch.dir, { timeoutMs: READY_TIMEOUT_MS });
    }
    const dir = this.relays.status(key)?.dir;
    const file = dir ? resolveHlsFile(dir, name) : undefined;
    if (!file) throw new NotFound(`Live file ${name}`);
    return { local: true, file };
  }

  private async start(auth: AuthContext, cameraId: number, stream: StreamName, ownerOnly: boolean): Promise<WatchResult> {
    const camera = await this.camera(auth, cameraId, ownerOnly);
    const secret = (await new CamerasRepository(this.db).secret(cameraId))!;
    const uri = stream === 'main' ? secret.mainStreamUri : (secret.subStreamUri ?? secret.mainStreamUri);
    if (!uri) throw new Unprocessable(`${camera.name} has no RTSP stream`, undefined, 'camera_no_rtsp');
    return this.relays.watch(this.key(cameraId, stream), withCredentials(uri, secret.username, this.box.open(secret.passwordEnc)));
  }

  /** Stops this instance's relays of a camera (retired, or its password changed: the next viewer starts afresh). */
  async stopCamera(cameraId: number): Promise<void> {
    await Promise.all((['main', 'sub'] as const).map((stream) => this.relays.stop(this.key(cameraId, stream))));
  }

  private key(cameraId: number, stream: StreamName): RelayKey {
    return { sourceId: `camera-${cameraId}`, stream };
  }

  private async camera(auth: AuthContext, id: number, ownerOnly = false) {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    if (ownerOnly) assertInstalledBy(auth, camera);
    return camera;
  }
}
