// Chinese map apps (AMap, Tencent) give GCJ-02 coordinates. They are converted to
// WGS-84 at the edge, on the way in, and back only when an export asks for them.
import gcoordModule from 'gcoord';
import { z } from 'zod';

// gcoord's type declarations do not export transform; this is its runtime shape.
const gcoord = gcoordModule as unknown as { transform<T>(input: T, from: string, to: string): T };

export const CrsSchema = z
  .enum(['WGS84', 'GCJ02'])
  .default('WGS84')
  .describe('Coordinate system of the input or output');
export type Crs = z.infer<typeof CrsSchema>;

type Geometryish = { type: string; coordinates?: unknown; geometries?: unknown };

/** A converted deep copy; the input is left as it was. */
export function convertGeometry<T extends Geometryish>(geometry: T, from: Crs, to: Crs): T {
  if (from === to) return geometry;
  const copy = structuredClone(geometry);
  return gcoord.transform(copy, from, to);
}

export function convertPoint(lon: number, lat: number, from: Crs, to: Crs): [number, number] {
  if (from === to) return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], from, to);
  return [x, y];
}
