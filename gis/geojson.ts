// GeoJSON input schemas. Structure and ranges are checked here, each problem with
// its path (features[3].geometry.coordinates[0][5]); topology (self-intersections,
// overlaps) is PostGIS's job later.
import { z } from 'zod';

export type Position = [number, number];
export type Ring = Position[];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Ring[];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Ring[][];
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;
export interface PointGeometry {
  type: 'Point';
  coordinates: Position;
}
export interface LineStringGeometry {
  type: 'LineString';
  coordinates: Position[];
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** [lon, lat]; a third number (altitude) is accepted and dropped. */
export const PositionSchema = z
  .array(finite)
  .min(2, 'a position needs [longitude, latitude]')
  .max(3, 'a position has at most 3 numbers')
  .superRefine((p, ctx) => {
    const [lon = 0, lat = 0] = p;
    if (lon < -180 || lon > 180)
      ctx.addIssue({ code: 'custom', message: `longitude ${lon} is outside -180..180`, path: [0] });
    if (lat < -90 || lat > 90)
      ctx.addIssue({ code: 'custom', message: `latitude ${lat} is outside -90..90`, path: [1] });
  })
  .transform((p): Position => [p[0]!, p[1]!]);

export const RingSchema = z
  .array(PositionSchema)
  .min(4, 'a linear ring needs at least 4 positions')
  .superRefine((ring, ctx) => {
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (first && last && (first[0] !== last[0] || first[1] !== last[1])) {
      ctx.addIssue({
        code: 'custom',
        message: 'the ring is not closed: its last position must repeat the first',
        path: [ring.length - 1],
      });
    }
  });

export const PolygonSchema = z.strictObject({
  type: z.literal('Polygon'),
  coordinates: z.array(RingSchema).min(1, 'a polygon needs an outer ring'),
  bbox: z.array(z.number()).optional(),
});

export const MultiPolygonSchema = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z
    .array(z.array(RingSchema).min(1, 'a polygon needs an outer ring'))
    .min(1, 'a multipolygon needs a polygon'),
  bbox: z.array(z.number()).optional(),
});

export const AreaGeometrySchema = z.discriminatedUnion('type', [PolygonSchema, MultiPolygonSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'the geometry must be a Polygon or a MultiPolygon' : undefined),
});

export const PointSchema = z.strictObject({ type: z.literal('Point'), coordinates: PositionSchema });
export const LineStringSchema = z.strictObject({
  type: z.literal('LineString'),
  coordinates: z.array(PositionSchema).min(2, 'a line needs at least 2 positions'),
});

export function featureSchema<P extends z.ZodType, G extends z.ZodType>(properties: P, geometry: G) {
  return z.strictObject({
    type: z.literal('Feature'),
    id: z.union([z.string(), z.number()]).optional(),
    properties,
    geometry,
    bbox: z.array(z.number()).optional(),
  });
}

export function featureCollectionSchema<F extends z.ZodType>(feature: F, max = 50_000) {
  return z.strictObject({
    type: z.literal('FeatureCollection'),
    features: z.array(feature).max(max, `at most ${max} features in one request`),
    bbox: z.array(z.number()).optional(),
    name: z.string().optional(),
    crs: z.unknown().optional(),
  });
}

export interface Feature<G, P> {
  type: 'Feature';
  id?: string | number;
  properties: P;
  geometry: G;
}
export interface FeatureCollection<G, P> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}
