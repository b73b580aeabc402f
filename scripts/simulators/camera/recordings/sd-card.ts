// The simulated camera's SD card (ONVIF Profile G): one recording of the camera's video
// source, made of the spans it recorded, on the camera's own clock. The search service
// (services/search.ts) lists it and its IsRecording state changes; the replay service
// (services/replay.ts) gives its RTSP replay URI, which the GStreamer server plays from
// the `starttime` the client puts in the query (rtsp-server.py, /replay/<token>).
export interface SdCardSpan {
  /** ms relative to the camera's start, on its clock (negative: before it). */
  fromMs: number;
  /** null: still recording. */
  toMs: number | null;
}

export interface SdCardOptions {
  /** What the card holds, oldest first (default: 30 min from two hours ago, and the last hour on). */
  spans?: SdCardSpan[];
  /** The recording's token (default RecordingToken_1). */
  token?: string;
}

export const DEFAULT_SD_SPANS: readonly SdCardSpan[] = [
  { fromMs: -2 * 3_600_000, toMs: -1.5 * 3_600_000 },
  { fromMs: -3_600_000, toMs: null },
];

export const VIDEO_TRACK = 'VIDEO001';

export interface Transition {
  atMs: number;
  recording: boolean;
}

export class SdCard {
  readonly token: string;
  readonly track = VIDEO_TRACK;
  private readonly spans: { from: number; to: number | null }[];

  /** `startMs`: the camera's clock when it started; `now`: its clock now. */
  constructor(
    o: SdCardOptions,
    startMs: number,
    private readonly now: () => number,
  ) {
    this.token = o.token ?? 'RecordingToken_1';
    this.spans = (o.spans ?? DEFAULT_SD_SPANS)
      .map((s) => ({ from: startMs + s.fromMs, to: s.toMs === null ? null : startMs + s.toMs }))
      .sort((a, b) => a.from - b.from);
  }

  /** The spans with the open one ending now. */
  recorded(): { from: number; to: number }[] {
    const now = this.now();
    return this.spans.filter((s) => s.from < now).map((s) => ({ from: s.from, to: Math.min(s.to ?? now, now) }));
  }

  get recording(): boolean {
    const last = this.spans[this.spans.length - 1];
    return last !== undefined && last.to === null;
  }

  earliest(): number | undefined {
    return this.recorded()[0]?.from;
  }

  latest(): number | undefined {
    const r = this.recorded();
    return r[r.length - 1]?.to;
  }

  /** Recording started (true) or stopped (false), oldest first. */
  transitions(): Transition[] {
    const out: Transition[] = [];
    const now = this.now();
    for (const s of this.spans) {
      if (s.from >= now) break;
      out.push({ atMs: s.from, recording: true });
      if (s.to !== null && s.to < now) out.push({ atMs: s.to, recording: false });
    }
    return out;
  }

  isRecordingAt(ms: number): boolean {
    return this.recorded().some((s) => s.from <= ms && ms < s.to);
  }
}
