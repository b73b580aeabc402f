// What the API shows of a camera's media: for each profile whether the server plays it
// as the main or sub stream and whether it has RTSP, never the URIs themselves (the
// browser plays our HLS; the URIs, and any password inside them, stay on the server).
import { pickStreams, type MediaProfileInfo } from './onvif/profiles.js';

export interface ProfileView extends MediaProfileInfo {
  /** Which stream the server plays from this profile, if any. */
  stream: 'main' | 'sub' | null;
  /** Whether the profile has an RTSP stream; null for a profile the server never asked (neither main nor sub). */
  rtsp: boolean | null;
}

export interface StreamFlags {
  main: boolean;
  sub: boolean;
}

/** The stored profiles annotated with the roles pickStreams() gave them at registration. */
export function profileViews(profiles: readonly MediaProfileInfo[], streams: StreamFlags): ProfileView[] {
  const chosen = pickStreams(profiles);
  return profiles.map((p) => {
    const stream = p === chosen?.main ? 'main' : p === chosen?.sub ? 'sub' : null;
    return { ...p, stream, rtsp: stream === null ? null : streams[stream] };
  });
}
