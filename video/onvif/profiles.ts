// Media profiles as the driver reports them, and the choice of main and sub
// stream. Cameras name profiles freely ("mainStream", "Profile_1", "MediaProfile000"),
// so the choice goes by resolution, not by name.
import { at, attr, list, num, str } from './read.js';

export interface MediaProfileInfo {
  token: string;
  name: string;
  width: number;
  height: number;
  /** "H264", "H265", "JPEG", … as the camera spells it. */
  encoding: string;
  /** Frame-rate limit of the encoder; null when the camera does not say. */
  fps: number | null;
  /** The profile carries a PTZ configuration (PTZ commands name such a profile). */
  ptz: boolean;
}

/** Video profiles of a GetProfiles answer (the library's Media1 or Media2 shape); audio-only or metadata profiles are left out. */
export function readProfiles(raw: unknown): MediaProfileInfo[] {
  const profiles: MediaProfileInfo[] = [];
  for (const p of list(raw)) {
    const token = str(attr(p, 'token'));
    const encoder = at(p, 'videoEncoderConfiguration');
    const width = num(at(encoder, 'resolution', 'width'));
    const height = num(at(encoder, 'resolution', 'height'));
    if (token === undefined || width === undefined || height === undefined) continue;
    profiles.push({
      token,
      name: str(at(p, 'name')) ?? token,
      width,
      height,
      encoding: str(at(encoder, 'encoding')) ?? 'unknown',
      fps: num(at(encoder, 'rateControl', 'frameRateLimit')) ?? null,
      ptz: at(p, 'PTZConfiguration') !== undefined,
    });
  }
  return profiles;
}

/** Main = the highest resolution, sub = the lowest other one (null with a single profile). Ties keep the camera's order. */
export function pickStreams(
  profiles: readonly MediaProfileInfo[],
): { main: MediaProfileInfo; sub: MediaProfileInfo | null } | undefined {
  if (profiles.length === 0) return undefined;
  const pixels = (p: MediaProfileInfo): number => p.width * p.height;
  const main = profiles.reduce((best, p) => (pixels(p) > pixels(best) ? p : best));
  const others = profiles.filter((p) => p !== main);
  const sub = others.length === 0 ? null : others.reduce((low, p) => (pixels(p) < pixels(low) ? p : low));
  return { main, sub };
}

/**
 * The URI without user:password@. Some cameras put the credentials into the
 * URIs they report; the caller adds its own when it connects, and a URI
 * without them can be logged and stored.
 */
export function withoutCredentials(uri: string): string {
  try {
    const url = new URL(uri);
    if (!url.username && !url.password) return uri;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
}
