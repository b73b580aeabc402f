// Up to four cameras played in step (同步回放): one clock, the others follow. The clock
// is the first camera whose picture is playing; every 250 ms each other camera's instant
// is compared with it: more than a second apart, it is sought to the clock; a little
// apart, it plays a little faster or slower until it is back in step. A camera with no
// footage at the clock's instant says so and is tried again as the clock moves on.
// A click on any camera's timeline plays them all from there; pause, speed and frame
// steps are the group's.
import { h } from '../dom';
import { tr } from '../i18n';
import { PlaybackView, SPEEDS } from './playback-view';

export const SYNC_MAX = 4;
const TICK_MS = 250;
/** Further apart than this: seek. */
const SEEK_MS = 1000;
/** Closer than this: in step. */
const STEP_MS = 80;
/** How much faster or slower a camera may play to catch up. */
const NUDGE = 0.25;
/** A camera with no footage is asked again this often while the clock moves. */
const RETRY_MS = 3000;

export class PlaybackSync {
  readonly el: HTMLElement;
  readonly views: PlaybackView[];
  private rate = 1;
  private paused = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly retried = new Map<PlaybackView, number>();
  private readonly speedChips: HTMLButtonElement[];
  /** The largest gap to the clock at the last tick, ms (shown, and read by the tests). */
  drift = 0;

  constructor(cameraIds: number[], at: number, names: (id: number) => string) {
    this.views = [...new Set(cameraIds)].slice(0, SYNC_MAX).map(
      (cameraId) =>
        new PlaybackView({
          cameraId,
          at,
          compact: true,
          controlled: true,
          onPick: (t, clicked) => this.play(t, clicked),
        }),
    );
    this.speedChips = SPEEDS.map((s) =>
      h('button', { class: 'chip', 'data-speed': s, onclick: () => this.setRate(s) }, `${s}×`),
    );
    const driftText = h('span', { class: 'muted', id: 'sync-drift' });
    this.el = h(
      'div',
      { class: 'playback-sync', id: 'playback-sync', 'data-cameras': this.views.length },
      h(
        'div',
        { class: 'playback-controls' },
        h('strong', {}, tr('同步回放', 'In step')),
        h('button', { class: 'chip', 'data-action': 'pause', onclick: () => this.togglePause() }, '⏯'),
        ...this.speedChips,
        h('button', { class: 'chip', 'data-action': 'step-back', onclick: () => this.step(-1) }, '⏮'),
        h('button', { class: 'chip', 'data-action': 'step', onclick: () => this.step(1) }, '⏭'),
        driftText,
      ),
      h(
        'div',
        { class: `sync-grid sync-${this.views.length}` },
        ...this.views.map((v) =>
          h(
            'div',
            { class: 'sync-cell', 'data-camera': v.cameraId },
            h('div', { class: 'sync-name' }, names(v.cameraId)),
            v.el,
          ),
        ),
      ),
    );
    this.markSpeed();
    this.timer = setInterval(() => {
      this.follow();
      driftText.textContent = this.views.length > 1 ? `${tr('相差', 'apart')} ${this.drift} ms` : '';
    }, TICK_MS);
    this.play(at, performance.now());
  }

  /** The view whose picture is the clock: the first one playing (or paused on a frame). */
  get clock(): PlaybackView | null {
    return this.views.find((v) => v.state === 'playing' || v.state === 'paused') ?? null;
  }

  /** Every camera from `at`. */
  play(at: number, clicked = performance.now()): void {
    this.paused = false;
    for (const v of this.views) {
      this.retried.set(v, Date.now());
      void v.play(at, clicked).then(() => this.apply(v));
    }
  }

  private apply(v: PlaybackView): void {
    v.setRate(this.rate);
    v.hold = this.paused;
    if (this.paused) v.video.pause();
    else if (v.video.paused && v.state !== 'no_footage') void v.video.play().catch(() => undefined);
  }

  setRate(rate: number): void {
    this.rate = rate;
    for (const v of this.views) v.setRate(rate);
    this.markSpeed();
  }

  private markSpeed(): void {
    this.speedChips.forEach((b) => b.classList.toggle('active', Number(b.dataset['speed']) === this.rate));
  }

  togglePause(): void {
    this.paused = !this.paused;
    for (const v of this.views) this.apply(v);
    this.follow();
  }

  /** A frame forward or back on the clock; the others are put on the same instant. */
  step(direction: 1 | -1): void {
    this.paused = true;
    const clock = this.clock;
    if (!clock) return;
    for (const v of this.views) this.apply(v);
    clock.step(direction);
    clock.video.addEventListener('seeked', () => this.follow(), { once: true });
  }

  /** One tick of following the clock. */
  private follow(): void {
    const clock = this.clock;
    const t = clock?.now;
    if (!clock || t === null || t === undefined) return;
    let worst = 0;
    const retry = (v: PlaybackView) => {
      if (Date.now() - (this.retried.get(v) ?? 0) < RETRY_MS) return;
      this.retried.set(v, Date.now());
      void v.play(t).then(() => this.apply(v));
    };
    for (const v of this.views) {
      if (v === clock || v.state === 'loading') continue;
      const span = v.footageSpan;
      // No playlist (nothing recorded near), or the clock has gone past it: ask again now and then.
      if (!span || t >= span.to) {
        retry(v);
        continue;
      }
      // Its footage begins later, or the clock is in a gap of it: it waits, saying so.
      if (t < span.from || !v.hasFootage(t)) {
        if (v.state !== 'no_footage') v.idle(t);
        continue;
      }
      const apart = (v.now ?? t) - t;
      if (v.state === 'no_footage' || this.paused || Math.abs(apart) > SEEK_MS) {
        // Back in its footage, far off, or paused: put on the clock's instant.
        if (v.state === 'no_footage' || Math.abs(apart) > STEP_MS / 2) void v.play(t).then(() => this.apply(v));
        else v.setRate(this.rate);
        if (v.state !== 'no_footage') worst = Math.max(worst, Math.abs(apart));
        continue;
      }
      worst = Math.max(worst, Math.abs(apart));
      if (Math.abs(apart) > STEP_MS) {
        // Ahead: a little slower; behind: a little faster.
        const nudge = Math.max(-NUDGE, Math.min(NUDGE, apart / 2000));
        v.video.playbackRate = this.rate * (1 - nudge);
      } else if (v.video.playbackRate !== this.rate) v.setRate(this.rate);
      if (!this.paused && v.video.paused) void v.video.play().catch(() => undefined);
    }
    this.drift = Math.round(worst);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const v of this.views) v.dispose();
    this.el.remove();
  }
}
