// "A picture from this camera now": its snapshot URI when it has one and it works, else
// one frame grabbed from its main RTSP stream (Profile S makes snapshots optional, and
// many cheap cameras' snapshot endpoints break while the stream keeps going).
import type { CameraSecret } from './cameras.repository.js';
import { withCredentials, withPassword, type CredentialBox } from './credentials.js';
import { maskSecrets } from './mask-url.js';
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

export type FrameGrabber = (url: string, options: { deadlineMs: number; ioTimeoutMs: number; secrets: string[] }) => Promise<Buffer>;

/** A grab connects, waits for a keyframe (cameras send one every 1–4 s) and encodes it. */
export const GRAB_DEADLINE_MS = 10_000;

export class CameraPictures {
  constructor(
    private readonly box: CredentialBox,
    private readonly timeoutMs: number,
    private readonly grabDeadlineMs = Math.max(GRAB_DEADLINE_MS, timeoutMs),
    private readonly grab: FrameGrabber = grabFrame,
  ) {}

  async take(camera: Pick<CameraSecret, 'username' | 'passwordEnc' | 'snapshotUri' | 'mainStreamUri' | 'subStreamUri'>): Promise<CameraPicture> {
    const password = this.box.open(camera.passwordEnc);
    const failures: string[] = [];
    if (camera.snapshotUri) {
      try {
        return { jpeg: await fetchSnapshot(withPassword(camera.snapshotUri, password), camera.username, password, this.timeoutMs), from: 'snapshot_uri' };
      } catch (err) {
        failures.push(`snapshot URI: ${describe(err)}`);
      }
    }
    const stream = camera.mainStreamUri ?? camera.subStreamUri;
    if (stream) {
      try {
        const url = withCredentials(stream, camera.username, password);
        const deadlineMs = this.grabDeadlineMs;
        return { jpeg: await this.grab(url, { deadlineMs, ioTimeoutMs: Math.min(this.timeoutMs, deadlineMs), secrets: [password] }), from: 'stream' };
      } catch (err) {
        failures.push(`frame from the stream: ${describe(err)}`);
      }
    } else {
      failures.push('the camera has neither a snapshot URI nor an RTSP stream');
    }
    throw new CameraPictureError(maskSecrets(failures.join('; '), [password]));
  }
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'the camera did not answer in time';
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause.
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (err instanceof Error) return typeof cause === 'string' ? `${err.message} (${cause})` : err.message;
  return String(err);
}
