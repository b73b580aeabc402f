// Live video for browsers: a camera's stream relayed to HLS on demand (the first
// viewer starts it, every viewer shares it, nobody watching stops it). The camera's
// URL and password stay here; browsers only see our HLS paths. When another api
// instance owns the relay, the request is answered by proxying to it.
import { assertInstalledBy } from './camera-owner.js';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound, Unprocessable } from '../platform/errors.js';
import { CamerasRepository } from './cameras.repository.js';
import { withCredentials, type CredentialBox } from './credentials.js';
import { resolveHlsFile, waitForPlaylist, type HlsFile } from './relay/hls-files.js';
import type { RelayManager, RelayKey, WatchResult } from './relay/relay-manager.js';
import type { RelayStatus } from './relay/relay-process.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { publicMessage } from '../platform/mask-url.js';

export type StreamName = 'main' | 'sub';
/** What a relay serves: a camera stream as it is, or its on-demand H.264 transcode. */
export type RelayName = StreamName | 'main-h264' | 'sub-h264';
export const RELAY_NAMES: readonly RelayName[] = ['main', 'sub', 'main-h264', 'sub-h264'];
export type VideoCodec = 'h264' | 'h265';
const READY_TIMEOUT_MS = 8000;

/** "H265", "HEVC" → h265; H.264 and anything else a relay copies → h264 (what the player is told). */
export function codecOf(encoding: string | undefined): VideoCodec {
  return /^(h\.?265|hevc)$/i.test(encoding ?? '') ? 'h265' : 'h264';
}

export interface StreamChoice {
  /** The relay that serves the viewer. */
  relay: RelayName;
  /** The camera stream it comes from. */
  stream: StreamName;
  codec: VideoCodec;
  transcoded: boolean;
}

/**
 * Which relay a viewer gets. A player that decodes the stream's codec gets it as
 * it is (copy); one that cannot decode H.265 gets the camera's other stream when
 * that one is H.264, else an on-demand H.264 transcode.
 */
export function chooseStream(
  requested: StreamName,
  codecs: Partial<Record<StreamName, VideoCodec>>,
  decodes: readonly VideoCodec[],
): StreamChoice {
  const codec = codecs[requested] ?? codecs.main ?? 'h264';
  if (decodes.includes(codec)) return { relay: requested, stream: requested, codec, transcoded: false };
  const other: StreamName = requested === 'main' ? 'sub' : 'main';
  const otherCodec = codecs[other];
  if (otherCodec !== undefined && decodes.includes(otherCodec))
    return { relay: other, stream: other, codec: otherCodec, transcoded: false };
  return { relay: `${requested}-h264`, stream: requested, codec: 'h264', transcoded: true };
}

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
    const relay = {
      stream: key.stream,
      state: status.state,
      lastError: status.lastError ? publicMessage(status.lastError) : null,
      at: new Date().toISOString(),
    };
    await live.publish([{ topic: 'cameras', townId: camera.townId, data: { cameraId, relay } }]);
  }

  /**
   * Starts (or joins) the relay and waits for its first playable segment. `decodes`:
   * the codecs the player can decode (browsers without H.265 send ['h264']). `ownerOnly`:
   * an installer, who may watch only the cameras they registered.
   */
  async watch(
    auth: AuthContext,
    cameraId: number,
    requested: StreamName,
    decodes: readonly VideoCodec[] = ['h264'],
    ownerOnly = false,
  ) {
    const camera = await this.camera(auth, cameraId, ownerOnly);
    const codecs: Partial<Record<StreamName, VideoCodec>> = {};
    for (const p of camera.profiles) if (p.stream) codecs[p.stream] = codecOf(p.encoding);
    if (!camera.streams.sub) delete codecs.sub;
    const choice = chooseStream(requested, codecs, decodes);
    const watch = await this.start(auth, cameraId, choice.relay, ownerOnly);
    const playlist = `/api/cameras/${cameraId}/live/${choice.relay}/index.m3u8`;
    const served = { stream: choice.stream, codec: choice.codec, transcoded: choice.transcoded };
    if (!watch.local) return { playlist, owner: watch.owner, state: 'live' as const, ...served };
    try {
      const ready = await Promise.race([
        watch.ready,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ]);
      return {
        playlist,
        state: 'live' as const,
        firstSegmentMs: ready.ms,
        status: relayView(this.relays.status(watch.key)),
        ...served,
      };
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
  async file(
    auth: AuthContext,
    cameraId: number,
    stream: RelayName,
    name: string,
    path: string,
    ownerOnly = false,
  ): Promise<LiveFile> {
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

  private async start(auth: AuthContext, cameraId: number, relay: RelayName, ownerOnly: boolean): Promise<WatchResult> {
    const camera = await this.camera(auth, cameraId, ownerOnly);
    const secret = (await new CamerasRepository(this.db).secret(cameraId))!;
    const stream: StreamName = relay.startsWith('main') ? 'main' : 'sub';
    const uri = stream === 'main' ? secret.mainStreamUri : (secret.subStreamUri ?? secret.mainStreamUri);
    if (!uri) throw new Unprocessable(`${camera.name} has no RTSP stream`, undefined, 'camera_no_rtsp');
    const video = relay.endsWith('-h264') ? 'h264' : 'copy';
    return this.relays.watch(
      this.key(cameraId, relay),
      withCredentials(uri, secret.username, this.box.open(secret.passwordEnc)),
      video,
    );
  }

  /** Stops this instance's relays of a camera (retired, or its password changed: the next viewer starts afresh). */
  async stopCamera(cameraId: number): Promise<void> {
    await Promise.all(RELAY_NAMES.map((relay) => this.relays.stop(this.key(cameraId, relay))));
  }

  private key(cameraId: number, stream: RelayName): RelayKey {
    return { sourceId: `camera-${cameraId}`, stream };
  }

  private async camera(auth: AuthContext, id: number, ownerOnly = false) {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    if (ownerOnly) assertInstalledBy(auth, camera);
    return camera;
  }
}
