// The phone: a GPS that errs the way phone GPS does, a clock that may be off, and a
// battery. Turns the true state of a Mover into the Fix the app would store.
import type { LocalFrame } from './geometry.js';
import type { Mover } from './movement.js';
import type { Rng } from './random.js';
import type { Fix } from './types.js';

export interface PhoneOptions {
  /** Per-axis σ of the GPS error (m); each phone gets its own in this range. */
  gpsSigmaM: [number, number];
  /** Chance that a fix is a bad one (multipath, indoors). */
  badFixChance: number;
  /** Reported accuracy range of bad fixes (m); their error matches it. */
  badFixAccuracyM: [number, number];
  /** Battery drain, percent per hour (each phone gets its own). */
  batteryDrainPerHour: [number, number];
  /** Ground height of the town (m); Quzhou's river plain is about 65 m. */
  altitudeM: number;
  /** Share of phones whose clock is off. */
  clockFaultShare: number;
  /** How far off such a clock is (ms, log-uniform, either sign). */
  clockFaultMs: [number, number];
}

export const DEFAULT_PHONE: PhoneOptions = {
  gpsSigmaM: [3, 8],
  badFixChance: 0.01,
  badFixAccuracyM: [50, 200],
  batteryDrainPerHour: [3, 8],
  altitudeM: 65,
  clockFaultShare: 0.05,
  clockFaultMs: [3_000, 600_000],
};

/**
 * Android's `accuracy` is the radius holding the true position with 68 % probability.
 * For a circular gaussian error with per-axis σ that radius is σ·√(2·ln(1/0.32)).
 */
export const ACCURACY_PER_SIGMA = Math.sqrt(2 * Math.log(1 / 0.32));
/** GPS error wanders rather than jumping: AR(1) with this correlation time. */
const ERROR_CORRELATION_MS = 30_000;

export class Phone {
  readonly sigma: number;
  readonly clockOffsetMs: number;
  private readonly batteryStart: number;
  private readonly drainPerMs: number;
  private readonly t0: number;
  private ex: number;
  private ey: number;
  private lastT: number;
  private lastMoving: boolean | undefined;
  private lastHeading = 0;

  constructor(
    private readonly rng: Rng,
    private readonly opts: PhoneOptions,
    t0: number,
  ) {
    this.sigma = rng.uniform(opts.gpsSigmaM[0], opts.gpsSigmaM[1]);
    this.clockOffsetMs = rng.chance(opts.clockFaultShare)
      ? (rng.chance(0.5) ? 1 : -1) *
        Math.round(Math.exp(rng.uniform(Math.log(opts.clockFaultMs[0]), Math.log(opts.clockFaultMs[1]))))
      : 0;
    this.batteryStart = rng.uniform(45, 100);
    this.drainPerMs = rng.uniform(opts.batteryDrainPerHour[0], opts.batteryDrainPerHour[1]) / 3_600_000;
    this.t0 = this.lastT = t0;
    this.ex = rng.normal();
    this.ey = rng.normal();
  }

  battery(t: number): number {
    return Math.max(1, this.batteryStart - (t - this.t0) * this.drainPerMs);
  }

  /** A fix of the mover's state at simulated time t (the mover must be advanced to t). */
  observe(mover: Mover, frame: LocalFrame, t: number, deviceId: string): Fix {
    const rng = this.rng;
    const rho = Math.exp(-Math.max(0, t - this.lastT) / ERROR_CORRELATION_MS);
    const fresh = Math.sqrt(1 - rho * rho);
    this.ex = rho * this.ex + fresh * rng.normal();
    this.ey = rho * this.ey + fresh * rng.normal();
    this.lastT = t;

    const bad = rng.chance(this.opts.badFixChance);
    let sigma = this.sigma * rng.uniform(0.85, 1.2);
    let dx = sigma * this.ex,
      dy = sigma * this.ey;
    if (bad) {
      sigma = rng.uniform(this.opts.badFixAccuracyM[0], this.opts.badFixAccuracyM[1]) / ACCURACY_PER_SIGMA;
      dx = sigma * rng.normal();
      dy = sigma * rng.normal();
    }
    const speed = mover.moving ? Math.max(0, mover.speed + 0.1 * rng.normal()) : Math.abs(0.05 * rng.normal());
    if (mover.moving) this.lastHeading = (mover.heading + 4 * rng.normal() + 360) % 360;
    const motionChange = this.lastMoving !== undefined && this.lastMoving !== mover.moving;
    this.lastMoving = mover.moving;

    return {
      deviceId,
      time: t + this.clockOffsetMs,
      simTime: t,
      lon: frame.lon(mover.x + dx),
      lat: frame.lat(mover.y + dy),
      accuracy: Math.round(sigma * ACCURACY_PER_SIGMA * 10) / 10,
      speed,
      heading: this.lastHeading,
      altitude: this.opts.altitudeM + 1.5 * sigma * rng.normal(),
      battery: this.battery(t),
      moving: mover.moving,
      motionChange,
      activity: !mover.moving ? 'still' : mover.mode === 'ebike' ? 'on_bicycle' : 'walking',
      odometer: mover.odometer,
      trueLon: frame.lon(mover.x),
      trueLat: frame.lat(mover.y),
      bad,
      attempts: 0,
    };
  }
}
