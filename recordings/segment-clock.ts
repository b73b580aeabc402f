// The wall-clock times of one camera's segments, kept in order through clock jumps.
//
// ffmpeg tells each segment's stream times; the recorder turns them into instants with
// two clocks: the host's wall clock (what everyone else stamps alarms and incidents
// with) and the monotonic clock (which never jumps). A segment starts where the wall
// clock puts it, but never before the monotonic clock carries on from the last segment
// indexed. So:
//  - the wall clock jumps forward: the next segment follows it; the skipped time is a
//    gap whose reason says the clock jumped (footage is not lost, the wall time is);
//  - the wall clock jumps back: footage goes on from where it ended (time never runs
//    back in the index); the next break in the footage (a new ffmpeg run) shows as a
//    short gap and gives the rest of its time back, so the segments rejoin the wall
//    clock after breaks as long as the jump;
//  - a segment never starts before the previous one ended: the index stays ordered
//    and without overlaps whatever the clocks do.
export const CLOCK_JUMP_MS = 1000;
/** Segments of one ffmpeg run closer than this are joined end to start (announcement jitter). */
const JOIN_MS = 1000;
/** A break while the index is ahead of the wall clock shows as a gap this long at most. */
const BREAK_KEPT_MS = 2000;

export interface StreamSegment {
  /** Stream seconds, as ffmpeg's segment list prints them. */
  start: number;
  end: number;
}

export interface PlacedSegment {
  startedAt: Date;
  endedAt: Date;
  /** How far the wall clock put this segment after where the monotonic clock would have, ms (a forward jump). */
  aheadMs: number;
  /** Monotonic instant of the segment's end (for commit()). */
  endMono: number;
}

export class SegmentClock {
  private run: string | null = null;
  /** Monotonic ms at stream time 0 of the current run, from the least delayed announcement. */
  private anchorMono = Infinity;
  /** The last indexed end: wall ms, and its monotonic instant when this process indexed it. */
  private lastEnd: number | null;
  private lastEndMono: number | null = null;
  private lastRun: string | null = null;

  constructor(lastEnd: Date | null) {
    this.lastEnd = lastEnd?.getTime() ?? null;
  }

  /** Where a segment announced at (seenWall, seenMono) goes; commit() it once indexed. */
  place(run: string, seg: StreamSegment, seenWall: number, seenMono: number): PlacedSegment {
    if (run !== this.run) {
      this.run = run;
      this.anchorMono = Infinity;
    }
    // A line can only come late (under load), never early.
    this.anchorMono = Math.min(this.anchorMono, seenMono - seg.end * 1000);
    const startMono = this.anchorMono + seg.start * 1000;
    const durationMs = (seg.end - seg.start) * 1000;
    const wallStart = seenWall - seenMono + startMono;
    let start = wallStart;
    let aheadMs = 0;
    if (this.lastEnd !== null) {
      const sameRun = run === this.lastRun;
      // Real time since the last indexed end (unknown when another process indexed it).
      const elapsed = this.lastEndMono === null ? null : Math.max(0, startMono - this.lastEndMono);
      if (elapsed !== null && wallStart - (this.lastEnd + elapsed) > CLOCK_JUMP_MS)
        aheadMs = wallStart - (this.lastEnd + elapsed);
      // The stream's own time carries a run on; a break keeps a short gap.
      const carried = this.lastEnd + (sameRun ? (elapsed ?? 0) : Math.min(elapsed ?? 0, BREAK_KEPT_MS));
      start = Math.max(wallStart, carried);
      if (sameRun && Math.abs(start - this.lastEnd) < JOIN_MS) start = this.lastEnd;
    }
    return {
      startedAt: new Date(Math.round(start)),
      endedAt: new Date(Math.round(start + durationMs)),
      aheadMs,
      endMono: startMono + durationMs,
    };
  }

  /** The segment was indexed: the next one starts no earlier than its end. */
  commit(run: string, placed: PlacedSegment): void {
    this.lastEnd = placed.endedAt.getTime();
    this.lastEndMono = placed.endMono;
    this.lastRun = run;
  }

  get lastEndAt(): Date | null {
    return this.lastEnd === null ? null : new Date(this.lastEnd);
  }
}
