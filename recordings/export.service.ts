// Export: a clip [from, to] as one MP4 made by stream copy (ffmpeg's concat demuxer over
// the segment files, no re-encode), its SHA-256, and a row in the append-only export log
// (who, which camera, which range, when). The file is written under a temporary name
// and renamed when complete, so a failed export leaves nothing behind.
import { spawnSupervised } from '../platform/children.js';
import { ffmpegPath } from '../platform/ffmpeg-path.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound } from '../platform/errors.js';
import type { CameraPort } from './camera-port.js';
import { assertRange, NoFootage, type PlaybackService } from './playback.service.js';
import { RecordingsRepository, type ExportRow } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function runFfmpeg(args: string[]): Promise<void> {
  const ffmpeg = await ffmpegPath();
  return new Promise((resolve, reject) => {
    const child = spawnSupervised(ffmpeg, args);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(err.trim().split('\n').pop() ?? `ffmpeg ${code}`)),
    );
  });
}

export function exportView(e: ExportRow) {
  const { file: _file, ...rest } = e;
  return { ...rest, url: `/api/recordings/exports/${e.id}/file` };
}

export class ExportService {
  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly playback: PlaybackService,
    private readonly cfg: RecordingsConfig,
  ) {}

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
    const list = path.join(dir, `${name}.txt`);
    const partial = path.join(dir, `${name}.part.mp4`);
    const final = path.join(dir, `${name}.mp4`);
    // inpoint/outpoint trim the first and last segment (to the keyframe before, with copy).
    const first = segments[0]!;
    const last = segments[segments.length - 1]!;
    const lines = segments.map((s) => {
      const parts = [`file '${path.join(this.cfg.dir, s.file).replace(/'/g, "'\\''")}'`];
      if (s === first && from > s.startedAt)
        parts.push(`inpoint ${((from.getTime() - s.startedAt.getTime()) / 1000).toFixed(3)}`);
      if (s === last && to < s.endedAt)
        parts.push(`outpoint ${((to.getTime() - s.startedAt.getTime()) / 1000).toFixed(3)}`);
      return parts.join('\n');
    });
    try {
      await writeFile(list, `ffconcat version 1.0\n${lines.join('\n')}\n`);
      await runFfmpeg([
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-map',
        '0:v:0',
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        '-y',
        partial,
      ]);
      await rename(partial, final);
    } catch (err) {
      await rm(partial, { force: true });
      const nospace = /No space/i.test((err as Error).message);
      throw new AppError(
        nospace ? 507 : 500,
        nospace ? 'disk_full' : 'export_failed',
        `导出失败 (export failed): ${(err as Error).message}`,
      );
    } finally {
      await rm(list, { force: true });
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
