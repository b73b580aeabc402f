// An export's ffmpeg, started before it is needed. Debian's ffmpeg loads some 200 shared
// libraries before it does anything: about 0.2 s of CPU, most of an export's, and on a
// loaded machine that CPU comes slowly. So one ffmpeg waits with its libraries loaded,
// reading the list of segment files on its stdin (`concatf:pipe:0`); the export hands it
// the list and the next one is started behind it. Its output file is named at start and
// renamed by the export.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { spawnSupervised } from '../platform/children.js';
import { ffmpegPath } from '../platform/ffmpeg-path.js';

/** ffmpeg reading the listed MPEG-TS files as one stream and copying its video into an MP4. */
export function exportArgs(output: string): string[] {
  return [
    '-hide_banner',
    '-nostdin', // no keyboard on stdin: it carries the list
    '-nostats',
    '-loglevel',
    'error',
    // The list names local files only (and cuts of them), never another protocol.
    '-protocol_whitelist',
    'pipe,concatf,file,subfile',
    // The first keyframe says all there is to know of a camera's one video stream.
    '-probesize',
    '1000000',
    '-analyzeduration',
    '1000000',
    '-f',
    'mpegts',
    '-i',
    'concatf:pipe:0',
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'mp4',
    '-y',
    output,
  ];
}

interface Waiting {
  child: ChildProcess;
  output: string;
  exited: Promise<{ code: number | null; stderr: string }>;
}

export class ReadyFfmpeg {
  private waiting: Promise<Waiting> | null = null;
  private closed = false;

  constructor(private readonly dir: string) {}

  private async start(): Promise<Waiting> {
    const output = path.join(this.dir, `.export-${randomBytes(6).toString('hex')}.part.mp4`);
    const child = spawnSupervised(await ffmpegPath(), exportArgs(output), { stdin: 'pipe' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdin!.on('error', () => undefined); // it died waiting: its exit says so
    const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      child.once('error', (err) => resolve({ code: -1, stderr: err.message }));
      child.once('close', (code) => resolve({ code, stderr }));
    });
    return { child, output, exited };
  }

  /** Starts the waiting ffmpeg (the api does at start; the first export otherwise). */
  prepare(): void {
    if (this.closed || this.waiting) return;
    this.waiting = this.start();
    this.waiting.catch(() => (this.waiting = null));
  }

  /**
   * Runs one export: `list` is the concatf list (one file or subfile URL a line). Resolves
   * to the written file; rejects with ffmpeg's last error line, leaving no file.
   */
  async run(list: string): Promise<string> {
    let taken = this.waiting ? await this.waiting.catch(() => null) : null;
    this.waiting = null;
    if (!taken || taken.child.exitCode !== null || taken.child.signalCode !== null) taken = await this.start();
    taken.child.stdin!.end(list);
    const { code, stderr } = await taken.exited;
    // The next one after this one, not beside it: its loading would take this one's CPU.
    this.prepare();
    if (code !== 0) {
      await rm(taken.output, { force: true });
      throw new Error(stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`);
    }
    return taken.output;
  }

  /** Ends the waiting ffmpeg (the api stops). */
  async close(): Promise<void> {
    this.closed = true;
    const w = await this.waiting?.catch(() => null);
    this.waiting = null;
    if (w && w.child.exitCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  }
}
