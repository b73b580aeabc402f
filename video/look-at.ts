// Aiming a PTZ camera at a map point, and the reverse (which cameras can see a point).
// Pure geometry on a few features, so Turf: bearing and distance on the ellipsoid are
// more than good enough at a few kilometres.
import { bearing as turfBearing } from '@turf/bearing';
import { distance as turfDistance } from '@turf/distance';

export interface Placement {
  lon: number;
  lat: number;
  mountHeightM: number;
  headingDeg: number;
  hfovDeg: number;
  rangeM: number;
  zoomMax: number;
  panOffsetDeg: number;
  tiltOffsetDeg: number;
}

/** ONVIF generic spaces: pan and tilt −1..1, zoom 0..1. */
export interface PtzRanges {
  pan: [number, number];
  tilt: [number, number];
  zoom: [number, number];
}

export interface AimAt {
  x: number;
  y: number;
  zoom: number;
  bearingDeg: number;
  distanceM: number;
  tiltDeg: number;
  zoomFactor: number;
}

/** How wide a scene an operator wants to see at the point, in metres. */
const SCENE_WIDTH_M = 25;
// The generic space maps pan −1..1 to −180..180° and tilt −1..1 to −90..90°.
const PAN_DEG_PER_UNIT = 180;
const TILT_DEG_PER_UNIT = 90;

const clamp = (v: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, v));
const wrap180 = (deg: number) => ((((deg + 180) % 360) + 360) % 360) - 180;

export function bearingAndDistance(
  from: { lon: number; lat: number },
  to: { lon: number; lat: number },
): { bearingDeg: number; distanceM: number } {
  const a = [from.lon, from.lat];
  const b = [to.lon, to.lat];
  return { bearingDeg: (turfBearing(a, b) + 360) % 360, distanceM: turfDistance(a, b, { units: 'meters' }) };
}

/**
 * Pan from the bearing (against the calibrated pan zero), tilt from mount height and
 * distance, zoom so that about SCENE_WIDTH_M fills the picture.
 */
export function aimAt(p: Placement, target: { lon: number; lat: number }, ranges: PtzRanges): AimAt {
  const { bearingDeg, distanceM } = bearingAndDistance(p, target);
  const pan = wrap180(bearingDeg - p.panOffsetDeg) / PAN_DEG_PER_UNIT;
  const tiltDeg = (Math.atan2(p.mountHeightM, Math.max(distanceM, 1)) * 180) / Math.PI;
  const tilt = -(tiltDeg + p.tiltOffsetDeg) / TILT_DEG_PER_UNIT;
  const neededFov = (2 * Math.atan(SCENE_WIDTH_M / 2 / Math.max(distanceM, 1)) * 180) / Math.PI;
  const zoomFactor = Math.min(p.zoomMax, Math.max(1, p.hfovDeg / neededFov));
  const zoom = ranges.zoom[0] + ((zoomFactor - 1) / Math.max(1e-9, p.zoomMax - 1)) * (ranges.zoom[1] - ranges.zoom[0]);
  return {
    x: clamp(pan, ranges.pan),
    y: clamp(tilt, ranges.tilt),
    zoom: clamp(zoom, ranges.zoom),
    bearingDeg,
    distanceM,
    tiltDeg,
    zoomFactor,
  };
}

export type Visibility = 'in_view' | 'reachable_by_ptz' | 'out_of_range' | 'out_of_view';

/** Whether a camera sees a point now (fixed field of view) or can be turned to it. */
export function visibility(
  p: Placement,
  hasPtz: boolean,
  target: { lon: number; lat: number },
): { visibility: Visibility; distanceM: number; bearingDeg: number } {
  const { bearingDeg, distanceM } = bearingAndDistance(p, target);
  if (distanceM > p.rangeM) return { visibility: 'out_of_range', distanceM, bearingDeg };
  const offAxis = Math.abs(wrap180(bearingDeg - p.headingDeg));
  if (offAxis <= p.hfovDeg / 2) return { visibility: 'in_view', distanceM, bearingDeg };
  return { visibility: hasPtz ? 'reachable_by_ptz' : 'out_of_view', distanceM, bearingDeg };
}
