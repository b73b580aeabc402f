// Playback of one camera: a timeline (recorded spans, gaps, alarms and incidents) over a
// day, zoomable to an hour or ten minutes; a click plays from that instant through an
// HLS VOD playlist (hls.js, with the bearer token), or seeks in the one loaded when it
// holds the instant; speeds 1/2/4/8×, frame steps, pause; the days with footage; an
// export of the marked range as MP4 with its SHA-256. The time from the click to the
// first frame shown is measured here (data-first-frame-ms). Used by the 回放 page (alone
// or in a sync group), a wall tile and the incident card.
import Hls from 'hls.js';
import { get, getToken, post } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { exposeForTests } from '../test-hooks';
import { hasFootageAt, parsePlaylist, playlistSpan, positionOf, wallAt, type PlaylistEntry } from './playlist-clock';
import './playback.css';

interface Span {
  from: string;
  to: string;
}
interface Timeline {
  spans: Span[];
  gaps: (Span & { reason: string })[];
  alarms: { id: number; at: string; kind: string }[];
  incidents: { incidentId: number; from: string; to: string; label: string }[];
  status: { state: string; lastError: string | null } | null;
}
interface Exported {
  id: number;
  sha256: string;
  bytes: number;
  url: string;
}

export const SPEEDS = [1, 2, 4, 8] as const;
const DAY_MS = 86_400_000;
const ZOOMS: [number, string][] = [
  [DAY_MS, tr('24时', '24 h')],
  [3_600_000, tr('1时', '1 h')],
  [600_000, tr('10分', '10 min')],
];
/** The towns' clock (China: UTC+8), as the server's calendar. */
const OFFSET_MS = 8 * 3_600_000;

const localDay = (t: number) => new Date(t + OFFSET_MS).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;
export const clock = (t: number) => new Date(t + OFFSET_MS).toISOString().slice(11, 19);

export type PlaybackState = 'loading' | 'playing' | 'paused' | 'no_footage' | 'failed';

export interface PlaybackOptions {
  cameraId: number;
  /** Where to start (ms); default a minute ago. */
  at?: number;
  /** A range to show and export (the incident's evidence). */
  range?: { from: number; to: number };
  compact?: boolean;
  /** A click on the timeline goes here instead of playing this view alone (a sync group). */
  onPick?: (at: number, clickedAt: number) => void;
  /** Controls (speeds, steps, pause) are the group's, not this view's. */
  controlled?: boolean;
}

/** The views alive, for the browser tests (test build only). */
const views = new Set<PlaybackView>();
exposeForTests({ playbackViews: views });

export class PlaybackView {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private hls: Hls | null = null;
  private day: string;
  private timeline: Timeline | null = null;
  private entries: PlaylistEntry[] = [];
  private span = 3_600_000;
  private winStart = 0;
  private rate = 1;
  /** Seconds between two frames, learnt while playing (for the frame step). */
  private learntFrameS: number | null = null;
  private lastMediaTime = -1;
  /** Counts clicks: an answer or a frame for an older click is not this one's. */
  private frameWatch = 0;
  private requests = 0;
  private readonly bar: HTMLElement;
  private readonly cursor: HTMLElement;
  private readonly info: HTMLElement;
  private readonly days: HTMLElement;
  private readonly dateInput: HTMLInputElement;
  private readonly speedChips: HTMLButtonElement[];
  private readonly zoomChips: HTMLButtonElement[];
  private timer: ReturnType<typeof setInterval> | null = null;
  /** ms from the click to the first frame shown after it. */
  firstFrameMs: number | null = null;
  /** Kept paused by whoever controls it (a paused sync group): a new playlist shows its frame, no more. */
  hold = false;

  constructor(private readonly o: PlaybackOptions) {
    const at = o.range?.from ?? o.at ?? Date.now() - 60_000;
    this.day = localDay(at);
    if (o.range || o.compact) this.span = 600_000;
    this.centre(at);
    this.video = h('video', {
      class: 'playback-video',
      muted: true,
      playsInline: true,
      controls: !o.compact && !o.controlled,
    });
    this.video.muted = true;
    this.bar = h('div', { class: 'playback-bar', title: tr('点击时间轴回放', 'Click the timeline to play') });
    this.cursor = h('div', { class: 'playback-cursor' });
    this.info = h('span', { class: 'playback-info muted' });
    this.days = h('div', { class: 'playback-days' });
    this.dateInput = h('input', { type: 'date', value: this.day, class: 'playback-date' });
    this.dateInput.addEventListener('change', () => this.showDay(this.dateInput.value));
    this.bar.append(this.cursor);
    this.bar.addEventListener('click', (e) => {
      const r = this.bar.getBoundingClientRect();
      const t = this.winStart + ((e.clientX - r.left) / r.width) * this.span;
      this.el.dataset['picked'] = String(Math.round(t));
      if (this.o.onPick) this.o.onPick(t, e.timeStamp);
      else void this.play(t, e.timeStamp);
    });
    this.speedChips = SPEEDS.map((s) =>
      h('button', { class: 'chip', 'data-speed': s, onclick: () => this.setRate(s) }, `${s}×`),
    );
    this.zoomChips = ZOOMS.map(([ms, label]) =>
      h('button', { class: 'chip', 'data-zoom': ms, onclick: () => this.zoom(ms) }, label),
    );
    const controls = this.o.controlled
      ? []
      : [
          h('button', { class: 'chip', 'data-action': 'pause', onclick: () => this.togglePause() }, '⏯'),
          ...this.speedChips,
          h(
            'button',
            {
              class: 'chip',
              'data-action': 'step-back',
              title: tr('后退一帧', 'Frame back'),
              onclick: () => this.step(-1),
            },
            '⏮',
          ),
          h(
            'button',
            { class: 'chip', 'data-action': 'step', title: tr('逐帧', 'Frame step'), onclick: () => this.step(1) },
            '⏭',
          ),
          h(
            'button',
            { class: 'chip', 'data-action': 'export', onclick: () => void this.exportClip() },
            tr('导出', 'Export'),
          ),
        ];
    this.el = h(
      'div',
      { class: `playback-view${o.compact ? ' compact' : ''}`, 'data-camera': o.cameraId },
      this.video,
      h(
        'div',
        { class: 'playback-controls' },
        o.compact ? '' : this.dateInput,
        ...controls,
        ...this.zoomChips,
        this.info,
      ),
      this.bar,
      o.compact ? '' : this.days,
    );
    this.markSpeed();
    this.markZoom();
    this.timer = setInterval(() => this.showCursor(), 250);
    this.video.addEventListener('pause', () => this.settle());
    this.video.addEventListener('play', () => this.settle());
    this.learnFrameRate();
    views.add(this);
    void this.load().then(() => (this.o.onPick ? undefined : this.play(at)));
  }

  get cameraId(): number {
    return this.o.cameraId;
  }

  get state(): PlaybackState {
    return (this.el.dataset['state'] as PlaybackState | undefined) ?? 'loading';
  }

  /**
   * Segments in the video: hls.js's own once it has the playlist (it moves a segment to
   * where its timestamps put it), the playlist's lines before that.
   */
  private get placed(): PlaylistEntry[] {
    const frags = this.hls?.levels[0]?.details?.fragments;
    if (!frags?.length || frags.length !== this.entries.length) return this.entries;
    return frags.map((f, i) => ({
      at: f.programDateTime ?? this.entries[i]!.at,
      start: f.start,
      duration: f.duration,
    }));
  }

  /** The instant the picture shows (ms); null before anything plays. */
  get now(): number | null {
    return this.entries.length ? wallAt(this.placed, this.video.currentTime) : null;
  }

  get speed(): number {
    return this.rate;
  }

  /** Whether the loaded playlist holds `at` (a seek there needs no new playlist). */
  holds(at: number): boolean {
    const span = playlistSpan(this.entries);
    return !!span && at >= span.from && at < span.to;
  }

  /** Whether this camera has footage at `at`, as far as the loaded playlist says. */
  hasFootage(at: number): boolean {
    return hasFootageAt(this.entries, at);
  }

  private centre(at: number): void {
    const start = dayStart(this.day);
    this.winStart =
      this.span >= DAY_MS ? start : Math.min(start + DAY_MS - this.span, Math.max(start, at - this.span / 2));
  }

  private showDay(day: string): void {
    this.day = day;
    this.dateInput.value = day;
    this.centre(this.now ?? dayStart(day) + DAY_MS / 2);
    void this.load();
  }

  private zoom(ms: number): void {
    this.span = ms;
    this.centre(this.now ?? this.winStart + this.span / 2);
    this.markZoom();
    this.drawBar();
  }

  private markZoom(): void {
    this.zoomChips.forEach((b) => b.classList.toggle('active', Number(b.dataset['zoom']) === this.span));
    this.bar.dataset['from'] = String(this.winStart);
    this.bar.dataset['span'] = String(this.span);
  }

  private markSpeed(): void {
    this.speedChips.forEach((b) => b.classList.toggle('active', Number(b.dataset['speed']) === this.rate));
  }

  private async load(): Promise<void> {
    const from = new Date(dayStart(this.day)).toISOString();
    const to = new Date(dayStart(this.day) + DAY_MS).toISOString();
    try {
      this.timeline = await get<Timeline>(`/api/cameras/${this.o.cameraId}/recordings/timeline?from=${from}&to=${to}`);
    } catch (err) {
      this.info.textContent = (err as Error).message;
      return;
    }
    this.drawBar();
    if (!this.o.compact) void this.loadDays();
  }

  private async loadDays(): Promise<void> {
    const month = this.day.slice(0, 7);
    const { days } = await get<{ days: string[] }>(`/api/cameras/${this.o.cameraId}/recordings/days?month=${month}`);
    this.days.replaceChildren(
      h('span', { class: 'muted' }, tr('有录像的日期', 'Days with footage')),
      ...days.map((d) =>
        h(
          'button',
          { class: `chip${d === this.day ? ' active' : ''}`, 'data-day': d, onclick: () => this.showDay(d) },
          d.slice(5),
        ),
      ),
    );
  }

  private drawBar(): void {
    const t = this.timeline;
    this.markZoom();
    if (!t) return;
    const pos = (ms: number) => Math.min(100, Math.max(0, ((ms - this.winStart) / this.span) * 100));
    const block = (cls: string, s: Span, title: string) =>
      h('div', {
        class: cls,
        title,
        style: `left:${pos(Date.parse(s.from))}%;width:${Math.max(0.15, pos(Date.parse(s.to)) - pos(Date.parse(s.from)))}%`,
      });
    const ticks = [];
    const step = this.span / 6;
    for (let k = 1; k < 6; k++)
      ticks.push(
        h('span', { class: 'tick', style: `left:${(k * 100) / 6}%` }, clock(this.winStart + k * step).slice(0, 5)),
      );
    this.bar.replaceChildren(
      ...t.spans.map((s) => block('span-recorded', s, `${clock(Date.parse(s.from))}–${clock(Date.parse(s.to))}`)),
      ...t.gaps.map((g) => block('span-gap', g, `${tr('无录像', 'No footage')}: ${g.reason}`)),
      ...t.incidents.map((i) => block('span-incident', i, i.label)),
      ...t.alarms.map((a) =>
        h('div', {
          class: 'mark-alarm',
          title: `${tr('报警', 'Alarm')} ${a.kind}`,
          style: `left:${pos(Date.parse(a.at))}%`,
        }),
      ),
      ...ticks,
      this.cursor,
    );
    if (t.status?.state === 'disk_full') toast(tr('录像磁盘已满', 'Recording disk full'), 'error');
  }

  private showCursor(): void {
    const now = this.now;
    if (now === null) return;
    // Past the window's edge: the window follows the picture.
    if (this.span < DAY_MS && (now < this.winStart || now > this.winStart + this.span)) {
      this.centre(now);
      this.drawBar();
    }
    this.cursor.style.left = `${Math.min(100, Math.max(0, ((now - this.winStart) / this.span) * 100))}%`;
    if (this.state !== 'no_footage' && this.state !== 'failed')
      this.info.textContent = `${localDay(now)} ${clock(now)}`;
  }

  private setState(state: PlaybackState): void {
    this.el.dataset['state'] = state;
  }

  /** playing / paused once a frame is there (a view waiting for its first frame stays loading). */
  private settle(): void {
    if (this.state === 'playing' || this.state === 'paused') this.setState(this.video.paused ? 'paused' : 'playing');
  }

  /** Says in words why there is no picture; the picture of before goes. */
  private fail(state: 'no_footage' | 'failed', message: string): void {
    this.frameWatch++;
    this.hls?.destroy();
    this.hls = null;
    this.entries = [];
    this.setState(state);
    this.info.textContent = message;
  }

  /** The instants the loaded playlist spans (its footage may begin later than asked); null: none loaded. */
  get footageSpan(): { from: number; to: number } | null {
    return playlistSpan(this.entries);
  }

  /**
   * No footage at `at`, though the playlist has some further on (a sync group's clock is
   * in this camera's gap): paused, saying so and when the footage resumes.
   */
  idle(at: number): void {
    this.frameWatch++;
    this.video.pause();
    const next = this.entries.find((e) => e.at > at)?.at;
    this.setState('no_footage');
    this.info.textContent =
      `${clock(at)} ${tr('此刻没有录像', 'no footage at this instant')}` +
      (next ? ` · ${tr('录像从', 'footage from')} ${clock(next)}` : '');
  }

  /** Learns the frame interval from the frames shown (for the frame step). */
  private learnFrameRate(): void {
    const v = this.video;
    if (!('requestVideoFrameCallback' in v)) return;
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      const d = meta.mediaTime - this.lastMediaTime;
      if (!v.paused && this.rate === 1 && d > 0.005 && d < 0.5) this.learntFrameS = Math.min(this.learntFrameS ?? d, d);
      this.lastMediaTime = meta.mediaTime;
      if (views.has(this)) v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  /** Measures from `clicked` to the first frame shown after it. */
  private watchFirstFrame(clicked: number): void {
    const token = ++this.frameWatch;
    this.firstFrameMs = null;
    delete this.el.dataset['firstFrameMs'];
    this.setState('loading');
    const v = this.video;
    const done = () => {
      if (token !== this.frameWatch || v.readyState < 2 || v.seeking) return false;
      this.firstFrameMs = Math.round(performance.now() - clicked);
      this.el.dataset['firstFrameMs'] = String(this.firstFrameMs);
      this.setState(v.paused ? 'paused' : 'playing');
      return true;
    };
    if ('requestVideoFrameCallback' in v) {
      const wait = () => v.requestVideoFrameCallback(() => void (done() || (token === this.frameWatch && wait())));
      wait();
    }
    // A paused seek presents its frame without a callback in some browsers; playing says it too.
    const onEvent = () => {
      if (token !== this.frameWatch || done()) {
        v.removeEventListener('playing', onEvent);
        v.removeEventListener('seeked', onEvent);
      }
    };
    v.addEventListener('playing', onEvent);
    v.addEventListener('seeked', onEvent);
  }

  /**
   * Plays from an instant: a seek when the loaded playlist holds it, a new playlist
   * otherwise (asked first, so a range without footage gets its sentence).
   */
  async play(at: number, clicked = performance.now()): Promise<void> {
    const token = ++this.requests;
    this.firstFrameMs = null;
    delete this.el.dataset['firstFrameMs'];
    if (this.hls && this.holds(at)) {
      this.watchFirstFrame(clicked);
      this.video.currentTime = positionOf(this.placed, at);
      if (this.video.paused && !this.hold) void this.video.play().catch(() => undefined);
      return;
    }
    this.frameWatch++;
    this.setState('loading');
    const to = this.o.range ? Math.max(this.o.range.to, at + 60_000) : at + 3_600_000;
    const url = `/api/cameras/${this.o.cameraId}/recordings/playlist.m3u8?from=${new Date(at).toISOString()}&to=${new Date(to).toISOString()}`;
    let text: string;
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${getToken() ?? ''}` } });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
        const noFootage = body?.error?.code === 'no_footage';
        const message = noFootage
          ? `${clock(at)} ${tr('此时段没有录像', 'no footage at this time')} — ${body?.error?.message ?? ''}`
          : (body?.error?.message ?? `${res.status}`);
        if (token === this.requests) this.fail(noFootage ? 'no_footage' : 'failed', message);
        return;
      }
      text = await res.text();
    } catch (err) {
      if (token === this.requests) this.fail('failed', (err as Error).message);
      return;
    }
    if (token !== this.requests) return; // another click since
    this.entries = parsePlaylist(text);
    this.hls?.destroy();
    const hls = new Hls({
      startPosition: positionOf(this.entries, at),
      xhrSetup: (xhr) => xhr.setRequestHeader('authorization', `Bearer ${getToken() ?? ''}`),
    });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal && hls === this.hls) this.fail('failed', `${tr('播放失败', 'Playback failed')}: ${data.details}`);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.defaultPlaybackRate = this.rate;
      this.video.playbackRate = this.rate;
      if (!this.hold) void this.video.play().catch(() => undefined);
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
    // Watched from here: a frame of the playlist before is not this click's.
    this.watchFirstFrame(clicked);
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
    this.markSpeed();
  }

  togglePause(): void {
    if (this.video.paused) void this.video.play().catch(() => undefined);
    else this.video.pause();
  }

  /** One frame forward (1) or back (-1), paused. */
  step(direction: 1 | -1): void {
    this.video.pause();
    // A millisecond past the frame's start, so rounding never shows the frame before.
    this.video.currentTime = Math.max(0, this.video.currentTime + direction * this.frameSeconds + 0.001);
  }

  /** The frame interval learnt from the video (25 fps until then), s. */
  get frameSeconds(): number {
    return this.learntFrameS ?? 0.04;
  }

  private async exportClip(): Promise<void> {
    const now = this.now ?? Date.now() - 60_000;
    const from = this.o.range?.from ?? now - 30_000;
    const to = this.o.range?.to ?? now + 30_000;
    try {
      const e = await post<Exported>(`/api/cameras/${this.o.cameraId}/recordings/exports`, {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      });
      const res = await fetch(e.url, { headers: { authorization: `Bearer ${getToken() ?? ''}` } });
      const link = h(
        'a',
        { href: URL.createObjectURL(await res.blob()), download: `export-${e.id}.mp4` },
        tr('下载', 'Download'),
      );
      this.info.replaceChildren(`SHA-256 ${e.sha256.slice(0, 16)}… `, link);
      toast(tr('已导出，已记录导出日志', 'Exported and logged'), 'ok');
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  dispose(): void {
    views.delete(this);
    this.frameWatch++;
    if (this.timer) clearInterval(this.timer);
    this.hls?.destroy();
    this.el.remove();
  }
}
