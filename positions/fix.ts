// A position fix as the protocols deliver it, and the checks every fix passes before
// it is stored. A fix is refused (4xx) only when it cannot be read; a readable fix from
// a known phone is always answered 200, because Traccar Client resends its oldest fix
// until it gets a 200 and a refusal would stop that phone for good. What the checks
// dislike becomes a flag on the stored fix, counted and shown per device.
import { checkMeasurements } from './fix-ranges.js';

export type FixSource = 'osmand' | 'traccar-json' | 'batch';

export interface RawFix {
  /** What the phone calls itself (OsmAnd id / deviceid / device_id). */
  deviceRef: string;
  time: Date;
  lat: number;
  lon: number;
  speedMps: number | null;
  heading: number | null;
  altitude: number | null;
  accuracy: number | null;
  /** Percent, 0–100. */
  battery: number | null;
  attributes: Record<string, unknown> | null;
  source: FixSource;
  /** The phone itself said the fix is not valid (OsmAnd `valid=false`). */
  markedInvalid?: boolean;
}

/** Flags a stored fix may carry (positions.flags holds them as bits). */
export type FixFlag = 'late' | 'clock_ahead' | 'fast' | 'outlier';
export const FLAG_BITS: Readonly<Record<FixFlag, number>> = { late: 1, clock_ahead: 2, fast: 4, outlier: 8 };
export const FLAGS = Object.keys(FLAG_BITS) as FixFlag[];
/** Fixes with these bits never move the current position nor make grid events. */
export const OFF_TRACK_BITS = FLAG_BITS.late | FLAG_BITS.outlier;

export function flagNames(bits: number): FixFlag[] {
  return FLAGS.filter((f) => (bits & FLAG_BITS[f]) !== 0);
}

/** Answered 200 and counted, but there is nothing to store. */
export type CountedOnly = 'no_fix' | 'marked_invalid' | 'expired';

/** Refusals: the request cannot be read, or the device is not one of ours (4xx), or transient (429/503). */
export type RefuseReason =
  'unknown_device' | 'device_disabled' | 'malformed' | 'coordinates_out_of_range' | 'rate_limited' | 'overloaded';

/** Everything counted per device and day: refusals, flags and fixes counted only. */
export type RejectReason = RefuseReason | FixFlag | CountedOnly;

export interface FixLimits {
  /** How far ahead of the server clock a fix may be before it is `clock_ahead`. */
  maxFutureMs: number;
  /** Older than this on arrival is `late`: kept in the history, never the current position. */
  lateAfterMs: number;
  /** Older than the history kept (retention) is counted only: the partition would be dropped. */
  maxAgeMs: number;
  /** Faster than a person on foot or an e-bike is `fast`: a vehicle, stored all the same. */
  maxSpeedMps: number;
  /** A jump faster than any car (with the accuracy slack) is an `outlier`. */
  maxJumpSpeedMps: number;
  /** The most of a fix's own `accuracy` the jump check forgives: the sender chooses it. */
  maxAccuracyM: number;
  /** Fixes after an outlier that must agree with it (and not with the trusted one) to confirm it. */
  outlierConfirmFixes: number;
}

export const DEFAULT_LIMITS: FixLimits = {
  maxFutureMs: 10 * 60_000,
  lateAfterMs: 3_600_000,
  maxAgeMs: 180 * 86_400_000,
  maxSpeedMps: 15,
  maxJumpSpeedMps: 60,
  maxAccuracyM: 100,
  outlierConfirmFixes: 2,
};

export class FixRejected extends Error {
  constructor(
    readonly reason: RefuseReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Why a fix cannot be read at all (a 400), or null. */
export function checkReadable(fix: RawFix): FixRejected | null {
  const { lat, lon } = fix;
  if (!Number.isFinite(lat) || !Number.isFinite(lon))
    return new FixRejected('malformed', 'latitude and longitude must be numbers');
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    return new FixRejected('coordinates_out_of_range', `lat ${lat}, lon ${lon} is not on Earth`);
  }
  if (!Number.isFinite(fix.time.getTime())) return new FixRejected('malformed', 'the timestamp is not a time');
  return checkMeasurements(fix);
}

export interface FixNote {
  reason: FixFlag | CountedOnly;
  detail: string;
}

/** What the time and speed checks make of a readable fix. */
export interface Judgement {
  /** False: counted only (no fix, marked invalid, older than the history kept). */
  store: boolean;
  /** The time it is stored at: the phone's, or the receive time when its clock is ahead. */
  time: Date;
  /** The phone's own time when it differs from `time`. */
  deviceTime: Date | null;
  flags: number;
  notes: FixNote[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

// No closures inside the per-fix functions: the server runs under tsx (esbuild's
// keepNames), where each named inner function costs a property definition per call.
function countedOnly(fix: RawFix, reason: CountedOnly, detail: string): Judgement {
  return { store: false, time: fix.time, deviceTime: null, flags: 0, notes: [{ reason, detail }] };
}

/**
 * The checks that need no previous fix. `aheadShiftMs` moves a clock-ahead fix back to
 * the receive time (for a batch, by the same amount for all, so their spacing stays).
 */
export function judgeFix(fix: RawFix, now: number, limits: FixLimits, aheadShiftMs = 0): Judgement {
  const notes: FixNote[] = [];
  const t = fix.time.getTime();
  // 0,0 is what a phone sends when it has no fix at all.
  if (fix.lat === 0 && fix.lon === 0)
    return countedOnly(fix, 'no_fix', `lat 0, lon 0 at ${iso(t)}: the phone had no fix`);
  if (fix.markedInvalid === true)
    return countedOnly(fix, 'marked_invalid', `the phone marked the fix at ${iso(t)} invalid`);
  if (t < now - limits.maxAgeMs) {
    return countedOnly(
      fix,
      'expired',
      `${iso(t)} is older than the ${Math.round(limits.maxAgeMs / 86_400_000)} days of history kept; not stored`,
    );
  }
  let flags = 0;
  let time = fix.time;
  let deviceTime: Date | null = null;
  if (t > now + limits.maxFutureMs) {
    flags |= FLAG_BITS.clock_ahead;
    time = new Date(t - Math.max(aheadShiftMs, t - now));
    deviceTime = fix.time;
    notes.push({
      reason: 'clock_ahead',
      detail: `phone time ${iso(t)} is ${minutes(t - now)} ahead of the server; stored at ${time.toISOString()}`,
    });
  } else if (t < now - limits.lateAfterMs) {
    flags |= FLAG_BITS.late;
    notes.push({
      reason: 'late',
      detail: `${iso(t)} arrived ${minutes(now - t)} late; kept in the history, not the current position`,
    });
  }
  if (fix.speedMps !== null && fix.speedMps > limits.maxSpeedMps) {
    flags |= FLAG_BITS.fast;
    notes.push({ reason: 'fast', detail: `${fix.speedMps.toFixed(1)} m/s reported: faster than on foot or an e-bike` });
  }
  return { store: true, time, deviceTime, flags, notes };
}

const EARTH_RADIUS_M = 6_371_008.8;

export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface LastFix {
  time: number;
  lat: number;
  lon: number;
  accuracy: number | null;
}

export interface Movement {
  metres: number;
  seconds: number;
  /** Speed beyond what GPS noise explains (the accuracy of both fixes, capped, and a margin). */
  speedMps: number;
}

/** How fast a fix moved from the one before it; null when it is not after it. */
export function movement(fix: LastFix, last: LastFix | undefined, limits: FixLimits = DEFAULT_LIMITS): Movement | null {
  if (!last) return null;
  const seconds = (fix.time - last.time) / 1000;
  if (seconds <= 0) return null;
  const metres = haversineMetres(last.lat, last.lon, fix.lat, fix.lon);
  const slack = 50 + capped(fix.accuracy, limits.maxAccuracyM) + capped(last.accuracy, limits.maxAccuracyM);
  return { metres, seconds, speedMps: Math.max(0, metres - slack) / seconds };
}

/** A sender-chosen accuracy, within [0, max]. */
function capped(accuracy: number | null, max: number): number {
  return accuracy === null || !(accuracy > 0) ? 0 : Math.min(accuracy, max);
}

/** A jump faster than any car could make from the previous fix. */
export function isJump(m: Movement | null, limits: FixLimits = DEFAULT_LIMITS): boolean {
  return m !== null && m.speedMps > limits.maxJumpSpeedMps;
}
