// Export: a clip [from, to] as one MP4 made by stream copy, its SHA-256, and a row in the
// append-only export log (who, which camera, which range, when). MPEG-TS segments join
// byte for byte, so ffmpeg reads the segment files as ONE stream through its `concatf:`
// protocol: one probe, where the concat demuxer probed every file (150 for a 10-minute
// clip, seconds on a loaded machine). ffmpeg rebases the timestamps where a new
// recording run begins (MPEG-TS allows discontinuities), as the playlist's
// discontinuities do. The clip starts at the keyframe that opens the segment holding
// `from` (never later than asked) and ends at the first frame decoded at `to` (the last
// segment is cut there, ts-cut.ts). No faststart: a second pass over the file, for a
// download, is CPU a loaded machine does not have. The ffmpeg is one started ahead
// (ready-ffmpeg.ts); it writes under a temporary name, renamed when complete, so a failed
// export leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound } from '../platform/errors.js';
import type { CameraPort } from './camera-port.js';
import { assertRange, NoFootage, type PlaybackService } from './playback.service.js';
import { ReadyFfmpeg } from './ready-ffmpeg.js';
import { RecordingsRepository, type ExportRow, type Segment } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';
import { cutAtSeconds } from './ts-cut.js';

/** One buffer read into again and again: no allocation per chunk (CPU is what a loaded machine lacks). */
async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  const f = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const { bytesRead } = await f.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await f.close();
  }
}

/** The first `bytes` of a file. */
async function head(file: string, bytes: number): Promise<Buffer> {
  const f = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await f.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await f.close();
  }
}

/**
 * The concatf list of a clip: every segment's file, the last one cut at `to` when it
 * ends inside it (`subfile`, a byte range of the file).
 */
export async function clipList(root: string, segments: readonly Segment[], to: Date): Promise<string> {
  const last = segments[segments.length - 1]!;
  const lines = segments.map((s) => `file:${path.join(root, s.file)}`);
  if (to < last.endedAt) {
    const file = path.join(root, last.file);
    const cut = cutAtSeconds(await head(file, last.bytes), (to.getTime() - last.startedAt.getTime()) / 1000);
    if (cut !== null) lines[lines.length - 1] = `subfile,,start,0,end,${cut},,:file:${file}`;
  }
  return lines.map((l) => `${l}\n`).join('');
}

export function exportView(e: ExportRow) {
  const { file: _file, ...rest } = e;
  return { ...rest, url: `/api/recordings/exports/${e.id}/file` };
}

export class ExportService {
  private readonly ffmpeg: ReadyFfmpeg;

  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly playback: PlaybackService,
    private readonly cfg: RecordingsConfig,
  ) {
    this.ffmpeg = new ReadyFfmpeg(path.join(cfg.dir, 'exports'));
  }

  /** Starts the ffmpeg of the next export (the api process, at start). */
  async prepare(): Promise<void> {
    await mkdir(path.join(this.cfg.dir, 'exports'), { recursive: true });
    this.ffmpeg.prepare();
  }

  close(): Promise<void> {
    return this.ffmpeg.close();
  }

  async export(auth: AuthContext, cameraId: number, from: Date, to: Date) {
    // The camera's town first: another town's caller learns nothing, not even about the range.
    const camera = await this.cameras.camera(auth, cameraId);
    assertRange(from, to, this.cfg.EXPORT_MAX_S * 1000, '导出');
    const segments = await this.playback.footage(cameraId, from, to);
    if (segments.length === 0) throw new NoFootage(camera.name, from, to);
    const began = Date.now();
    const dir = path.join(this.cfg.dir, 'exports');
    await mkdir(dir, { recursive: true });
    const name = `cam${cameraId}_${from.toISOString().replace(/[-:]/g, '').slice(0, 15)}_${randomBytes(4).toString('hex')}`;
    const final = path.join(dir, `${name}.mp4`);
    try {
      await rename(await this.ffmpeg.run(await clipList(this.cfg.dir, segments, to)), final);
    } catch (err) {
      const nospace = /No space/i.test((err as Error).message);
      throw new AppError(
        nospace ? 507 : 500,
        nospace ? 'disk_full' : 'export_failed',
        `导出失败 (export failed): ${(err as Error).message}`,
      );
    }
    const bytes = (await stat(final)).size;
    const sha256 = await sha256Of(final);
    const row = await new RecordingsRepository(this.db).insertExport({
      cameraId,
      townId: camera.townId,
      accountId: auth.me.id,
      username: auth.me.username,
      from,
      to,
      file: path.relative(this.cfg.dir, final),
      bytes,
      sha256,
      ms: Date.now() - began,
    });
    return { ...exportView(row), segments: segments.length };
  }

  async list(auth: AuthContext) {
    return (await new RecordingsRepository(this.db).exports(auth.townFilter)).map(exportView);
  }

  async file(auth: AuthContext, id: number): Promise<{ path: string; row: ExportRow }> {
    const row = await new RecordingsRepository(this.db).exportById(id);
    if (!row || !auth.canAccessTown(row.townId)) throw new NotFound(`Export ${id}`);
    return { path: path.join(this.cfg.dir, row.file), row };
  }
}
