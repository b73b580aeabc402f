// One live camera in a video element through hls.js: asks the server to start or
// join the relay, plays its HLS with the bearer token, measures the live latency,
// and starts over by itself when the stream drops or stalls.
import Hls from 'hls.js';
import { getToken, post } from '../api';

export type PlayerState = 'starting' | 'playing' | 'stalled' | 'retrying' | 'failed';

const STALL_MS = 8000;

export class CameraPlayer {
  readonly video: HTMLVideoElement;
  private hls: Hls | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastTime = 0;
  private lastProgress = performance.now();
  private retries = 0;
  private disposed = false;
  /** Off screen or in a hidden window: nothing loaded nor decoded until shown again. */
  paused = false;
  state: PlayerState = 'starting';
  /** ms from choosing the camera to the first frame. */
  firstFrameMs: number | null = null;
  lastError = '';

  constructor(
    readonly cameraId: number,
    readonly stream: 'main' | 'sub',
    private readonly onState: (p: CameraPlayer) => void,
  ) {
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.dataset['camera'] = String(cameraId);
    this.video.dataset['stream'] = stream;
  }

  /** Seconds behind the live edge, as hls.js estimates it. */
  get latency(): number | null {
    return this.hls && Number.isFinite(this.hls.latency) && this.hls.latency > 0 ? this.hls.latency : null;
  }

  start(): void {
    const chosenAt = performance.now();
    this.setState(this.retries === 0 ? 'starting' : 'retrying');
    void post<{ playlist: string }>(`/api/cameras/${this.cameraId}/live`, { stream: this.stream })
      .then(({ playlist }) => {
        if (this.disposed) return;
        this.play(playlist, chosenAt);
      })
      .catch((err: Error) => this.fail(err.message));
    if (!this.watchdog) this.watchdog = setInterval(() => this.checkProgress(), 1000);
  }

  private play(playlist: string, chosenAt: number): void {
    this.hls?.destroy();
    // A new stream starts its own clock: any frame counts as progress again.
    this.lastTime = -1;
    this.lastProgress = performance.now();
    const hls = new Hls({
      liveSyncDurationCount: 2,
      liveMaxLatencyDurationCount: 6,
      maxLiveSyncPlaybackRate: 1.5,
      backBufferLength: 10,
      manifestLoadingMaxRetry: 4,
      levelLoadingMaxRetry: 4,
      fragLoadingMaxRetry: 4,
      xhrSetup: (xhr) => xhr.setRequestHeader('authorization', `Bearer ${getToken() ?? ''}`),
    });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) this.fail(`${data.type}: ${data.details}`);
    });
    this.video.addEventListener(
      'playing',
      () => {
        if (this.firstFrameMs === null) this.firstFrameMs = Math.round(performance.now() - chosenAt);
      },
      { once: true },
    );
    hls.loadSource(playlist);
    hls.attachMedia(this.video);
    this.video.play().catch(() => undefined);
  }

  /** Stops loading and decoding (a tile scrolled away, a hidden window); resume() goes live again. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.hls?.stopLoad();
    this.video.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastProgress = performance.now();
    // From the live edge, not from where it stopped.
    this.hls?.startLoad(-1);
    this.video.play().catch(() => undefined);
  }

  private checkProgress(): void {
    if (this.disposed || !this.hls || this.paused) return;
    const t = this.video.currentTime;
    if (t > this.lastTime + 0.05) {
      this.lastTime = t;
      this.lastProgress = performance.now();
      this.retries = 0;
      if (this.state !== 'playing') this.setState('playing');
    } else if (performance.now() - this.lastProgress > STALL_MS && this.state !== 'retrying') {
      this.fail('stalled');
    }
  }

  private fail(message: string): void {
    if (this.disposed) return;
    this.lastError = message;
    this.hls?.destroy();
    this.hls = null;
    this.retries++;
    this.setState('retrying');
    // The relay comes back when the camera does: try again, less often as it stays away.
    const delay = Math.min(1000 * 2 ** Math.min(this.retries - 1, 4), 15_000);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.lastProgress = performance.now();
      this.start();
    }, delay);
  }

  private setState(state: PlayerState): void {
    this.state = state;
    this.onState(this);
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.hls?.destroy();
    this.video.removeAttribute('src');
    this.video.remove();
  }
}
