// A position fix as the protocols deliver it, and the checks every fix passes before
// it is stored. A refused fix always has a reason, which is counted and shown.
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
}

export type RejectReason =
  | 'unknown_device'
  | 'device_disabled'
  | 'malformed'
  | 'coordinates_out_of_range'
  | 'null_island'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'implausible_speed'
  | 'implausible_jump'
  | 'marked_invalid'
  | 'rate_limited'
  | 'overloaded';

export interface FixLimits {
  maxFutureMs: number;
  maxAgeMs: number;
  /** Fastest a gridworker moves: on foot or on an e-bike, with GPS noise on top. */
  maxSpeedMps: number;
}

export const DEFAULT_LIMITS: FixLimits = {
  maxFutureMs: 10 * 60_000,
  maxAgeMs: 30 * 86_400_000,
  maxSpeedMps: 15,
};

export class FixRejected extends Error {
  constructor(
    readonly reason: RejectReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** The reason a fix cannot be accepted on its own, or null. */
export function checkFix(fix: RawFix, now: number, limits: FixLimits = DEFAULT_LIMITS): FixRejected | null {
  const { lat, lon } = fix;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return new FixRejected('malformed', 'latitude and longitude must be numbers');
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    return new FixRejected('coordinates_out_of_range', `lat ${lat}, lon ${lon} is not on Earth`);
  }
  // 0,0 is what a phone sends when it has no fix at all.
  if (lat === 0 && lon === 0) return new FixRejected('null_island', 'lat 0, lon 0 is a phone without a fix');
  const t = fix.time.getTime();
  if (!Number.isFinite(t)) return new FixRejected('malformed', 'the timestamp is not a time');
  if (t > now + limits.maxFutureMs) return new FixRejected('timestamp_in_future', `${fix.time.toISOString()} is ahead of the server clock`);
  if (t < now - limits.maxAgeMs) return new FixRejected('timestamp_too_old', `${fix.time.toISOString()} is older than the history kept`);
  if (fix.speedMps !== null && fix.speedMps > limits.maxSpeedMps) {
    return new FixRejected('implausible_speed', `${fix.speedMps.toFixed(1)} m/s is faster than a person on foot or an e-bike`);
  }
  return checkMeasurements(fix);
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

/**
 * A jump from the previous fix faster than anyone on foot could go. The accuracy of
 * both fixes and a margin are forgiven, so GPS noise alone never trips it.
 */
export function checkJump(fix: RawFix, last: LastFix | undefined, limits: FixLimits = DEFAULT_LIMITS): FixRejected | null {
  if (!last) return null;
  const dt = (fix.time.getTime() - last.time) / 1000;
  if (dt <= 0) return null;
  const metres = haversineMetres(last.lat, last.lon, fix.lat, fix.lon);
  const slack = 50 + (fix.accuracy ?? 0) + (last.accuracy ?? 0);
  if (metres - slack > limits.maxSpeedMps * dt) {
    return new FixRejected('implausible_jump', `${Math.round(metres)} m in ${dt.toFixed(0)} s since the previous fix`);
  }
  return null;
}
