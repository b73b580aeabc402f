// One motorised axis (pan, tilt or zoom). Position is computed from the motion
// in progress whenever it is asked for, so no timers run: a move started at t0
// with rate r is at origin + r·(t − t0) until it ends (timeout, target reached
// or a mechanical limit). Pan on a 360° dome wraps instead of stopping.

export interface AxisLimits {
  min: number;
  max: number;
  /** Endless rotation: leaving max re-enters at min. */
  wraps: boolean;
}

type Motion =
  | { kind: 'idle' }
  /** rate in units/ms (signed); ends at endMs (Infinity: until stopped). */
  | { kind: 'velocity'; rate: number; endMs: number }
  /** travels |distance| at |rate| then lands exactly on target. */
  | { kind: 'target'; rate: number; endMs: number; target: number };

export interface AxisReading {
  value: number;
  moving: boolean;
}

export class PtzAxis {
  private origin: number;
  private t0 = 0;
  private motion: Motion = { kind: 'idle' };

  constructor(
    private readonly limits: AxisLimits,
    initial: number,
    /** Full speed (velocity or speed 1) in units per second. */
    private readonly maxUnitsPerSecond: number,
  ) {
    this.origin = this.normalise(initial);
  }

  at(nowMs: number): AxisReading {
    const m = this.motion;
    if (m.kind === 'idle') return { value: this.origin, moving: false };
    const end = m.kind === 'velocity' ? Math.min(m.endMs, this.limitReachedAt(m.rate)) : m.endMs;
    if (nowMs >= end && m.kind === 'target') return { value: m.target, moving: false };
    const elapsed = Math.min(nowMs, end) - this.t0;
    return { value: this.normalise(this.origin + m.rate * elapsed), moving: nowMs < end };
  }

  /** Continuous move: velocity in -1..1 of full speed, until endMs or a limit. */
  moveWithVelocity(velocity: number, nowMs: number, endMs: number): void {
    this.settle(nowMs);
    const v = clamp(velocity, -1, 1);
    this.motion = v === 0 ? { kind: 'idle' } : { kind: 'velocity', rate: (v * this.maxUnitsPerSecond) / 1000, endMs };
  }

  /** Absolute move along the shortest way round (wrapping axes) at speed 0..1. */
  moveTo(target: number, speed: number, nowMs: number): void {
    this.settle(nowMs);
    const goal = this.limits.wraps ? this.normalise(target) : clamp(target, this.limits.min, this.limits.max);
    const width = this.limits.max - this.limits.min;
    let delta = goal - this.origin;
    if (this.limits.wraps && Math.abs(delta) > width / 2) delta -= Math.sign(delta) * width;
    this.travel(delta, goal, speed, nowMs);
  }

  /** Relative move by delta (the long way round if asked) at speed 0..1. */
  moveBy(delta: number, speed: number, nowMs: number): void {
    this.settle(nowMs);
    const goal = this.limits.wraps
      ? this.normalise(this.origin + delta)
      : clamp(this.origin + delta, this.limits.min, this.limits.max);
    this.travel(this.limits.wraps ? delta : goal - this.origin, goal, speed, nowMs);
  }

  stop(nowMs: number): void {
    this.settle(nowMs);
    this.motion = { kind: 'idle' };
  }

  private travel(delta: number, goal: number, speed: number, nowMs: number): void {
    const unitsPerMs = ((speed > 0 ? Math.min(speed, 1) : 1) * this.maxUnitsPerSecond) / 1000;
    if (delta === 0 || unitsPerMs <= 0) {
      this.origin = goal;
      this.motion = { kind: 'idle' };
      return;
    }
    this.motion = {
      kind: 'target',
      rate: Math.sign(delta) * unitsPerMs,
      endMs: nowMs + Math.abs(delta) / unitsPerMs,
      target: goal,
    };
  }

  /** Re-anchor at the current position so the next motion starts from here. */
  private settle(nowMs: number): void {
    this.origin = this.at(nowMs).value;
    this.t0 = nowMs;
    this.motion = { kind: 'idle' };
  }

  private limitReachedAt(rate: number): number {
    if (this.limits.wraps || rate === 0) return Infinity;
    const limit = rate > 0 ? this.limits.max : this.limits.min;
    return this.t0 + (limit - this.origin) / rate;
  }

  private normalise(value: number): number {
    const { min, max, wraps } = this.limits;
    if (!wraps) return clamp(value, min, max);
    const width = max - min;
    return ((((value - min) % width) + width) % width) + min;
  }
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
