// Playback: a camera's timeline (recorded spans, gaps, alarms and incidents, and what
// the camera recorded itself, marked 'on camera', played by the video domain), the days
// with footage, and an HLS VOD playlist made from the segment index for any instant,
// played by hls.js like live video. Segment files deleted by hand are found here: their
// rows become gaps ('file_missing') and the playlist skips them.
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound, Unprocessable } from '../platform/errors.js';
import type { CameraPort, CameraRef } from './camera-port.js';
import { RecordingsRepository, type Segment } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';

/** A playlist covers at most this much (the player asks again further on). */
export const PLAYLIST_MAX_MS = 3 * 3_600_000;
const DAY_MS = 86_400_000;

export class NoFootage extends AppError {
  constructor(camera: string, from: Date, to: Date) {
    super(
      404,
      'no_footage',
      `${camera} 在 ${from.toISOString()} 至 ${to.toISOString()} 没有录像 (no footage in this range)`,
      {
        from,
        to,
      },
    );
  }
}

export function assertRange(from: Date, to: Date, maxMs: number, what: string): void {
  if (!(to.getTime() > from.getTime()))
    throw new Unprocessable(`${what}: 结束时间须晚于开始时间 (to must be after from)`);
  if (to.getTime() - from.getTime() > maxMs)
    throw new Unprocessable(
      `${what}: 时间段过长，最长 ${Math.round(maxMs / 1000)} 秒 (range too long)`,
      {
        maxSeconds: Math.round(maxMs / 1000),
      },
      'range_too_long',
    );
}

export class PlaybackService {
  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly cfg: RecordingsConfig,
    private readonly offsetHours: number,
  ) {}

  camera(auth: AuthContext, id: number): Promise<CameraRef> {
    return this.cameras.camera(auth, id);
  }

  async timeline(auth: AuthContext, cameraId: number, from: Date, to: Date) {
    const camera = await this.cameras.camera(auth, cameraId);
    assertRange(from, to, 7 * DAY_MS, '时间线');
    const repo = new RecordingsRepository(this.db);
    const [spans, gaps, holds, alarms, status, onCamera] = await Promise.all([
      repo.spans(cameraId, from, to),
      repo.gaps(cameraId, from, to),
      repo.holds(cameraId, from, to),
      this.cameras.alarms(auth, cameraId),
      repo.status(cameraId),
      this.cameras.onCamera(auth, cameraId, from, to),
    ]);
    return {
      camera,
      from,
      to,
      status,
      spans,
      gaps,
      alarms: alarms.filter((a) => a.at >= from && a.at < to),
      incidents: holds
        .filter((h) => h.reason === 'incident')
        .map((h) => ({ incidentId: h.incidentId, from: h.from, to: h.to, label: h.label, heldUntil: h.heldUntil })),
      holds: holds.filter((h) => h.reason === 'alarm').map((h) => ({ from: h.from, to: h.to, label: h.label })),
      // Played with POST /api/cameras/:id/on-camera/replay.
      onCamera: { ...onCamera, spans: onCamera.spans.map((s) => ({ ...s, source: 'on_camera' as const })) },
    };
  }

  /** Local days of a month (YYYY-MM) with footage. */
  async days(auth: AuthContext, cameraId: number, month: string) {
    await this.cameras.camera(auth, cameraId);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const from = new Date(Date.UTC(y, m - 1, 1) - this.offsetHours * 3_600_000);
    const to = new Date(Date.UTC(y, m, 1) - this.offsetHours * 3_600_000);
    return { month, days: await new RecordingsRepository(this.db).days(cameraId, from, to, this.offsetHours) };
  }

  /**
   * The segments of a range whose files are there; rows of missing files become gaps.
   * One directory listing per camera-day rather than a look-up per file: a 10-minute
   * clip is 150 files, and on a loaded machine every look-up waits for the CPU.
   */
  async footage(cameraId: number, from: Date, to: Date): Promise<Segment[]> {
    const repo = new RecordingsRepository(this.db);
    const segments = await repo.segments(cameraId, from, to);
    const dirs = new Map<string, Promise<Set<string>>>();
    const listing = (dir: string) => {
      let names = dirs.get(dir);
      if (!names) {
        names = readdir(path.join(this.cfg.dir, dir)).then(
          (list) => new Set(list),
          () => new Set<string>(),
        );
        dirs.set(dir, names);
      }
      return names;
    };
    const present = await Promise.all(
      segments.map(async (s) => (await listing(path.dirname(s.file))).has(path.basename(s.file))),
    );
    const missing = segments.filter((_, i) => !present[i]).map((s) => s.id);
    if (missing.length) await repo.forgetSegments(missing);
    return segments.filter((_, i) => present[i]);
  }

  /** An HLS VOD playlist from `from` (the player starts there) to `to`. */
  async playlist(auth: AuthContext, cameraId: number, from: Date, to: Date): Promise<string> {
    const camera = await this.cameras.camera(auth, cameraId);
    assertRange(from, to, PLAYLIST_MAX_MS, '回放');
    const segments = await this.footage(cameraId, from, to);
    if (segments.length === 0) throw new NoFootage(camera.name, from, to);
    return buildPlaylist(segments, from);
  }

  async segmentFile(auth: AuthContext, cameraId: number, segmentId: number): Promise<string> {
    await this.cameras.camera(auth, cameraId);
    const repo = new RecordingsRepository(this.db);
    const s = await repo.segment(segmentId);
    if (!s || s.cameraId !== cameraId) throw new NotFound(`Segment ${segmentId}`);
    const file = path.join(this.cfg.dir, s.file);
    try {
      await access(file);
    } catch {
      await repo.forgetSegments([s.id]);
      throw new NotFound(`Segment ${segmentId} (file deleted)`);
    }
    return file;
  }
}

/**
 * The playlist text: EXT-X-PROGRAM-DATE-TIME on every segment (the player shows wall
 * time), a discontinuity where a new ffmpeg run or a gap begins, and EXT-X-START at the
 * asked instant.
 */
export function buildPlaylist(segments: readonly Segment[], from: Date): string {
  const durations = segments.map((s) => (s.endedAt.getTime() - s.startedAt.getTime()) / 1000);
  const target = Math.max(1, Math.ceil(Math.max(...durations)));
  const offset = Math.max(0, (from.getTime() - segments[0]!.startedAt.getTime()) / 1000);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-START:TIME-OFFSET=${offset.toFixed(3)},PRECISE=YES`,
  ];
  segments.forEach((s, i) => {
    const prev = segments[i - 1];
    if (prev && (prev.run !== s.run || s.startedAt.getTime() - prev.endedAt.getTime() > 1500))
      lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.startedAt.toISOString()}`);
    lines.push(`#EXTINF:${durations[i]!.toFixed(3)},`);
    lines.push(`segments/${s.id}.ts`);
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
