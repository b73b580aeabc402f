// "A picture from this camera now": its snapshot URI when it has one and it works, else
// one frame grabbed from its main RTSP stream (Profile S makes snapshots optional, and
// many cheap cameras' snapshot endpoints break while the stream keeps going).
import type { CameraSecret } from './cameras.repository.js';
import { withCredentials, withPassword, type CredentialBox } from './credentials.js';
import { ServiceUnavailable } from '../platform/errors.js';
import { maskSecrets } from '../platform/mask-url.js';
import { grabFrame } from './relay/frame-grab.js';
import { fetchSnapshot } from './snapshot.js';

export interface CameraPicture {
  jpeg: Buffer;
  /** Where it came from, for the X-Snapshot-Source header and logs. */
  from: 'snapshot_uri' | 'stream';
}

export class CameraPictureError extends Error {
  override readonly name = 'CameraPictureError';
}

export type FrameGrabber = (
  url: string,
  options: { deadlineMs: number; ioTimeoutMs: number; secrets: string[] },
) => Promise<Buffer>;

/** A grab connects, waits for a keyframe (cameras send one every 1–4 s) and encodes it. */
export const GRAB_DEADLINE_MS = 10_000;
/** Each grab is an ffmpeg decoding H.264: a town server on two cores runs a few at once, no more. */
export const MAX_GRABS_AT_ONCE = 4;

export class CameraPictures {
  constructor(
    private readonly box: CredentialBox,
    private readonly timeoutMs: number,
    private readonly grabDeadlineMs = Math.max(GRAB_DEADLINE_MS, timeoutMs),
    private readonly grab: FrameGrabber = grabFrame,
  ) {}

  /** Grabs in progress by camera: viewers asking at the same moment share one ffmpeg. */
  private readonly grabbing = new Map<number, Promise<Buffer>>();

  async take(
    camera: Pick<CameraSecret, 'id' | 'username' | 'passwordEnc' | 'snapshotUri' | 'mainStreamUri' | 'subStreamUri'> & {
      host?: string;
    },
  ): Promise<CameraPicture> {
    const password = this.box.open(camera.passwordEnc);
    const failures: string[] = [];
    if (camera.snapshotUri) {
      try {
        return {
          jpeg: await fetchSnapshot(
            withPassword(camera.snapshotUri, password),
            camera.username,
            password,
            this.timeoutMs,
            camera.host ? [camera.host] : [],
          ),
          from: 'snapshot_uri',
        };
      } catch (err) {
        failures.push(`snapshot URI: ${describe(err)}`);
      }
    }
    const stream = camera.mainStreamUri ?? camera.subStreamUri;
    if (stream) {
      let grab = this.grabbing.get(camera.id);
      if (!grab) {
        if (this.grabbing.size >= MAX_GRABS_AT_ONCE)
          throw new ServiceUnavailable('Too many frame grabs at once; try again in a moment', 1);
        grab = this.grabFrom(camera.id, withCredentials(stream, camera.username, password), password);
      }
      try {
        return { jpeg: await grab, from: 'stream' };
      } catch (err) {
        failures.push(`frame from the stream: ${describe(err)}`);
      }
    } else {
      failures.push('the camera has neither a snapshot URI nor an RTSP stream');
    }
    throw new CameraPictureError(maskSecrets(failures.join('; '), [password]));
  }

  private grabFrom(cameraId: number, url: string, password: string): Promise<Buffer> {
    const deadlineMs = this.grabDeadlineMs;
    const grab = this.grab(url, {
      deadlineMs,
      ioTimeoutMs: Math.min(this.timeoutMs, deadlineMs),
      secrets: [password],
    }).finally(() => this.grabbing.delete(cameraId));
    this.grabbing.set(cameraId, grab);
    return grab;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'the camera did not answer in time';
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause.
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (err instanceof Error) return typeof cause === 'string' ? `${err.message} (${cause})` : err.message;
  return String(err);
}
