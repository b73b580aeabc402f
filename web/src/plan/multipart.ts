// A MultiPolygon grid is reshaped one part at a time: the part under the click is
// edited, and saving puts it back among the other parts unchanged.
import type { Ring } from './draw';
import type { GridGeometry } from './geometry';

function parts(g: GridGeometry): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates as Ring[]] : (g.coordinates as Ring[][]);
}

/** The index of the part whose outer ring holds the point (0 when none does). */
export function partAt(g: GridGeometry, [x, y]: [number, number]): number {
  const i = parts(g).findIndex((polygon) => polygon[0] !== undefined && inRing(polygon[0], x, y));
  return Math.max(i, 0);
}

export function partOf(g: GridGeometry, index: number): Ring[] {
  return parts(g)[index] ?? parts(g)[0]!;
}

/** The grid with part `index` replaced by the edited polygon. */
export function withPart(g: GridGeometry, index: number, polygon: Ring[]): GridGeometry {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: polygon };
  return { type: 'MultiPolygon', coordinates: parts(g).map((p, i) => (i === index ? polygon : p)) };
}

function inRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
