// The ffmpeg command line of a relay, built by a pure function so it can be read and
// tested as a list (Frigate's habit) instead of being discovered from a process table.
// Remux by default: the camera's H.264/H.265 goes into MPEG-TS segments untouched
// (`-c copy`); a town server has no CPU to spare for transcoding dozens of cameras.
// Only a browser that cannot decode a camera's H.265, when the camera has no H.264
// stream at all, gets an on-demand H.264 transcode (`video: 'h264'`).
import path from 'node:path';
import { rtspInputArgs } from '../../platform/rtsp-input.js';

export const PLAYLIST_NAME = 'index.m3u8';
export const SEGMENT_PREFIX = 'seg_';
/** Six digits: a 1-second segment numbering lasts 11 days before growing a digit (which still works). */
export const SEGMENT_PATTERN = `${SEGMENT_PREFIX}%06d.ts`;

export type InputKind = 'rtsp' | 'rtmp';

export interface RelayInput {
  kind: InputKind;
  /** Source URL with credentials (rtsp://user:pass@cam/...) or the local RTMP ingest URL. */
  url: string;
  /** Give up on a silent source after this long (socket I/O timeout). */
  timeoutMs?: number;
  /** 'none' drops audio (cameras' G.711 does not play in browsers); 'copy' keeps AAC, e.g. from a phone. */
  audio?: 'none' | 'copy';
  /** 'copy' (default) remuxes; 'h264' transcodes to H.264 (for browsers without H.265), at most 1280 wide. */
  video?: 'copy' | 'h264';
}

/** One x264 thread at ultrafast/zerolatency, a keyframe per second for 1 s segments; at most 1280 pixels wide. */
export const TRANSCODE_H264_ARGS: readonly string[] = [
  '-vf',
  "scale='min(1280,iw)':-2",
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-tune',
  'zerolatency',
  '-threads',
  '1',
  '-pix_fmt',
  'yuv420p',
  '-force_key_frames',
  'expr:gte(t,n_forced*1)',
];

export interface HlsOutput {
  /** Scratch directory of this relay; playlist and segments are written into it. */
  dir: string;
  segmentSeconds?: number;
  listSize?: number;
  /** First segment number; after a restart it continues the previous numbering. */
  startNumber?: number;
  /**
   * A restart after the relay was live: mark the first new segment with
   * EXT-X-DISCONTINUITY (the timestamps restart) and shift the new timestamps past
   * the old ones, so players carry on instead of stalling on a backwards clock.
   */
  continueAfterSeconds?: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_SEGMENT_SECONDS = 1;
export const DEFAULT_LIST_SIZE = 6;

/** rtsp(s):// → the RTSP variant, rtmp(s):// → the RTMP variant. */
export function inputKindOf(url: string): InputKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
  if (scheme === 'rtmp' || scheme === 'rtmps') return 'rtmp';
  throw new Error(`unsupported source scheme: ${scheme ?? 'none'} (rtsp:// or rtmp:// expected)`);
}

function microseconds(ms: number): string {
  return String(Math.round(ms * 1000));
}

function inputArgs(input: RelayInput): string[] {
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Probing: ffmpeg's default reads up to 5 s of stream before writing anything; with
  // these limits the first segment on the simulated camera came after ~1.4 s instead of
  // ~3.1 s, and the codec parameters are still found (they come in the SDP / FLV header).
  // `-fflags nobuffer` was measured too: it made the first segment slower (~4.4 s), so it
  // is not used.
  const probe = ['-analyzeduration', '200000', '-probesize', '500000'];
  if (input.kind === 'rtsp') {
    return [...rtspInputArgs(timeoutMs), '-i', input.url];
  }
  return [
    // For rtmp `-timeout` means "listen for a connection"; the generic read/write
    // timeout is what ends a relay whose publisher went away.
    '-rw_timeout',
    microseconds(timeoutMs),
    ...probe,
    '-i',
    input.url,
  ];
}

/** The complete argument list (without the ffmpeg executable itself). */
export function buildHlsArgs(input: RelayInput, output: HlsOutput): string[] {
  const segmentSeconds = output.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const listSize = output.listSize ?? DEFAULT_LIST_SIZE;
  const audio = input.audio ?? (input.kind === 'rtmp' ? 'copy' : 'none');
  const flags = [
    'delete_segments',
    'independent_segments',
    'program_date_time',
    // Never write EXT-X-ENDLIST when ffmpeg exits: players would stop polling the playlist
    // and not pick up the relay once it has reconnected.
    'omit_endlist',
    // Segments are written as .tmp and renamed when complete.
    'temp_file',
  ];
  const restart = output.continueAfterSeconds !== undefined;
  if (restart) flags.push('discont_start');
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    // A restart writes over the previous playlist; never stop to ask.
    '-y',
    // Level-tagged lines ("[error]") let the supervisor pick the line that explains a failure.
    '-loglevel',
    'level+warning',
    ...inputArgs(input),
    // The first video stream only: cameras also offer ONVIF metadata or audio tracks
    // that MPEG-TS cannot carry.
    '-map',
    '0:v:0',
    ...(audio === 'copy' ? ['-map', '0:a:0?'] : []),
    '-c',
    'copy',
    ...(input.video === 'h264' ? TRANSCODE_H264_ARGS : []),
    ...(audio === 'none' ? ['-an'] : []),
    ...(restart ? ['-output_ts_offset', output.continueAfterSeconds!.toFixed(3)] : []),
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_list_size',
    String(listSize),
    '-hls_flags',
    flags.join('+'),
    '-start_number',
    String(output.startNumber ?? 0),
    '-hls_segment_filename',
    path.join(output.dir, SEGMENT_PATTERN),
    path.join(output.dir, PLAYLIST_NAME),
  ];
}
