// Which ffmpeg to run. The order (docs/DESIGN "Video"): FFMPEG_PATH, else the binary of
// the ffmpeg-static package where it installed, else `ffmpeg` on PATH (Debian's package).
// ffmpeg-static downloads its binary in an install script, which npm skips on these
// machines, so the package is optional: it may be missing, or present without a binary.
import { access, constants } from 'node:fs/promises';

export interface FfmpegPathOptions {
  env?: NodeJS.ProcessEnv;
  /** Loads ffmpeg-static's default export (the binary's path); replaceable in tests. */
  loadStatic?: () => Promise<unknown>;
}

export type FfmpegSource = 'env' | 'ffmpeg-static' | 'path';

// A variable specifier: TypeScript does not resolve it, so the project compiles
// whether or not the package is installed.
const FFMPEG_STATIC = 'ffmpeg-static';

async function importFfmpegStatic(): Promise<unknown> {
  const mod = (await import(FFMPEG_STATIC)) as { default?: unknown };
  return mod.default;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The ffmpeg to spawn and where that answer came from. */
export async function resolveFfmpeg(options: FfmpegPathOptions = {}): Promise<{ path: string; source: FfmpegSource }> {
  const env = options.env ?? process.env;
  const fromEnv = env['FFMPEG_PATH']?.trim();
  if (fromEnv) return { path: fromEnv, source: 'env' };
  try {
    const candidate = await (options.loadStatic ?? importFfmpegStatic)();
    if (typeof candidate === 'string' && candidate && (await isExecutable(candidate))) {
      return { path: candidate, source: 'ffmpeg-static' };
    }
  } catch {
    // Not installed: fall through to PATH.
  }
  return { path: 'ffmpeg', source: 'path' };
}

let cached: Promise<string> | undefined;

/** The process-wide ffmpeg path, resolved once. */
export function ffmpegPath(): Promise<string> {
  cached ??= resolveFfmpeg().then((r) => r.path);
  return cached;
}
