// What the HTTP layer needs to serve a relay's HLS files: a whitelist of names (the
// request path is user input and must never reach the file system unchecked), content
// types and caching, and a wait for the first playable playlist.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PLAYLIST_NAME, SEGMENT_PREFIX } from './ffmpeg-args.js';

export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
export const SEGMENT_CONTENT_TYPE = 'video/mp2t';

const SEGMENT_NAME = new RegExp(`^${SEGMENT_PREFIX}(\\d{1,12})\\.ts$`);

export interface HlsFile {
  /** Absolute path inside the relay directory. */
  path: string;
  kind: 'playlist' | 'segment';
  contentType: string;
  /** The playlist changes every segment; a segment never changes once listed. */
  cacheControl: string;
}

/** The number in "seg_000042.ts", or undefined for any other name. */
export function segmentNumber(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * The file a request for `name` may read, or undefined: only "index.m3u8" and
 * "seg_<digits>.ts" are served, so "../", absolute paths, ".tmp" files being written,
 * encoded separators and the like never match.
 */
export function resolveHlsFile(dir: string, name: string): HlsFile | undefined {
  let kind: HlsFile['kind'];
  if (name === PLAYLIST_NAME) kind = 'playlist';
  else if (segmentNumber(name) !== undefined) kind = 'segment';
  else return undefined;
  const root = path.resolve(dir);
  const file = path.resolve(root, name);
  // Belt and braces: the whitelist already excludes separators.
  if (path.dirname(file) !== root) return undefined;
  return kind === 'playlist'
    ? { path: file, kind, contentType: PLAYLIST_CONTENT_TYPE, cacheControl: 'no-cache' }
    : { path: file, kind, contentType: SEGMENT_CONTENT_TYPE, cacheControl: 'public, max-age=60' };
}

export interface Playlist {
  mediaSequence: number;
  targetDuration: number | undefined;
  /** Segment URIs in order. */
  segments: string[];
  discontinuity: boolean;
  ended: boolean;
}

/** A minimal reading of a media playlist, enough to tell whether it is playable. */
export function parsePlaylist(text: string): Playlist | undefined {
  if (!text.startsWith('#EXTM3U')) return undefined;
  const playlist: Playlist = {
    mediaSequence: 0,
    targetDuration: undefined,
    segments: [],
    discontinuity: false,
    ended: false,
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) playlist.mediaSequence = Number(line.slice(22)) || 0;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) playlist.targetDuration = Number(line.slice(22));
    else if (line === '#EXT-X-DISCONTINUITY') playlist.discontinuity = true;
    else if (line === '#EXT-X-ENDLIST') playlist.ended = true;
    else if (!line.startsWith('#')) playlist.segments.push(line);
  }
  return playlist;
}

/** The playlist of a relay directory if it exists and lists at least one segment. */
export async function readPlayablePlaylist(dir: string): Promise<Playlist | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, PLAYLIST_NAME), 'utf8');
  } catch {
    return undefined;
  }
  const playlist = parsePlaylist(text);
  return playlist && playlist.segments.length > 0 ? playlist : undefined;
}

export interface WaitOptions {
  timeoutMs: number;
  /** How often to look; the playlist is a small file on tmpfs. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits until the relay directory holds a playable playlist (at least one segment
 * listed). Resolves with the playlist, or undefined when the time is up or the signal
 * aborts: the HTTP layer then answers from the relay's status (starting / failed).
 */
export async function waitForPlaylist(dir: string, options: WaitOptions): Promise<Playlist | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    const playlist = await readPlayablePlaylist(dir);
    if (playlist) return playlist;
    const left = deadline - Date.now();
    if (left <= 0 || options.signal?.aborted) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
  }
}
