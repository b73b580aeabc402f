// A camera's field of view as a map polygon: a sector from its heading, opening and
// range (a full circle for a 360° dome). Metres to degrees on a local tangent plane.
import type { Placement } from '../api/types';

const M_PER_DEG_LAT = 111_320;

export function fovPolygon(
  p: Pick<Placement, 'lon' | 'lat' | 'headingDeg' | 'hfovDeg' | 'rangeM'>,
  steps = 12,
): number[][] {
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((p.lat * Math.PI) / 180);
  const point = (bearingDeg: number): number[] => {
    const b = (bearingDeg * Math.PI) / 180;
    return [p.lon + (Math.sin(b) * p.rangeM) / mPerDegLon, p.lat + (Math.cos(b) * p.rangeM) / M_PER_DEG_LAT];
  };
  const ring: number[][] = [];
  if (p.hfovDeg >= 360) {
    for (let i = 0; i <= steps * 3; i++) ring.push(point((360 * i) / (steps * 3)));
    return ring;
  }
  const start = p.headingDeg - p.hfovDeg / 2;
  ring.push([p.lon, p.lat]);
  for (let i = 0; i <= steps; i++) ring.push(point(start + (p.hfovDeg * i) / steps));
  ring.push([p.lon, p.lat]);
  return ring;
}

/** Bearing in degrees (0 = north, clockwise) from one point to another. */
export function bearingDeg(from: [number, number], to: [number, number]): number {
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((from[1] * Math.PI) / 180);
  const dx = (to[0] - from[0]) * mPerDegLon;
  const dy = (to[1] - from[1]) * M_PER_DEG_LAT;
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

export function distanceM(a: [number, number], b: [number, number]): number {
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((a[1] * Math.PI) / 180);
  return Math.hypot((b[0] - a[0]) * mPerDegLon, (b[1] - a[1]) * M_PER_DEG_LAT);
}
