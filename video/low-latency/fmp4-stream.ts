// The low-latency path for the view being steered: one ffmpeg per camera stream remuxes
// RTSP into fragmented MP4 with one fragment per frame (no re-encoding, no segments to
// wait for), and every viewer gets the init segment, the fragments since the last
// keyframe (so its decoder starts at once) and then each new fragment as it comes.
// Chosen over HTTP/WS-FLV (node-media-server + mpegts.js) and WebRTC: it needs no player
// library, no second server and no ICE, passes through the api's own auth, and measured
// well under the 1 s floor (scripts/bench/video.bench.ts prints it).
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { spawnSupervised } from '../../platform/children.js';
import { ffmpegPath } from '../../platform/ffmpeg-path.js';
import { rtspInputArgs } from '../../platform/rtsp-input.js';
import { publicMessage, secretsOfUrl } from '../../platform/mask-url.js';
import { BoxSplitter, codecOf, startsWithKeyframe } from './fmp4-boxes.js';

export interface Viewer {
  write(chunk: Buffer): void;
  end(reason?: string): void;
}

export function fmp4Args(sourceUrl: string, timeoutMs = 5000): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+warning',
    // Small probe and no input buffering: the first fragment leaves as soon as the SPS is seen.
    ...rtspInputArgs(timeoutMs),
    '-fflags',
    'nobuffer',
    '-flags',
    'low_delay',
    // Stamp frames by their arrival: a camera's RTP clock that jumps (another client joining
    // a shared stream) otherwise gives fragments of near-zero length and a frozen picture.
    '-use_wallclock_as_timestamps',
    '1',
    '-i',
    sourceUrl,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-an',
    '-f',
    'mp4',
    '-movflags',
    'empty_moov+default_base_moof+frag_every_frame',
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

export class Fmp4Stream {
  private child: ChildProcess | undefined;
  private init: Buffer | undefined;
  private gop: Buffer[] = [];
  private readonly viewers = new Set<Viewer>();
  private stderrTail = '';
  codec: string | null = null;
  /** Resolves with the codec string once the init segment is there. */
  readonly ready: Promise<string | null>;
  private resolveReady!: (codec: string | null) => void;
  private rejectReady!: (err: Error) => void;
  ended = false;

  constructor(
    private readonly sourceUrl: string,
    private readonly log: Logger,
    private readonly onEnd: () => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  async start(): Promise<void> {
    const child = spawnSupervised(await ffmpegPath(), fmp4Args(this.sourceUrl), { stdout: 'pipe' });
    this.child = child;
    const splitter = new BoxSplitter();
    let moofIsKey = false;
    let fragment: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const box of splitter.push(chunk)) {
        if (box.type === 'ftyp') fragment = [box.bytes];
        else if (box.type === 'moov') {
          this.init = Buffer.concat([...fragment, box.bytes]);
          fragment = [];
          this.codec = codecOf(box.bytes);
          this.resolveReady(this.codec);
        } else if (box.type === 'moof') {
          moofIsKey = startsWithKeyframe(box.bytes);
          fragment = [box.bytes];
        } else if (box.type === 'mdat') {
          const bytes = Buffer.concat([...fragment, box.bytes]);
          fragment = [];
          if (moofIsKey) this.gop = [];
          this.gop.push(bytes);
          for (const viewer of this.viewers) viewer.write(bytes);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.once('close', (code) => {
      const why = publicMessage(this.stderrTail.trim().split('\n').pop() ?? '', secretsOfUrl(this.sourceUrl));
      this.finish(why || `ffmpeg exited with ${code}`);
    });
    child.once('error', (err) => this.finish(err.message));
  }

  /** Adds a viewer: it gets the init segment and the current GOP first. */
  add(viewer: Viewer): void {
    if (!this.init) throw new Error('not ready');
    viewer.write(this.init);
    for (const fragment of this.gop) viewer.write(fragment);
    this.viewers.add(viewer);
  }

  remove(viewer: Viewer): void {
    this.viewers.delete(viewer);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
    this.finish('stopped');
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.log.info({ reason }, 'low-latency stream ended');
    this.rejectReady(new Error(reason));
    for (const viewer of this.viewers) viewer.end(reason);
    this.viewers.clear();
    this.onEnd();
  }
}
