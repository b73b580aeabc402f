// Playback of one camera: a timeline of the day (recorded spans, gaps, alarms and
// incidents), a click plays from that instant through an HLS VOD playlist (hls.js, with
// the bearer token), speeds 1/2/4/8×, frame step, the days with footage, and an export
// of the marked range as MP4 with its SHA-256. Used by the 回放 page, a wall tile and
// the incident card.
import Hls from 'hls.js';
import { get, getToken, post } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
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

const SPEEDS = [1, 2, 4, 8] as const;
const DAY_MS = 86_400_000;
/** The towns' clock (China: UTC+8), as the server's calendar. */
const OFFSET_MS = 8 * 3_600_000;

const localDay = (t: number) => new Date(t + OFFSET_MS).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;
const clock = (t: number) => new Date(t + OFFSET_MS).toISOString().slice(11, 19);

export interface PlaybackOptions {
  cameraId: number;
  /** Where to start (ms); default a minute ago. */
  at?: number;
  /** A range to show and export (the incident's evidence). */
  range?: { from: number; to: number };
  compact?: boolean;
}

export class PlaybackView {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private hls: Hls | null = null;
  private day: string;
  private timeline: Timeline | null = null;
  private playFrom = 0;
  private readonly bar: HTMLElement;
  private readonly cursor: HTMLElement;
  private readonly info: HTMLElement;
  private readonly days: HTMLElement;
  private readonly dateInput: HTMLInputElement;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** ms from the click to the first frame, for tests and the status line. */
  firstFrameMs: number | null = null;

  constructor(private readonly o: PlaybackOptions) {
    const at = o.range?.from ?? o.at ?? Date.now() - 60_000;
    this.day = localDay(at);
    this.video = h('video', { class: 'playback-video', muted: true, playsInline: true, controls: !o.compact });
    this.video.muted = true;
    this.bar = h('div', { class: 'playback-bar', title: tr('点击时间轴回放', 'Click the timeline to play') });
    this.cursor = h('div', { class: 'playback-cursor' });
    this.info = h('span', { class: 'playback-info muted' });
    this.days = h('div', { class: 'playback-days' });
    this.dateInput = h('input', { type: 'date', value: this.day, class: 'playback-date' });
    this.dateInput.addEventListener('change', () => {
      this.day = this.dateInput.value;
      void this.load();
    });
    this.bar.append(this.cursor);
    this.bar.addEventListener('click', (e) => {
      const r = this.bar.getBoundingClientRect();
      const t = dayStart(this.day) + ((e.clientX - r.left) / r.width) * DAY_MS;
      void this.play(t);
    });
    const speeds = SPEEDS.map((s) =>
      h(
        'button',
        {
          class: 'chip',
          'data-speed': s,
          onclick: () => {
            this.video.playbackRate = s;
            speeds.forEach((b) => b.classList.toggle('active', Number(b.dataset['speed']) === s));
          },
        },
        `${s}×`,
      ),
    );
    speeds[0]!.classList.add('active');
    const step = h(
      'button',
      {
        class: 'chip',
        title: tr('逐帧', 'Frame step'),
        onclick: () => {
          this.video.pause();
          this.video.currentTime += 0.1;
        },
      },
      '⏭',
    );
    const exportButton = h(
      'button',
      { class: 'chip', id: 'playback-export', onclick: () => void this.exportClip() },
      tr('导出', 'Export'),
    );
    this.el = h(
      'div',
      { class: `playback-view${o.compact ? ' compact' : ''}`, 'data-camera': o.cameraId },
      this.video,
      h('div', { class: 'playback-controls' }, this.dateInput, ...speeds, step, exportButton, this.info),
      this.bar,
      o.compact ? '' : this.days,
    );
    this.timer = setInterval(() => this.showCursor(), 500);
    void this.load().then(() => this.play(at));
  }

  /** The instant the video shows (ms), from the playlist's start and the playback position. */
  get now(): number {
    return this.playFrom + this.video.currentTime * 1000;
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
          {
            class: `chip${d === this.day ? ' active' : ''}`,
            'data-day': d,
            onclick: () => {
              this.day = d;
              this.dateInput.value = d;
              void this.load();
            },
          },
          d.slice(5),
        ),
      ),
    );
  }

  private drawBar(): void {
    const t = this.timeline;
    if (!t) return;
    const start = dayStart(this.day);
    const pos = (iso: string) => Math.min(100, Math.max(0, ((Date.parse(iso) - start) / DAY_MS) * 100));
    const block = (cls: string, s: Span, title: string) =>
      h('div', {
        class: cls,
        title,
        style: `left:${pos(s.from)}%;width:${Math.max(0.15, pos(s.to) - pos(s.from))}%`,
      });
    this.bar.replaceChildren(
      ...t.spans.map((s) => block('span-recorded', s, `${clock(Date.parse(s.from))}–${clock(Date.parse(s.to))}`)),
      ...t.gaps.map((g) => block('span-gap', g, `${tr('无录像', 'No footage')}: ${g.reason}`)),
      ...t.incidents.map((i) => block('span-incident', i, i.label)),
      ...t.alarms.map((a) =>
        h('div', { class: 'mark-alarm', title: `${tr('报警', 'Alarm')} ${a.kind}`, style: `left:${pos(a.at)}%` }),
      ),
      this.cursor,
    );
    if (t.status?.state === 'disk_full') toast(tr('录像磁盘已满', 'Recording disk full'), 'error');
  }

  private showCursor(): void {
    if (!this.playFrom) return;
    const pct = ((this.now - dayStart(this.day)) / DAY_MS) * 100;
    this.cursor.style.left = `${Math.min(100, Math.max(0, pct))}%`;
    if (!this.video.paused) this.info.textContent = `${this.day} ${clock(this.now)}`;
  }

  /** Plays from an instant: a playlist from there, hls.js starts at its EXT-X-START. */
  async play(at: number): Promise<void> {
    const clicked = performance.now();
    const to = this.o.range ? Math.max(this.o.range.to, at + 60_000) : at + 3_600_000;
    const url = `/api/cameras/${this.o.cameraId}/recordings/playlist.m3u8?from=${new Date(at).toISOString()}&to=${new Date(to).toISOString()}`;
    // Ask first: a range without footage gets its sentence, not a silent player.
    const head = await fetch(url, { headers: { authorization: `Bearer ${getToken() ?? ''}` } });
    if (!head.ok) {
      const body = (await head.json().catch(() => null)) as { error?: { message?: string } } | null;
      this.info.textContent = body?.error?.message ?? `${head.status}`;
      this.el.dataset['state'] = 'no_footage';
      return;
    }
    const text = await head.text();
    const firstDate = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)?.[1];
    this.playFrom = firstDate ? Date.parse(firstDate) : at;
    this.hls?.destroy();
    this.firstFrameMs = null;
    const hls = new Hls({ xhrSetup: (xhr) => xhr.setRequestHeader('authorization', `Bearer ${getToken() ?? ''}`) });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) this.info.textContent = `${tr('播放失败', 'Playback failed')}: ${data.details}`;
    });
    this.video.addEventListener(
      'playing',
      () => {
        this.firstFrameMs = Math.round(performance.now() - clicked);
        this.el.dataset['state'] = 'playing';
        this.el.dataset['firstFrameMs'] = String(this.firstFrameMs);
      },
      { once: true },
    );
    hls.loadSource(url);
    hls.attachMedia(this.video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => void this.video.play().catch(() => undefined));
  }

  private async exportClip(): Promise<void> {
    const from = this.o.range?.from ?? this.now - 30_000;
    const to = this.o.range?.to ?? this.now + 30_000;
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
    if (this.timer) clearInterval(this.timer);
    this.hls?.destroy();
    this.el.remove();
  }
}
