// Simulated time.
//
// sim(t) = startTime + elapsedReal × timeScale, but never later than the wall clock:
// a fast run starts in the past (by default one hour ago) and replays it quickly;
// once it catches up with the wall clock it carries on at 1×. So every timestamp a
// phone sends is ≤ the moment it is sent (barring deliberate clock faults), and a
// device's timestamps only grow, which is what a server sees from real phones.
// Intervals, pauses, gaps, back-off and Retry-After are all simulated durations.

export const DEFAULT_REPLAY_MS = 3_600_000;

export class SimClock {
  readonly timeScale: number;
  readonly startTime: number;
  private readonly wallStart: number;
  private readonly monoStart: number;

  constructor(
    timeScale: number,
    startTime: number | undefined,
    private readonly wallNow: () => number = Date.now,
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new RangeError(`timeScale must be a positive number, not ${timeScale}`);
    this.timeScale = timeScale;
    this.wallStart = wallNow();
    this.monoStart = monotonic();
    this.startTime = startTime ?? (timeScale > 1 ? this.wallStart - DEFAULT_REPLAY_MS : this.wallStart);
    if (this.startTime > this.wallStart + 1000) {
      throw new RangeError('startTime is in the future: phones would send timestamps ahead of the wall clock');
    }
  }

  /** Simulated epoch ms. */
  now(): number {
    const elapsed = this.monotonic() - this.monoStart;
    const sped = this.startTime + elapsed * this.timeScale;
    return Math.min(sped, Math.max(this.startTime, this.wallStart + elapsed));
  }

  /** Simulated ms per real ms right now (timeScale, or 1 once caught up). */
  rate(): number {
    const elapsed = this.monotonic() - this.monoStart;
    return this.startTime + elapsed * this.timeScale < this.wallStart + elapsed
      ? this.timeScale
      : Math.min(1, this.timeScale);
  }
}
