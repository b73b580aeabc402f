// Wall time ⇄ position in a playback's video. The server's VOD playlist gives every
// segment its wall time (EXT-X-PROGRAM-DATE-TIME) and duration (EXTINF); hls.js lays the
// segments end to end, so a gap in the footage takes no room in the video. Reading the
// same lines tells which instant the picture shows and where an instant is.

export interface PlaylistEntry {
  /** Wall time of the segment's first frame, ms. */
  at: number;
  /** Where the segment begins in the video, s. */
  start: number;
  /** s */
  duration: number;
}

export function parsePlaylist(text: string): PlaylistEntry[] {
  const entries: PlaylistEntry[] = [];
  let at: number | null = null;
  let start = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) at = Date.parse(line.slice(25).trim());
    else if (line.startsWith('#EXTINF:')) {
      const duration = Number.parseFloat(line.slice(8));
      if (at !== null && Number.isFinite(at) && duration > 0) entries.push({ at, start, duration });
      start += Number.isFinite(duration) ? duration : 0;
      at = null;
    }
  }
  return entries;
}

/** The first and last instants the playlist holds, ms; null when empty. */
export function playlistSpan(entries: readonly PlaylistEntry[]): { from: number; to: number } | null {
  const last = entries[entries.length - 1];
  return last ? { from: entries[0]!.at, to: last.at + last.duration * 1000 } : null;
}

/** The instant shown at video position `t` (s). */
export function wallAt(entries: readonly PlaylistEntry[], t: number): number | null {
  let e: PlaylistEntry | undefined;
  for (const x of entries) {
    if (x.start > t) break;
    e = x;
  }
  if (!e) return entries[0]?.at ?? null;
  return e.at + Math.min(t - e.start, e.duration) * 1000;
}

/** The video position (s) of instant `at` (ms); in a gap, where the footage resumes. */
export function positionOf(entries: readonly PlaylistEntry[], at: number): number {
  for (const e of entries) {
    if (at < e.at) return e.start;
    if (at < e.at + e.duration * 1000) return e.start + (at - e.at) / 1000;
  }
  const last = entries[entries.length - 1];
  return last ? last.start + last.duration : 0;
}

/** Whether the playlist has footage at `at` (not in a gap between its segments). */
export function hasFootageAt(entries: readonly PlaylistEntry[], at: number, slackMs = 1500): boolean {
  return entries.some((e) => at >= e.at - slackMs && at < e.at + e.duration * 1000 + slackMs);
}
