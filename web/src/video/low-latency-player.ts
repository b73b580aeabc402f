// The steered view's player: the server's fragmented MP4 (one fragment per frame) read
// with fetch() and appended to a MediaSource, kept at the live edge by seeking when it
// drifts. When the browser lacks MediaSource or the codec, or the server refuses (an
// H.265 camera: 422), it falls back to HLS by itself (SteerPlayer below).
import { getToken } from '../api';
import { CameraPlayer, type PlayerState } from '../components/camera-player';
import { measureGlassToGlass } from './timecode';

/** Behind the live edge by more than this: jump to it. */
const MAX_BEHIND_S = 0.35;
/** Where a jump lands: a little before the last frame, so playback never runs dry. */
const TARGET_BEHIND_S = 0.08;
const KEEP_BEHIND_S = 10;

export class LowLatencyPlayer {
  readonly video: HTMLVideoElement;
  private readonly abort = new AbortController();
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private readonly queue: Uint8Array[] = [];
  private chase: ReturnType<typeof setInterval> | null = null;
  state: PlayerState = 'starting';
  firstFrameMs: number | null = null;
  lastError = '';

  constructor(
    readonly cameraId: number,
    readonly stream: 'main' | 'sub',
    private readonly onState: (p: LowLatencyPlayer) => void,
    private readonly onFail: (why: string) => void,
  ) {
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.dataset['camera'] = String(cameraId);
    this.video.dataset['stream'] = stream;
    this.video.dataset['path'] = 'low-latency';
  }

  /** Seconds of buffered video not yet shown (the part of the latency this end adds). */
  get latency(): number | null {
    const b = this.video.buffered;
    return b.length ? Math.max(0, b.end(b.length - 1) - this.video.currentTime) : null;
  }

  start(): void {
    const chosenAt = performance.now();
    if (typeof MediaSource === 'undefined') {
      this.onFail('no MediaSource');
      return;
    }
    void this.run(chosenAt).catch((err: Error) => {
      if (this.abort.signal.aborted) return;
      this.lastError = err.message;
      this.onFail(err.message);
    });
  }

  private async run(chosenAt: number): Promise<void> {
    const res = await fetch(`/api/cameras/${this.cameraId}/low-latency/${this.stream}`, {
      headers: { authorization: `Bearer ${getToken() ?? ''}` },
      signal: this.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`low-latency: HTTP ${res.status}`);
    const mime = `video/mp4; codecs="${res.headers.get('x-codec') ?? 'avc1.42e01e'}"`;
    if (!MediaSource.isTypeSupported(mime)) throw new Error(`low-latency: ${mime} not supported`);
    const source = new MediaSource();
    this.source = source;
    this.video.src = URL.createObjectURL(source);
    await new Promise<void>((resolve) => source.addEventListener('sourceopen', () => resolve(), { once: true }));
    URL.revokeObjectURL(this.video.src);
    const buffer = source.addSourceBuffer(mime);
    // Sequence: each fragment plays right after the last, whatever its timestamp, so a camera
    // whose RTP clock jumps (a client joining a shared stream, a reboot) does not freeze the view.
    buffer.mode = 'sequence';
    this.buffer = buffer;
    buffer.addEventListener('updateend', () => this.pump());
    this.video.addEventListener(
      'playing',
      () => {
        if (this.firstFrameMs === null) this.firstFrameMs = Math.round(performance.now() - chosenAt);
        this.setState('playing');
      },
      { once: true },
    );
    this.chase = setInterval(() => this.keepLive(), 200);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('low-latency: the stream ended');
      this.queue.push(value);
      this.pump();
    }
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.queue.length === 0) return;
    const total = this.queue.reduce((n, c) => n + c.byteLength, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const c of this.queue.splice(0)) {
      joined.set(c, at);
      at += c.byteLength;
    }
    try {
      buffer.appendBuffer(joined);
    } catch (err) {
      this.onFail(`low-latency: ${(err as Error).message}`);
      return;
    }
    if (this.video.paused) this.video.play().catch(() => undefined);
  }

  /** Stays at the live edge: a jump when far behind, and old video dropped from the buffer. */
  private keepLive(): void {
    const b = this.video.buffered;
    if (!b.length) return;
    const end = b.end(b.length - 1);
    if (end - this.video.currentTime > MAX_BEHIND_S) this.video.currentTime = end - TARGET_BEHIND_S;
    const buffer = this.buffer;
    if (buffer && !buffer.updating && this.video.currentTime - b.start(0) > KEEP_BEHIND_S * 2) {
      buffer.remove(0, this.video.currentTime - KEEP_BEHIND_S);
    }
  }

  private setState(state: PlayerState): void {
    this.state = state;
    this.onState(this);
  }

  dispose(): void {
    this.abort.abort();
    if (this.chase) clearInterval(this.chase);
    if (this.source?.readyState === 'open') {
      try {
        this.source.endOfStream();
      } catch {
        // Already closing.
      }
    }
    this.video.removeAttribute('src');
    this.video.remove();
  }
}

/**
 * The steered view: low latency first, HLS when that cannot play (or drops and cannot
 * reconnect twice in a row). `path` tells which one is on screen.
 */
export class SteerPlayer {
  /** Holds the playing <video> (swapped on fallback) and anything laid over it. */
  readonly el: HTMLDivElement;
  private current: LowLatencyPlayer | CameraPlayer;
  private failures = 0;
  private disposed = false;
  private stopMeasure: (() => void) | null = null;
  /** Glass-to-glass samples (ms) when measuring is on (localStorage wg.measureLatency = 1). */
  readonly glassMs: number[] = [];
  path: 'low-latency' | 'hls' = 'low-latency';

  constructor(
    readonly cameraId: number,
    private readonly onState: (p: SteerPlayer) => void,
  ) {
    // localStorage wg.steerPath = hls: HLS only (to compare, or where the low-latency path misbehaves).
    this.current = localStorage.getItem('wg.steerPath') === 'hls' ? this.hls() : this.lowLatency();
    this.el = document.createElement('div');
    this.el.className = 'steer-view';
    this.el.append(this.current.video);
  }

  get state(): PlayerState {
    return this.current.state;
  }

  get latency(): number | null {
    return this.current.latency;
  }

  get firstFrameMs(): number | null {
    return this.current.firstFrameMs;
  }

  get video(): HTMLVideoElement {
    return this.current.video;
  }

  start(): void {
    this.current.start();
    this.measure();
  }

  private lowLatency(): LowLatencyPlayer {
    return new LowLatencyPlayer(
      this.cameraId,
      'main',
      () => this.onState(this),
      (why) => this.fallBack(why),
    );
  }

  private hls(): CameraPlayer {
    this.path = 'hls';
    const player = new CameraPlayer(this.cameraId, 'main', () => this.onState(this));
    player.video.dataset['path'] = 'hls';
    return player;
  }

  private fallBack(why: string): void {
    if (this.disposed) return;
    const old = this.current;
    const wasPlaying = old.state === 'playing';
    this.failures = wasPlaying ? 1 : this.failures + 1;
    old.dispose();
    // A stream that played and dropped gets another low-latency try; one that never played goes to HLS.
    const next = this.path === 'low-latency' && this.failures < 2 ? this.lowLatency() : this.hls();
    if (next instanceof CameraPlayer) console.info(`low-latency view unavailable (${why}): playing HLS`);
    this.current = next;
    this.el.prepend(next.video);
    this.onState(this);
    setTimeout(() => {
      if (!this.disposed && this.current === next) {
        next.start();
        this.measure();
      }
    }, 300);
  }

  private measure(): void {
    this.stopMeasure?.();
    this.stopMeasure = null;
    if (localStorage.getItem('wg.measureLatency') !== '1') return;
    this.stopMeasure = measureGlassToGlass(this.current.video, this.glassMs);
  }

  dispose(): void {
    this.disposed = true;
    this.stopMeasure?.();
    this.current.dispose();
  }
}
