// Plane geometry in a local metric frame. A grid is at most a few kilometres across,
// so an equirectangular projection around its centre is accurate to well under a
// metre and lets the walkers move with plain x/y arithmetic (metres east/north).
import type { GridGeometry, LonLat } from './types.js';
import type { Rng } from './random.js';

const DEG = Math.PI / 180;

/** Metres per degree around (lon0, lat0); WGS-84 ellipsoid series. */
export class LocalFrame {
  readonly kx: number;
  readonly ky: number;
  constructor(
    readonly lon0: number,
    readonly lat0: number,
  ) {
    const p = lat0 * DEG;
    this.ky = 111132.954 - 559.822 * Math.cos(2 * p) + 1.175 * Math.cos(4 * p);
    this.kx = 111412.84 * Math.cos(p) - 93.5 * Math.cos(3 * p) + 0.118 * Math.cos(5 * p);
  }
  x(lon: number): number {
    return (lon - this.lon0) * this.kx;
  }
  y(lat: number): number {
    return (lat - this.lat0) * this.ky;
  }
  lon(x: number): number {
    return this.lon0 + x / this.kx;
  }
  lat(y: number): number {
    return this.lat0 + y / this.ky;
  }
}

/** Parameter t ∈ [0,1] along AB where it meets segment PQ, or NaN (parallel / no hit). */
export function intersectT(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  px: number,
  py: number,
  qx: number,
  qy: number,
): number {
  const rx = bx - ax,
    ry = by - ay,
    sx = qx - px,
    sy = qy - py;
  const den = rx * sy - ry * sx;
  if (den === 0) return NaN;
  const t = ((px - ax) * sy - (py - ay) * sx) / den;
  const u = ((px - ax) * ry - (py - ay) * rx) / den;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? t : NaN;
}

function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax,
    dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** One connected piece of a grid (outer ring + holes) in local metres. */
export class Piece {
  /** Flat [x0, y0, x1, y1, …] per ring, closed (last = first). */
  readonly rings: Float64Array[];
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly area: number;

  constructor(frame: LocalFrame, rings: LonLat[][]) {
    this.rings = rings.map((ring) => {
      const closed =
        ring.length > 0 && (ring[0]![0] !== ring[ring.length - 1]![0] || ring[0]![1] !== ring[ring.length - 1]![1])
          ? [...ring, ring[0]!]
          : ring;
      const flat = new Float64Array(closed.length * 2);
      closed.forEach((p, i) => {
        flat[2 * i] = frame.x(p[0]!);
        flat[2 * i + 1] = frame.y(p[1]!);
      });
      return flat;
    });
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity,
      area = 0;
    this.rings.forEach((r, k) => {
      let twice = 0;
      for (let i = 0; i + 3 < r.length; i += 2) {
        twice += r[i]! * r[i + 3]! - r[i + 2]! * r[i + 1]!;
        if (k === 0) {
          minX = Math.min(minX, r[i]!);
          maxX = Math.max(maxX, r[i]!);
          minY = Math.min(minY, r[i + 1]!);
          maxY = Math.max(maxY, r[i + 1]!);
        }
      }
      area += (k === 0 ? 1 : -1) * Math.abs(twice / 2);
    });
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    this.area = Math.max(0, area);
  }

  /** Even–odd rule over all rings, so holes are outside. */
  contains(x: number, y: number): boolean {
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return false;
    let inside = false;
    for (const r of this.rings) {
      for (let i = 0; i + 3 < r.length; i += 2) {
        const xi = r[i]!,
          yi = r[i + 1]!,
          xj = r[i + 2]!,
          yj = r[i + 3]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  }

  distanceToBoundary(x: number, y: number): number {
    let best = Infinity;
    for (const r of this.rings) {
      for (let i = 0; i + 3 < r.length; i += 2)
        best = Math.min(best, segmentDistance(x, y, r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!));
    }
    return best;
  }

  /** Inside with at least `margin` metres to the boundary. */
  containsWithMargin(x: number, y: number, margin: number): boolean {
    return this.contains(x, y) && this.distanceToBoundary(x, y) >= margin;
  }

  /** True when the straight walk A→B stays inside (endpoints inside, no boundary crossed or touched). */
  segmentInside(ax: number, ay: number, bx: number, by: number): boolean {
    if (!this.contains(ax, ay) || !this.contains(bx, by)) return false;
    for (const r of this.rings) {
      for (let i = 0; i + 3 < r.length; i += 2) {
        if (!Number.isNaN(intersectT(ax, ay, bx, by, r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!))) return false;
      }
    }
    return true;
  }

  /** Every t ∈ (0,1) where segment AB crosses a ring edge. */
  crossings(ax: number, ay: number, bx: number, by: number, out: number[]): void {
    for (const r of this.rings) {
      for (let i = 0; i + 3 < r.length; i += 2) {
        const t = intersectT(ax, ay, bx, by, r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!);
        if (t > 0 && t < 1) out.push(t);
      }
    }
  }

  /**
   * A uniformly random point at least `margin` m inside (rejection sampling in the
   * bounding box; the margin shrinks for slivers). Undefined only for degenerate pieces.
   */
  randomPoint(rng: Rng, margin: number): [number, number] | undefined {
    for (const m of [margin, margin / 4, 0]) {
      for (let i = 0; i < 200; i++) {
        const x = rng.uniform(this.minX, this.maxX);
        const y = rng.uniform(this.minY, this.maxY);
        if (this.contains(x, y) && (m === 0 || this.distanceToBoundary(x, y) >= m)) return [x, y];
      }
    }
    return undefined;
  }
}

/** A grid polygon (or multipolygon) projected once and shared by every walker in it. */
export class GridShape {
  readonly frame: LocalFrame;
  readonly pieces: Piece[];

  constructor(geometry: GridGeometry) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    let minLon = Infinity,
      minLat = Infinity,
      maxLon = -Infinity,
      maxLat = -Infinity;
    for (const poly of polygons) {
      for (const p of poly[0] ?? []) {
        minLon = Math.min(minLon, p[0]!);
        maxLon = Math.max(maxLon, p[0]!);
        minLat = Math.min(minLat, p[1]!);
        maxLat = Math.max(maxLat, p[1]!);
      }
    }
    if (!Number.isFinite(minLon)) throw new Error('empty grid polygon');
    this.frame = new LocalFrame((minLon + maxLon) / 2, (minLat + maxLat) / 2);
    this.pieces = polygons.map((rings) => new Piece(this.frame, rings)).filter((p) => p.area > 1);
    if (this.pieces.length === 0) throw new Error('grid polygon has no area');
  }

  /** A piece chosen with probability proportional to its area. */
  pickPiece(rng: Rng): Piece {
    const total = this.pieces.reduce((s, p) => s + p.area, 0);
    let r = rng.next() * total;
    for (const p of this.pieces) {
      r -= p.area;
      if (r < 0) return p;
    }
    return this.pieces[this.pieces.length - 1]!;
  }
}
