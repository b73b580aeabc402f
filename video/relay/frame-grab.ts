// One JPEG from a camera's RTSP stream, for cameras that offer no snapshot URI (or whose
// snapshot endpoint fails). One short-lived ffmpeg, killed at a hard deadline; its stderr
// is masked before it can reach an error message or a log line.
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { moduleLogger } from '../../platform/logger.js';
import { ffmpegPath } from '../../platform/ffmpeg-path.js';
import { maskSecrets, maskUrl, secretsOfUrl } from '../../platform/mask-url.js';
import { spawnSupervised } from '../../platform/children.js';
import { explainExit } from './ffmpeg-errors.js';
import { buildFrameGrabArgs } from './frame-grab-args.js';

export class FrameGrabError extends Error {
  override readonly name = 'FrameGrabError';
}

export interface FrameGrabOptions {
  /** The whole grab (connect, first keyframe, encode) must be done within this. */
  deadlineMs: number;
  /** Socket I/O timeout towards the camera; default: the deadline. */
  ioTimeoutMs?: number;
  /** More literals to mask (the decoded password is found in the URL already). */
  secrets?: readonly string[];
  ffmpegPath?: string;
  logger?: Logger;
}

const STDERR_LINES_KEPT = 20;
const MAX_JPEG_BYTES = 20 * 1024 * 1024;

/** Grabs the first whole frame of `url` (rtsp://user:pass@…) as a JPEG. */
export async function grabFrame(url: string, options: FrameGrabOptions): Promise<Buffer> {
  const secrets = [...secretsOfUrl(url), ...(options.secrets ?? [])];
  const masked = maskSecrets(maskUrl(url), secrets);
  const log = options.logger ?? moduleLogger('frame-grab');
  const ffmpeg = options.ffmpegPath ?? (await ffmpegPath());
  const started = Date.now();
  const child = spawnSupervised(
    ffmpeg,
    buildFrameGrabArgs({ url, timeoutMs: options.ioTimeoutMs ?? options.deadlineMs }),
    { stdout: 'pipe' },
  );
  const chunks: Buffer[] = [];
  let bytes = 0;
  const lines: string[] = [];
  let killedFor: string | undefined;
  const kill = (reason: string): void => {
    killedFor ??= reason;
    child.kill('SIGKILL');
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_JPEG_BYTES) kill('the frame is larger than 20 MiB');
    else chunks.push(chunk);
  });
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      const clean = maskSecrets(line, secrets);
      lines.push(clean);
      if (lines.length > STDERR_LINES_KEPT) lines.shift();
      log.debug({ ffmpegPid: child.pid, line: clean }, 'ffmpeg');
    });
  }
  const deadline = setTimeout(
    () => kill(`no frame from the camera within ${Math.round(options.deadlineMs / 100) / 10} s`),
    options.deadlineMs,
  );
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        lines.push(maskSecrets(`spawn ${ffmpeg} ${err.code ?? err.message}`, secrets));
        resolve({ code: null, signal: null });
      }
    });
  }).finally(() => clearTimeout(deadline));
  const ranMs = Date.now() - started;
  const jpeg = Buffer.concat(chunks);
  // A JPEG starts with FF D8 FF.
  if (code === 0 && jpeg.length > 3 && jpeg[0] === 0xff && jpeg[1] === 0xd8) {
    log.debug({ source: masked, ms: ranMs, bytes: jpeg.length }, 'frame grabbed');
    return jpeg;
  }
  const reason =
    killedFor ??
    explainExit({
      lines,
      code,
      signal,
      ranMs,
      timeoutMs: options.ioTimeoutMs ?? options.deadlineMs,
      kind: 'rtsp',
      produced: false,
    });
  log.warn({ source: masked, error: reason, code, signal, ms: ranMs }, 'frame grab failed');
  throw new FrameGrabError(maskSecrets(reason, secrets));
}
