// One gridworker with their phone: where they are, what the phone has recorded and
// not yet delivered (the app's offline buffer, sent oldest first), and the faults a
// test has switched on.
import type { GridShape } from './geometry.js';
import type { Mover } from './movement.js';
import type { Phone } from './phone.js';
import type { Rng } from './random.js';
import type { Fix, Protocol, RosterEntry } from './types.js';

export type Garbage = 'nan' | 'latitude' | 'future';

/** Misbehaviour a test can switch on for one phone (see GridworkerSimulator.setFaults). */
export interface WalkerFaults {
  /** Every fix from now on is broken: NaN coordinates, latitude out of range, or a timestamp a year ahead. */
  garbage?: Garbage | null;
  /** Extra fixes per real second on top of the normal interval (a runaway app). */
  floodPerSecond?: number;
  /** Send under this id instead (a phone whose device was never registered). */
  unregisteredId?: string | null;
}

const YEAR_MS = 365 * 86_400_000;

export class Walker {
  /** The app's buffer: fixes not yet delivered, oldest first (array + head index). */
  private buffer: (Fix | undefined)[] = [];
  private head = 0;
  /** Simulated time until which the phone has no network. */
  offlineUntil = -Infinity;
  /** Simulated time of the next allowed attempt after a failure (back-off). */
  retryAt = -Infinity;
  /** Consecutive failed attempts, for the back-off. */
  failures = 0;
  sending = false;
  queued = false;
  faults: Required<WalkerFaults> = { garbage: null, floodPerSecond: 0, unregisteredId: null };
  /** Fractional flood fixes owed (real-time rate × tick length). */
  floodCredit = 0;

  constructor(
    readonly index: number,
    readonly entry: RosterEntry,
    readonly shape: GridShape,
    readonly mover: Mover,
    readonly phone: Phone,
    readonly protocol: Protocol,
    /** The walker's own random stream (gaps, back-off jitter), so runs replay per walker. */
    readonly rng: Rng,
  ) {}

  get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** Records a fix at simulated time t into the buffer. */
  record(t: number): Fix {
    // Whole milliseconds, as a phone has; a view of the walker may have moved the state a little past t already.
    const at = Math.ceil(Math.max(t, this.mover.time));
    this.mover.advanceTo(at);
    const fix = this.phone.observe(this.mover, this.shape.frame, at, this.faults.unregisteredId ?? this.entry.deviceId);
    switch (this.faults.garbage) {
      case 'nan':
        fix.lat = NaN;
        fix.lon = NaN;
        break;
      case 'latitude':
        // Latitude and longitude swapped, a classic app bug (out of range east of 90°E).
        if (Math.abs(fix.lon) > 90) [fix.lat, fix.lon] = [fix.lon, fix.lat];
        else fix.lat += 180;
        break;
      case 'future':
        fix.time += YEAR_MS;
        break;
    }
    this.buffer.push(fix);
    return fix;
  }

  oldest(): Fix | undefined {
    return this.buffer[this.head];
  }

  /** Removes the oldest fix (delivered or refused). */
  shift(): void {
    this.buffer[this.head++] = undefined;
    // Compact now and then instead of Array#shift on every delivery.
    if (this.head > 64 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }

  online(t: number): boolean {
    return t >= this.offlineUntil;
  }

  /** Ready for the next send attempt at simulated time t. */
  canSend(t: number): boolean {
    return !this.sending && this.buffered > 0 && t >= this.offlineUntil && t >= this.retryAt;
  }
}
