// The OsmAnd protocol as Traccar Client and other OsmAnd-protocol apps speak it:
// query parameters on a GET (or the same as a form POST), or the JSON body of the
// current Traccar Client. Pure functions: bytes in, fixes or a reason out.
import { FixRejected, type RawFix } from './fix.js';

const KNOTS_TO_MPS = 1852 / 3600;

/** epoch seconds, epoch milliseconds, ISO 8601 or `yyyy-MM-dd HH:mm:ss` (UTC). */
export function parseOsmandTime(value: string | undefined, now: Date): Date {
  if (value === undefined || value === '') return now;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    // More than 10 integer digits is milliseconds (seconds have 10 until the year 2286).
    return new Date(value.split('.')[0]!.length > 10 ? n : n * 1000);
  }
  const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(\.\d+)?)$/.exec(value);
  const date = new Date(plain ? `${plain[1]}T${plain[2]}Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new FixRejected('malformed', `timestamp "${value.slice(0, 40)}" is not a time`);
  return date;
}

function num(value: string | undefined, name: string): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new FixRejected('malformed', `${name} "${value.slice(0, 40)}" is not a number`);
  return n;
}

/** Negative speed or heading means "unknown" in this protocol, not a value. */
const known = (n: number | null) => (n === null || n < 0 ? null : n);

const KNOWN_KEYS = new Set([
  'id',
  'deviceid',
  'lat',
  'lon',
  'location',
  'timestamp',
  'speed',
  'bearing',
  'heading',
  'altitude',
  'accuracy',
  'hdop',
  'batt',
  'valid',
]);

/** The device reference alone, so an unknown device is refused before anything else. */
export function osmandDeviceRef(params: URLSearchParams): string | null {
  return params.get('id') ?? params.get('deviceid') ?? null;
}

export function parseOsmandQuery(params: URLSearchParams, now: Date): RawFix {
  const deviceRef = osmandDeviceRef(params);
  if (!deviceRef) throw new FixRejected('unknown_device', 'no id or deviceid parameter');
  let lat = num(params.get('lat') ?? undefined, 'lat');
  let lon = num(params.get('lon') ?? undefined, 'lon');
  const location = params.get('location');
  if (location) {
    const [a, b] = location.split(',');
    lat = num(a, 'location latitude');
    lon = num(b, 'location longitude');
  }
  if (lat === null || lon === null)
    throw new FixRejected('malformed', 'lat and lon (or location=lat,lon) are required');
  const speedKnots = known(num(params.get('speed') ?? undefined, 'speed'));
  const accuracy = num(params.get('accuracy') ?? undefined, 'accuracy') ?? num(params.get('hdop') ?? undefined, 'hdop');
  const attributes: Record<string, string> = {};
  for (const [k, v] of params) if (!KNOWN_KEYS.has(k)) attributes[k] = v.slice(0, 200);
  const hdop = params.get('hdop');
  if (hdop) attributes['hdop'] = hdop;
  return {
    deviceRef,
    time: parseOsmandTime(params.get('timestamp') ?? undefined, now),
    lat,
    lon,
    speedMps: speedKnots === null ? null : speedKnots * KNOTS_TO_MPS,
    heading: known(num(params.get('bearing') ?? params.get('heading') ?? undefined, 'bearing')),
    altitude: num(params.get('altitude') ?? undefined, 'altitude'),
    accuracy: accuracy !== null && accuracy >= 0 ? accuracy : null,
    battery: num(params.get('batt') ?? undefined, 'batt'),
    attributes: Object.keys(attributes).length ? attributes : null,
    source: 'osmand',
    // Answered 200 and counted: refusing it would make the phone send it forever.
    markedInvalid: params.get('valid') === 'false' || params.get('valid') === '0',
  };
}

interface TraccarJson {
  device_id?: unknown;
  location?: {
    timestamp?: unknown;
    coords?: {
      latitude?: unknown;
      longitude?: unknown;
      speed?: unknown;
      heading?: unknown;
      accuracy?: unknown;
      altitude?: unknown;
    };
    battery?: { level?: unknown; is_charging?: unknown };
    is_moving?: unknown;
    event?: unknown;
    activity?: unknown;
    extras?: unknown;
    odometer?: unknown;
  };
}

function jsonNum(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new FixRejected('malformed', `${name} must be a number`);
  return value;
}

/** The device reference of a Traccar Client JSON body, or null when there is none. */
export function traccarJsonDeviceRef(body: unknown): string | null {
  const ref = (body as TraccarJson | null)?.device_id;
  return typeof ref === 'string' && ref ? ref : null;
}

export function parseTraccarJson(body: unknown, now: Date): RawFix {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new FixRejected('malformed', 'the body must be a JSON object');
  const json = body as TraccarJson;
  const deviceRef = traccarJsonDeviceRef(json);
  if (!deviceRef) throw new FixRejected('unknown_device', 'device_id is missing');
  const loc = json.location;
  if (typeof loc !== 'object' || loc === null) throw new FixRejected('malformed', 'location is missing');
  const coords = loc.coords;
  if (typeof coords !== 'object' || coords === null) throw new FixRejected('malformed', 'location.coords is missing');
  const lat = jsonNum(coords.latitude, 'location.coords.latitude');
  const lon = jsonNum(coords.longitude, 'location.coords.longitude');
  if (lat === null || lon === null)
    throw new FixRejected('malformed', 'location.coords.latitude and longitude are required');
  const timestamp = loc.timestamp;
  const time =
    typeof timestamp === 'number'
      ? new Date(timestamp)
      : parseOsmandTime(typeof timestamp === 'string' ? timestamp : undefined, now);
  const level = jsonNum(loc.battery?.level, 'location.battery.level');
  const attributes: Record<string, unknown> = {};
  for (const key of ['is_moving', 'event', 'activity', 'extras', 'odometer'] as const)
    if (loc[key] !== undefined) attributes[key] = loc[key];
  if (loc.battery?.is_charging !== undefined) attributes['charge'] = loc.battery.is_charging;
  const accuracy = jsonNum(coords.accuracy, 'location.coords.accuracy');
  return {
    deviceRef,
    time,
    lat,
    lon,
    speedMps: known(jsonNum(coords.speed, 'location.coords.speed')),
    heading: known(jsonNum(coords.heading, 'location.coords.heading')),
    altitude: jsonNum(coords.altitude, 'location.coords.altitude'),
    accuracy: accuracy !== null && accuracy >= 0 ? accuracy : null,
    // Traccar Client sends 0..1; -1 when unknown.
    battery: level === null || level < 0 ? null : Math.round(level * 1000) / 10,
    attributes: Object.keys(attributes).length ? attributes : null,
    source: 'traccar-json',
  };
}
