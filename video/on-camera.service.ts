// Recordings kept on the cameras themselves (ONVIF Profile G: an SD card, an NVR):
// listed from the camera's recording search, and played from its replay service through
// the same relay as live video (RTSP → HLS, one owner per stream across instances).
// Times are ours: the session moves them across the camera's clock offset. A replay
// starts at the asked instant through `starttime=` in the replay URI's query (what
// Hikvision-style firmwares take and ffmpeg can send); a replay relay that went idle
// is not restarted by a late request (its position would be lost): play it again.
import { createHash } from 'node:crypto';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound, Unprocessable } from '../platform/errors.js';
import { publicMessage } from '../platform/mask-url.js';
import { cameraNetworks } from './camera-network.js';
import type { CameraSessions } from './camera-sessions.js';
import { CamerasRepository } from './cameras.repository.js';
import { withCredentials, type CredentialBox } from './credentials.js';
import type { LiveFile } from './live-video.service.js';
import { relayView } from './live-video.service.js';
import { isOnvifError } from './onvif/errors.js';
import type { OnCameraSpan } from './onvif/onvif-driver.js';
import { resolveHlsFile } from './relay/hls-files.js';
import type { RelayKey, RelayManager } from './relay/relay-manager.js';

const READY_TIMEOUT_MS = 8000;
/** A listing waits this long for the camera before the timeline goes on without it. */
const LIST_TIMEOUT_MS = 4000;
/** Where to look for the span holding a replay's start. */
const AROUND_MS = 6 * 3_600_000;

export interface OnCameraListing {
  /** Profile G as registration found it (null: registered before it was asked). */
  offered: boolean | null;
  recordings: { token: string; source: string | null; earliest: Date | null; latest: Date | null }[];
  spans: OnCameraSpan[];
  /** Why the camera's recordings could not be listed now (the rest of the timeline stands). */
  error?: string;
}

/** The replay URI with where to start: `starttime=YYYYMMDDTHHMMSSZ` on the camera's clock. */
export function replayAt(uri: string, cameraTime: Date): string {
  const url = new URL(uri);
  url.searchParams.set(
    'starttime',
    cameraTime
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z'),
  );
  return url.toString();
}

/** A relay stream name for one replay: where it starts, and which recording. */
export function replayStream(token: string, at: Date): string {
  const tag = createHash('sha1').update(token).digest('hex').slice(0, 8);
  return `replay-${Math.floor(at.getTime() / 1000)}-${tag}`;
}

const REPLAY_STREAM = /^replay-\d{1,12}-[0-9a-f]{8}$/;

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class OnCameraService {
  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly sessions: CameraSessions,
    private readonly relays: RelayManager,
  ) {}

  private async camera(auth: AuthContext, id: number) {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }

  /** The camera's own recordings within [from, to); a camera that cannot answer now gives an error, not a failure. */
  async list(auth: AuthContext, cameraId: number, from: Date, to: Date): Promise<OnCameraListing> {
    const camera = await this.camera(auth, cameraId);
    if (camera.profileG !== true) return { offered: camera.profileG, recordings: [], spans: [] };
    try {
      const found = await within(
        this.sessions.use(cameraId, (s) => s.recordings(from, to)),
        LIST_TIMEOUT_MS,
        camera.name,
      );
      return {
        offered: true,
        recordings: found.recordings.map(({ token, source, earliest, latest }) => ({
          token,
          source,
          earliest,
          latest,
        })),
        spans: found.spans,
      };
    } catch (err) {
      return { offered: true, recordings: [], spans: [], error: publicMessage((err as Error).message) };
    }
  }

  /** Starts (or joins) a relay of the camera's recording from `at`; answers when its first segment is ready. */
  async replay(auth: AuthContext, cameraId: number, at: Date) {
    const camera = await this.camera(auth, cameraId);
    if (camera.profileG !== true)
      throw new Unprocessable(
        `${camera.name} 不提供存储卡录像回放 (the camera offers no ONVIF recording search and replay, Profile G)`,
        { profileG: camera.profileG },
        'camera_no_profile_g',
      );
    const secret = (await new CamerasRepository(this.db).secret(cameraId))!;
    const { span, uri, clockOffsetMs } = await this.sessions
      .use(cameraId, async (s) => {
        const found = await s.recordings(new Date(at.getTime() - AROUND_MS), new Date(at.getTime() + AROUND_MS));
        const span = found.spans.find((x) => x.from <= at && at < x.to);
        if (!span) return { span: undefined, uri: '', clockOffsetMs: found.clockOffsetMs };
        return { span, uri: await s.replayUri(span.recording), clockOffsetMs: found.clockOffsetMs };
      })
      .catch((err: unknown) => {
        if (isOnvifError(err))
          throw new AppError(502, 'camera_replay_failed', publicMessage(`${camera.name}: ${err.message}`));
        throw err;
      });
    if (!span)
      throw new AppError(
        404,
        'no_footage',
        `${camera.name} 的存储卡在 ${at.toISOString()} 没有录像 (no footage on the camera at this instant)`,
        { at },
      );
    // A camera reporting a replay address off its own host and the camera networks is not followed.
    cameraNetworks().assertReported([uri], [secret.host]);
    const password = this.box.open(secret.passwordEnc);
    const source = replayAt(withCredentials(uri, secret.username, password), new Date(at.getTime() + clockOffsetMs));
    const stream = replayStream(span.recording, at);
    const watch = await this.relays.watch(this.key(cameraId, stream), source, 'copy');
    const playlist = `/api/cameras/${cameraId}/on-camera/${stream}/index.m3u8`;
    const answer = { playlist, recording: span.recording, from: at, span: { from: span.from, to: span.to } };
    if (!watch.local) return { ...answer, state: 'live' as const, owner: watch.owner };
    try {
      const ready = await within(watch.ready, READY_TIMEOUT_MS, 'replay');
      return { ...answer, state: 'live' as const, firstSegmentMs: ready.ms };
    } catch {
      const status = relayView(this.relays.status(watch.key));
      throw new AppError(502, 'relay_failed', status?.lastError ?? 'The camera sent no replay video in time', {
        status,
      });
    }
  }

  /** A playlist or segment of a running replay (here, or proxied to the instance that runs it). */
  async file(auth: AuthContext, cameraId: number, stream: string, name: string, path: string): Promise<LiveFile> {
    await this.camera(auth, cameraId);
    if (!REPLAY_STREAM.test(stream)) throw new NotFound(`Replay ${stream}`);
    const key = this.key(cameraId, stream);
    if (!this.relays.touch(key)) {
      const owner = await this.relays.owner(key);
      if (owner) return { local: false, url: owner.baseUrl.replace(/\/$/, '') + path };
      throw new NotFound(`Replay ${stream} (it ended; play it again)`);
    }
    const dir = this.relays.status(key)?.dir;
    const file = dir ? resolveHlsFile(dir, name) : undefined;
    if (!file) throw new NotFound(`Replay file ${name}`);
    return { local: true, file };
  }

  private key(cameraId: number, stream: string): RelayKey {
    return { sourceId: `camera-${cameraId}`, stream };
  }
}
