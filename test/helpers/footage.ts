// Recorded footage without a camera or a recorder: Debian's ffmpeg encodes a test
// pattern into MPEG-TS segment files the way a recorder cuts them (keyframe every
// second, segments of two), and the segments are indexed in recording_segments at the
// wall times asked for. Encoded once per process; each camera gets hard links.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from '../../platform/db/pool.js';

const run = promisify(execFile);

export const FOOTAGE_SECONDS = 90;
export const FOOTAGE_FPS = 10;

interface Encoded {
  dir: string;
  segments: { name: string; start: number; end: number }[];
}

let encoded: Promise<Encoded> | null = null;

function encode(): Promise<Encoded> {
  encoded ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wangge-footage-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=320x180:rate=${FOOTAGE_FPS}`,
      '-t',
      String(FOOTAGE_SECONDS),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(FOOTAGE_FPS),
      '-f',
      'segment',
      '-segment_time',
      '2',
      '-segment_format',
      'mpegts',
      '-segment_list',
      path.join(dir, 'list.csv'),
      '-segment_list_type',
      'csv',
      path.join(dir, 'seg_%04d.ts'),
    ]);
    const segments = (await readFile(path.join(dir, 'list.csv'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .map(([name, start, end]) => ({ name: name!, start: Number(start), end: Number(end) }));
    return { dir, segments };
  })();
  return encoded;
}

/**
 * Footage of a camera from `from` (ms) for FOOTAGE_SECONDS, files under `root` (the
 * RECORDINGS_DIR) and rows in the index. Returns where it ends (ms).
 */
export async function addFootage(db: Db, root: string, cameraId: number, from: number): Promise<number> {
  const { dir, segments } = await encode();
  const rel = path.join(String(cameraId), new Date(from).toISOString().slice(0, 10));
  await mkdir(path.join(root, rel), { recursive: true });
  const t0 = segments[0]!.start;
  const run = `f${from.toString(36)}`;
  for (const s of segments) {
    const file = path.join(rel, `${run}_${s.name}`);
    // A hard link where the two share a disk; a copy elsewhere.
    await link(path.join(dir, s.name), path.join(root, file)).catch(() =>
      copyFile(path.join(dir, s.name), path.join(root, file)),
    );
    await db.query(
      `INSERT INTO recording_segments (camera_id, stream, started_at, ended_at, bytes, file, run, keep_until, recorder)
       VALUES ($1, 'sub', $2, $3, $4, $5, $6, now() + interval '1 day', 'test')`,
      [
        cameraId,
        new Date(from + (s.start - t0) * 1000),
        new Date(from + (s.end - t0) * 1000),
        (await stat(path.join(root, file))).size,
        file,
        run,
      ],
    );
  }
  return from + (segments[segments.length - 1]!.end - t0) * 1000;
}
