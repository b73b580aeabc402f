// The ffmpeg command line of one recording, built by a pure function (as the relay's):
// RTSP in, the first video stream copied untouched into MPEG-TS segment files of a few
// seconds, and each closed segment announced on stdout as a CSV line
// `name,start,end` (stream seconds) so the recorder indexes it the moment it is complete.
import path from 'node:path';
import { rtspInputArgs } from '../platform/rtsp-input.js';

export interface SegmentArgsInput {
  /** rtsp://user:pass@camera/… */
  url: string;
  /** Directory the run's files go to. */
  dir: string;
  /** File name prefix of this run (unique: a new run never overwrites an old file). */
  run: string;
  segmentSeconds: number;
  /** A silent camera ends the run after this long (then the recorder reconnects). */
  timeoutMs: number;
}

export function segmentFileName(run: string, n: number): string {
  return `${run}_${String(n).padStart(6, '0')}.ts`;
}

export function buildSegmentArgs(i: SegmentArgsInput): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+warning',
    ...rtspInputArgs(i.timeoutMs),
    '-i',
    i.url,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-an',
    '-f',
    'segment',
    '-segment_time',
    String(i.segmentSeconds),
    '-segment_format',
    'mpegts',
    '-segment_list',
    'pipe:1',
    '-segment_list_type',
    'csv',
    '-segment_list_flags',
    'live',
    path.join(i.dir, `${i.run}_%06d.ts`),
  ];
}

/** `run_000012.ts,48.000000,52.000000` → its parts; undefined for anything else. */
export function parseSegmentLine(line: string): { name: string; start: number; end: number } | undefined {
  const m = /^([^,]+\.ts),(-?[\d.]+),(-?[\d.]+)$/.exec(line.trim());
  if (!m) return undefined;
  const start = Number(m[2]);
  const end = Number(m[3]);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return undefined;
  return { name: m[1]!, start, end };
}
