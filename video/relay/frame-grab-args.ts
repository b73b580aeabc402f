// The ffmpeg command line that grabs ONE frame of a camera's stream as a JPEG on stdout,
// for cameras without a snapshot URI (or whose snapshot endpoint is broken). Pure, so it
// is tested as a list like the relay's (ffmpeg-args.ts).
import { rtspInputArgs } from '../../platform/rtsp-input.js';

export interface FrameGrabInput {
  /** rtsp://user:pass@camera/… (the credentials are ffmpeg's business only). */
  url: string;
  /** Socket I/O timeout towards the camera. */
  timeoutMs: number;
  /** JPEG quality for ffmpeg's mjpeg encoder: 2 (best) … 31 (worst). */
  quality?: number;
}

export const DEFAULT_JPEG_QUALITY = 3;

/** The complete argument list (without the ffmpeg executable itself). */
export function buildFrameGrabArgs(input: FrameGrabInput): string[] {
  const quality = Math.min(31, Math.max(2, Math.round(input.quality ?? DEFAULT_JPEG_QUALITY)));
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+error',
    ...rtspInputArgs(input.timeoutMs),
    // Decode keyframes only: a frame decoded before the first keyframe is grey smear,
    // so the picture is the first whole one (at most one GOP away).
    '-skip_frame',
    'nokey',
    '-i',
    input.url,
    '-map',
    '0:v:0',
    '-an',
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    // Cameras stream limited-range YUV; the mjpeg encoder wants full range (yuvj420p).
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    String(quality),
    '-f',
    'image2pipe',
    'pipe:1',
  ];
}
