// JPEG snapshots for GetSnapshotUri. A frame is grabbed with ffmpeg from the
// camera's own RTSP stream, so the snapshot shows the same clock as the video.
// Without a running RTSP server a test card is rendered instead. Grabs are
// shared by concurrent requests and cached briefly: a command room wall
// polling snapshots must not start one ffmpeg per tile per second.
import { spawn } from 'node:child_process';
import type { StreamName } from './types.js';

const CACHE_MS = 1000;
const GRAB_TIMEOUT_MS = 8000;

export interface SnapshotSource {
  /** RTSP URL with credentials, or undefined when the RTSP server is down. */
  rtspUrl(stream: StreamName): string | undefined;
  size(stream: StreamName): { width: number; height: number };
}

interface CacheEntry {
  at: number;
  jpeg: Promise<Buffer>;
}

export class SnapshotGrabber {
  private readonly cache = new Map<StreamName, CacheEntry>();

  constructor(
    private readonly source: SnapshotSource,
    private readonly ffmpeg = 'ffmpeg',
  ) {}

  jpeg(stream: StreamName): Promise<Buffer> {
    const hit = this.cache.get(stream);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.jpeg;
    const jpeg = this.grab(stream);
    const entry = { at: Date.now(), jpeg };
    this.cache.set(stream, entry);
    // A failed grab must not be served from the cache.
    jpeg.catch(() => {
      if (this.cache.get(stream) === entry) this.cache.delete(stream);
    });
    return jpeg;
  }

  private grab(stream: StreamName): Promise<Buffer> {
    const url = this.source.rtspUrl(stream);
    const { width, height } = this.source.size(stream);
    const input = url
      ? // The SDP carries SPS/PPS, so no probing is needed: 0.5 s per grab instead of 3 s.
        ['-rtsp_transport', 'tcp', '-analyzeduration', '0', '-probesize', '32', '-i', url]
      : ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1`];
    return runFfmpeg(this.ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      ...input,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-q:v',
      '5',
      'pipe:1',
    ]);
  }
}

function runFfmpeg(ffmpeg: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), GRAB_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(out);
      // A JPEG starts with SOI (FF D8); anything else is not a snapshot.
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg);
      else reject(new Error(`ffmpeg snapshot failed (${code ?? 'killed'}): ${err.trim()}`));
    });
  });
}
