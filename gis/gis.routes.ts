import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { NotFound } from '../platform/errors.js';
import { parseInput } from '../platform/http/zod-errors.js';
import type { MapFilesService } from './map-files/map-files.service.js';
import { geojsonCrsMember } from './map-files/source-crs.js';
import { CrsSchema } from './crs.js';
import { EVERYONE } from '../platform/auth/roles.js';
import type { AreasService } from './areas.service.js';
import type { GridLookupService } from './grid-lookup.service.js';
import type { PlansService, GridDraftInput } from './plans.service.js';
import type { TilesService } from './tiles.service.js';
import {
  AreaCollection,
  AreaLevelSchema,
  AtQuery,
  BatchLookupBody,
  CodeParams,
  EditQuery,
  GridChange,
  GridCollection,
  GridCollectionAnyCrs,
  GridFeature,
  IdParams,
  LookupQuery,
  MergeBody,
  PlanGridParams,
  SplitBody,
  TileParams,
} from './gis.schemas.js';
import { convertGeometry, type Crs } from './crs.js';
import type { AreaGeometry } from './geojson.js';

const PLANNERS = ['planner'] as const;

type GridFeatureInput = z.infer<typeof GridFeature>;
const toDraft = (f: GridFeatureInput, crs: Crs): GridDraftInput => {
  // An edited export of a draft carries its attributes nested, and grid_id / valid, which are not the file's.
  const { code, name, kind, village_code, attributes, grid_id: _id, valid: _valid, ...extra } = f.properties;
  const nested =
    attributes && typeof attributes === 'object' && !Array.isArray(attributes)
      ? attributes
      : attributes === undefined
        ? {}
        : { attributes };
  return {
    code,
    name,
    kind,
    villageCode: village_code,
    geometry: convertGeometry(f.geometry as AreaGeometry, crs, 'WGS84'),
    attributes: { ...nested, ...extra },
  };
};

export interface GisRouteServices {
  areas: AreasService;
  plans: PlansService;
  lookup: GridLookupService;
  tiles: TilesService;
  mapFiles: MapFilesService;
}

export function gisRoutes({ areas, plans, lookup, tiles, mapFiles }: GisRouteServices): AnyRoute[] {
  return [
    // Areas -------------------------------------------------------------------
    route({
      method: 'get',
      path: '/api/areas',
      summary: 'List areas (city, district, town, village)',
      tag: 'areas',
      access: EVERYONE,
      query: z.strictObject({ level: AreaLevelSchema.optional(), parent: z.string().optional() }),
      handler: ({ auth, query }) => areas.list(auth, query.level, query.parent),
    }),
    route({
      method: 'get',
      path: '/api/areas/:code',
      summary: 'One area',
      tag: 'areas',
      access: EVERYONE,
      params: CodeParams,
      handler: ({ auth, params }) => areas.get(auth, params.code),
    }),
    route({
      method: 'post',
      path: '/api/areas/import',
      summary: 'Load or update a tree of areas from GeoJSON',
      tag: 'areas',
      access: ['admin'],
      query: z.strictObject({ crs: CrsSchema }),
      body: AreaCollection,
      bodyLimit: 'large', // a district's boundaries as GeoJSON
      handler: ({ auth, query, body }) =>
        areas.import(
          body.features.map((f) => ({
            code: f.properties.code,
            name: f.properties.name,
            level: f.properties.level,
            parentCode: f.properties.parent_code,
            synthetic: f.properties.synthetic,
            geometry: convertGeometry(f.geometry as AreaGeometry, query.crs, 'WGS84'),
          })),
          auth,
        ),
    }),
    route({
      method: 'get',
      path: '/api/towns/:code/map.geojson',
      summary: "A town's areas and grids (now or at a time) as GeoJSON",
      tag: 'areas',
      access: EVERYONE,
      params: CodeParams,
      query: z.strictObject({ at: AtQuery, crs: CrsSchema }),
      handler: ({ auth, params, query }) => areas.exportTown(auth, params.code, query.at ?? null, query.crs),
    }),

    // Point → grid ----------------------------------------------------------------
    route({
      method: 'get',
      path: '/api/grids/at',
      summary: 'The grid covering a point, now or at a time',
      tag: 'grids',
      access: EVERYONE,
      query: LookupQuery,
      handler: async ({ query }) => {
        const point = [{ lon: query.lon, lat: query.lat, at: query.at }];
        const [grid] =
          query.source === 'postgis'
            ? await lookup.lookupInDatabase(point, query.crs)
            : lookup.lookup(point, query.crs);
        if (!grid)
          throw new NotFound(`A grid at ${query.lon}, ${query.lat}`, { hint: 'the point is outside every town' });
        return grid;
      },
    }),
    route({
      method: 'post',
      path: '/api/grids/lookup',
      summary: 'The grids covering many points (null where none)',
      tag: 'grids',
      access: EVERYONE,
      body: BatchLookupBody,
      bodyLimit: '1mb', // up to 10,000 points
      handler: async ({ body }) => {
        const points = body.points.map((p) => ({
          lon: p.lon,
          lat: p.lat,
          at: new Date(p.at ?? body.at ?? Date.now()),
        }));
        const grids =
          body.source === 'postgis' ? await lookup.lookupInDatabase(points, body.crs) : lookup.lookup(points, body.crs);
        return { grids };
      },
    }),

    // Plans ---------------------------------------------------------------------
    route({
      method: 'get',
      path: '/api/plans',
      summary: 'Grid plans',
      tag: 'plans',
      access: PLANNERS,
      query: z.strictObject({ status: z.enum(['draft', 'published', 'discarded']).optional() }),
      handler: ({ auth, query }) => plans.list(auth, query.status ?? null),
    }),
    route({
      method: 'post',
      path: '/api/plans',
      summary: 'Start a draft plan for a town or district from its published grids',
      tag: 'plans',
      access: PLANNERS,
      status: 201,
      body: z.strictObject({ scopeCode: z.string().min(1).max(40), title: z.string().min(1).max(200) }),
      handler: ({ auth, body }) => plans.create(auth, body.scopeCode, body.title),
    }),
    route({
      method: 'get',
      path: '/api/plans/:id',
      summary: 'One plan',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      handler: ({ auth, params }) => plans.get(auth, params.id),
    }),
    route({
      method: 'delete',
      path: '/api/plans/:id',
      summary: 'Discard a draft',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      status: 204,
      handler: ({ auth, params }) => plans.discard(auth, params.id),
    }),
    route({
      method: 'get',
      path: '/api/plans/:id/grids',
      summary: "The draft's grids as GeoJSON",
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      handler: ({ auth, params }) => plans.gridsGeoJson(auth, params.id),
    }),
    route({
      method: 'put',
      path: '/api/plans/:id/grids',
      summary: "Replace the draft's grids with a FeatureCollection",
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      query: EditQuery,
      body: GridCollectionAnyCrs,
      bodyLimit: 'large', // every grid of a town or district
      handler: async ({ auth, params, query, body }) => {
        // A `crs` member naming another system (a QGIS export in a Gauss-Krüger zone) is honoured.
        const crsId = geojsonCrsMember(body.crs);
        const wgs84 = parseInput(GridCollection, crsId ? await mapFiles.reprojectGeoJson(body, crsId) : body, 'body');
        return plans.importGrids(
          auth,
          params.id,
          wgs84.features.map((f) => toDraft(f, crsId ? 'WGS84' : query.crs)),
          query.allowInvalid,
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/grids',
      summary: 'Add one grid to the draft',
      tag: 'plans',
      access: PLANNERS,
      status: 201,
      params: IdParams,
      query: EditQuery,
      body: GridFeature,
      bodyLimit: '2mb', // one detailed polygon
      handler: ({ auth, params, query, body }) =>
        plans.addGrid(auth, params.id, toDraft(body, query.crs), query.allowInvalid),
    }),
    route({
      method: 'patch',
      path: '/api/plans/:id/grids/:code',
      summary: 'Reshape, rename or move a grid in the draft',
      tag: 'plans',
      access: PLANNERS,
      params: PlanGridParams,
      query: EditQuery,
      body: GridChange,
      bodyLimit: '2mb',
      handler: ({ auth, params, query, body }) =>
        plans.changeGrid(
          auth,
          params.id,
          params.code,
          {
            code: body.code,
            name: body.name,
            kind: body.kind,
            villageCode: body.village_code,
            geometry: body.geometry && convertGeometry(body.geometry as AreaGeometry, query.crs, 'WGS84'),
          },
          query.allowInvalid,
        ),
    }),
    route({
      method: 'delete',
      path: '/api/plans/:id/grids/:code',
      summary: 'Delete a grid from the draft',
      tag: 'plans',
      access: PLANNERS,
      params: PlanGridParams,
      handler: ({ auth, params }) => plans.deleteGrid(auth, params.id, params.code),
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/grids/:code/split',
      summary: 'Cut a grid in pieces along a line',
      tag: 'plans',
      access: PLANNERS,
      params: PlanGridParams,
      query: z.strictObject({ crs: CrsSchema }),
      body: SplitBody,
      handler: ({ auth, params, query, body }) =>
        plans.splitGrid(auth, params.id, params.code, {
          line: convertGeometry(body.line, query.crs, 'WGS84'),
          parts: body.parts,
        }),
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/merge',
      summary: 'Merge touching grids into one',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      body: MergeBody,
      handler: ({ auth, params, body }) =>
        plans.mergeGrids(auth, params.id, {
          codes: body.codes,
          into: { ...body.into, villageCode: body.into.village_code },
        }),
    }),
    route({
      method: 'get',
      path: '/api/plans/:id/diff',
      summary: 'What the draft changes against the published grids',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      handler: ({ auth, params }) => plans.diff(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/validate',
      summary: 'Check the draft: invalid polygons, overlaps, gaps, spill-over',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      handler: ({ auth, params }) => plans.validate(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/publish',
      summary: 'Publish the draft: one instant ends the old versions and begins the new',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      handler: ({ auth, params }) => plans.publish(auth, params.id),
    }),

    // Vector tiles ------------------------------------------------------------------
    route({
      method: 'get',
      path: '/tiles/grids/:z/:x/:y.mvt',
      summary: 'Mapbox vector tile of towns, villages and grids',
      tag: 'tiles',
      access: EVERYONE,
      params: TileParams,
      responses: { 200: { description: 'A vector tile', contentType: 'application/vnd.mapbox-vector-tile' } },
      handler: async ({ params, req, res }) => {
        const tile = await tiles.tile(params.z, params.x, params.y);
        res.setHeader('ETag', tile.etag);
        // Revalidate every time: a publish must show at once, and a 304 costs little.
        res.setHeader('Cache-Control', 'private, no-cache');
        if (req.headers['if-none-match'] === tile.etag) return void res.status(304).end();
        res.status(200).type('application/vnd.mapbox-vector-tile').send(tile.body);
      },
    }),
  ];
}
