import { z } from 'zod';
import { CrsSchema } from './crs.js';
import { answer } from '../platform/http/answer.js';
import type { Area } from './areas.repository.js';
import { AreaGeometrySchema, featureCollectionSchema, featureSchema, LineStringSchema } from './geojson.js';

export const Code = z.string().regex(/^[0-9A-Za-z_-]{1,40}$/, '1–40 letters, digits, _ or -');
export const GridKindSchema = z.enum(['residential', 'dedicated']);
export const AreaLevelSchema = z.enum(['city', 'district', 'town', 'village']);

export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .default(false);

export const AtQuery = z.coerce
  .date({ error: 'must be a time such as 2026-01-31T08:00:00+08:00' })
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid time')
  .optional()
  .describe('A past time: the answer as it was then');

export const IdParams = z.strictObject({ id: z.coerce.number().int().positive() });
export const PlanGridParams = z.strictObject({ id: z.coerce.number().int().positive(), code: Code });
export const CodeParams = z.strictObject({ code: Code });

// Other properties (OBJECTID, Shape_Area, 所属街道 …) are kept with the grid as its attributes.
export const GridProperties = z.looseObject({
  code: Code,
  name: z.string().min(1).max(100),
  kind: GridKindSchema.default('residential'),
  village_code: Code,
});

export const GridFeature = featureSchema(GridProperties, AreaGeometrySchema);
export const GridCollection = featureCollectionSchema(GridFeature, 20_000);
/**
 * A collection whose `crs` member may name a projected system: coordinates are checked
 * (as GridCollection) after they are reprojected to WGS-84.
 */
export const GridCollectionAnyCrs = featureCollectionSchema(featureSchema(GridProperties, z.unknown()), 20_000);

export const AreaProperties = z.strictObject({
  code: Code,
  name: z.string().min(1).max(100),
  level: AreaLevelSchema,
  parent_code: Code.nullable().default(null),
  synthetic: z.boolean().default(false),
});
export const AreaCollection = featureCollectionSchema(featureSchema(AreaProperties, AreaGeometrySchema), 5_000);

export const EditQuery = z.strictObject({
  crs: CrsSchema,
  allowInvalid: QueryBool.describe('Keep invalid polygons in the draft (validation reports them) instead of refusing'),
});

export const GridChange = z
  .strictObject({
    code: Code.optional(),
    name: z.string().min(1).max(100).optional(),
    kind: GridKindSchema.optional(),
    village_code: Code.optional(),
    geometry: AreaGeometrySchema.optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'say what to change: code, name, kind, village_code or geometry');

export const SplitBody = z.strictObject({
  line: LineStringSchema,
  parts: z
    .array(z.strictObject({ code: Code, name: z.string().min(1).max(100), kind: GridKindSchema.optional() }))
    .min(2, 'name at least two parts, largest first'),
});

export const MergeBody = z.strictObject({
  codes: z.array(Code).min(2, 'merge at least two grids'),
  into: z.strictObject({
    code: Code,
    name: z.string().min(1).max(100),
    kind: GridKindSchema.optional(),
    village_code: Code.optional(),
  }),
});

const Lon = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);

export const LookupQuery = z.strictObject({
  lon: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
  at: AtQuery,
  crs: CrsSchema,
  source: z.enum(['index', 'postgis']).default('index'),
});

export const BatchLookupBody = z.strictObject({
  crs: CrsSchema,
  source: z.enum(['index', 'postgis']).default('index'),
  at: z.iso.datetime({ offset: true }).optional(),
  points: z
    .array(z.strictObject({ lon: Lon, lat: Lat, at: z.iso.datetime({ offset: true }).optional() }))
    .min(1)
    .max(10_000, 'at most 10,000 points a request'),
});

export const TileParams = z.strictObject({
  z: z.coerce.number().int().min(0).max(22),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});

export const AreaAnswer = answer<Area>()(
  z
    .object({
      id: z.number().int(),
      code: z.string(),
      name: z.string(),
      level: AreaLevelSchema,
      parentId: z.number().int().nullable(),
      townId: z.number().int().nullable(),
      synthetic: z.boolean(),
    })
    .meta({ id: 'Area' }),
);
