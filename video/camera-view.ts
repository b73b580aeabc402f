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

/** A stored profile; `chosen` is set once an installer picked the main and sub streams by hand. */
export type StoredProfile = MediaProfileInfo & { chosen?: 'main' | 'sub' | null };

/** The stored profiles annotated with their roles: the installer's choice, else what pickStreams() gave them at registration. */
export function profileViews(profiles: readonly StoredProfile[], streams: StreamFlags): ProfileView[] {
  const byHand = profiles.some((p) => p.chosen);
  const picked = byHand ? undefined : pickStreams(profiles);
  return profiles.map(({ chosen, ...p }, i) => {
    const stream = byHand
      ? (chosen ?? null)
      : profiles[i] === picked?.main
        ? 'main'
        : profiles[i] === picked?.sub
          ? 'sub'
          : null;
    return { ...p, stream, rtsp: stream === null ? null : streams[stream] };
  });
}
