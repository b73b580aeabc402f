// The two wire formats Traccar's OsmAnd port (5055) accepts from phone apps, and how
// the apps read the answer.
import type { Fix } from './types.js';

export const KNOTS_PER_MPS = 3600 / 1852;

/**
 * The classic OsmAnd / Traccar Client form: one GET per fix, speed in knots,
 * timestamp in epoch seconds, battery in percent.
 */
export function osmandPath(basePath: string, fix: Fix): string {
  return (
    `${basePath}?id=${encodeURIComponent(fix.deviceId)}` +
    `&lat=${fix.lat.toFixed(7)}&lon=${fix.lon.toFixed(7)}` +
    `&timestamp=${Math.floor(fix.time / 1000)}` +
    `&speed=${(fix.speed * KNOTS_PER_MPS).toFixed(2)}` +
    `&bearing=${fix.heading.toFixed(1)}` +
    `&altitude=${fix.altitude.toFixed(1)}` +
    `&accuracy=${fix.accuracy.toFixed(1)}` +
    `&batt=${fix.battery.toFixed(1)}`
  );
}

/** The current Traccar Client's JSON body (speed in m/s, ISO time, battery 0–1). */
export function jsonBody(fix: Fix): string {
  // A phone clock can be pushed past what Date can print by a garbage fault; send what JS would.
  const time = new Date(fix.time);
  const round = (v: number, digits: number): number => Number(v.toFixed(digits));
  return JSON.stringify({
    location: {
      timestamp: Number.isNaN(time.getTime()) ? null : time.toISOString(),
      coords: {
        latitude: round(fix.lat, 7),
        longitude: round(fix.lon, 7),
        accuracy: round(fix.accuracy, 1),
        speed: round(fix.speed, 2),
        heading: round(fix.heading, 1),
        altitude: round(fix.altitude, 1),
      },
      is_moving: fix.moving,
      odometer: Math.round(fix.odometer),
      ...(fix.motionChange ? { event: 'motionchange' } : {}),
      battery: { level: round(fix.battery / 100, 2), is_charging: false },
      activity: { type: fix.activity },
    },
    device_id: fix.deviceId,
  });
}

export type Outcome =
  | { kind: 'delivered'; status: number }
  /** The server looked at the fix and said no: the app drops it. */
  | { kind: 'refused'; status: number }
  /** Not delivered; keep it and try again (after `retryAfterMs` when the server said so). */
  | { kind: 'retry'; status?: number; error?: string; retryAfterMs?: number };

/** Retry-After is delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * 2xx delivered; 5xx retried. Other 4xx mean "this fix is not acceptable" and are
 * dropped, except 408 and 429, which say "not now" rather than "not this".
 */
export function classify(status: number, retryAfter: string | undefined, nowMs: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 500 || status === 408 || status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    return retryAfterMs === undefined ? { kind: 'retry', status } : { kind: 'retry', status, retryAfterMs };
  }
  return { kind: 'refused', status };
}
