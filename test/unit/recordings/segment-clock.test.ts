// Segment times through wall-clock jumps: the index stays in order and without
// overlaps, a forward jump is followed (the hole reported), a backward one is not.
import { expect } from 'chai';
import { SegmentClock, type PlacedSegment } from '../../../recordings/segment-clock.js';

const T0 = Date.parse('2026-03-01T06:00:00Z');

/** ffmpeg announcing 1-second segments of one run, each 30 ms after it closed. */
function record(
  clock: SegmentClock,
  run: string,
  from: number,
  count: number,
  wall: (mono: number) => number,
  monoAtZero: number,
): PlacedSegment[] {
  const out: PlacedSegment[] = [];
  for (let i = from; i < from + count; i++) {
    const seenMono = monoAtZero + (i + 1) * 1000 + 30;
    const p = clock.place(run, { start: i, end: i + 1 }, wall(seenMono), seenMono);
    clock.commit(run, p);
    out.push(p);
  }
  return out;
}

function assertOrdered(segments: PlacedSegment[]): void {
  for (let i = 1; i < segments.length; i++)
    expect(segments[i]!.startedAt.getTime(), `segment ${i}`).to.be.at.least(segments[i - 1]!.endedAt.getTime());
}

describe('segment clock (times through clock jumps)', () => {
  it('places a run on the wall clock, end to end', () => {
    const c = new SegmentClock(null);
    const s = record(c, 'a', 0, 5, (m) => T0 + m, 0);
    // The announcements' delay (30 ms) is all the error.
    expect(s[0]!.startedAt.getTime()).to.equal(T0 + 30);
    expect(s[4]!.endedAt.getTime()).to.equal(T0 + 5030);
    assertOrdered(s);
  });

  it('follows a forward jump and reports how far ahead the clock put the segment', () => {
    const c = new SegmentClock(null);
    let skew = 0;
    const wall = (m: number) => T0 + m + skew;
    const before = record(c, 'a', 0, 3, wall, 0);
    skew = 3_600_000;
    const after = record(c, 'a', 3, 3, wall, 0);
    expect(after[0]!.startedAt.getTime() - before[2]!.endedAt.getTime()).to.equal(3_600_000);
    expect(after[0]!.aheadMs).to.equal(3_600_000);
    expect(after[1]!.aheadMs).to.equal(0);
    assertOrdered([...before, ...after]);
  });

  it('never runs back: after a backward jump footage continues, a break shows as a short gap', () => {
    const c = new SegmentClock(null);
    let skew = 0;
    const wall = (m: number) => T0 + m + skew;
    const first = record(c, 'a', 0, 3, wall, 0);
    skew = -7_200_000;
    const same = record(c, 'a', 3, 2, wall, 0);
    expect(same[0]!.startedAt.getTime()).to.equal(first[2]!.endedAt.getTime());
    // A new run 4 s of real time later (the camera was lost): a gap, 2 s of it shown.
    const next = record(c, 'b', 0, 2, wall, 5000 + 4000);
    expect(next[0]!.startedAt.getTime() - same[1]!.endedAt.getTime()).to.equal(2000);
    assertOrdered([...first, ...same, ...next]);
  });

  it('rejoins the wall clock after a break longer than the backward jump', () => {
    const c = new SegmentClock(null);
    let skew = 0;
    const wall = (m: number) => T0 + m + skew;
    const first = record(c, 'a', 0, 2, wall, 0);
    skew = -10_000;
    const later = record(c, 'b', 0, 2, wall, 60_000);
    expect(later[0]!.startedAt.getTime()).to.equal(T0 + 60_030 + skew);
    expect(later[0]!.aheadMs).to.equal(0);
    assertOrdered([...first, ...later]);
  });

  it('starts after the footage another recorder indexed, even with a slower clock', () => {
    const c = new SegmentClock(new Date(T0 + 10_000));
    const s = record(c, 'a', 0, 2, (m) => T0 + m, 0);
    expect(s[0]!.startedAt.getTime()).to.equal(T0 + 10_000);
    expect(s[1]!.startedAt.getTime()).to.equal(T0 + 11_000);
    assertOrdered(s);
  });
});
