// Map files: a preview and an import into a draft (the body is the file itself), the
// coordinate systems a file may be in, and exports of a draft or a town's grids.
import type { Request } from 'express';
import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { readRawBody } from '../../platform/http/raw-body.js';
import { CodeParams, IdParams, QueryBool } from '../gis.schemas.js';
import { MappingQuery } from './field-mapping.js';
import { ExportQuery, type WrittenFile } from './map-file-writer.js';
import type { MapFilesService } from './map-files.service.js';
import { CRS_CHOICES, SourceCrsParam } from './source-crs.js';

import { EVERYONE } from '../../platform/auth/roles.js';

const PLANNERS = ['planner'] as const;

const FileQuery = z.strictObject({
  filename: z
    .string()
    .max(255)
    .optional()
    .describe('The file name: its extension tells the format when the content does not'),
  layer: z.string().max(255).optional().describe('Which layer to read (default: the first with polygons)'),
  crs: SourceCrsParam,
  ...MappingQuery,
});
const ImportQuery = FileQuery.extend({
  allowInvalid: QueryBool.describe('Keep invalid polygons in the draft (validation reports them) instead of refusing'),
});

const FILE_BODY =
  'The body is the file: a zipped Shapefile or MapInfo TAB, a GeoPackage, KML, KMZ or GeoJSON, up to MAP_FILE_MAX_MB ' +
  '(send it as application/octet-stream: a JSON content type is parsed first and bound by BODY_LIMIT).';
const RAW_FILE = {
  description: FILE_BODY,
  contentTypes: [
    'application/octet-stream',
    'application/zip',
    'application/geopackage+sqlite3',
    'application/vnd.google-earth.kml+xml',
    'application/vnd.google-earth.kmz',
    'application/geo+json',
  ],
};

/** The upload's bytes; a GeoJSON sent as application/json was parsed already and is written back. */
async function upload(req: Request, maxBytes: number): Promise<Buffer> {
  if (req.body !== undefined && req.readableEnded) return Buffer.from(JSON.stringify(req.body));
  return readRawBody(req, maxBytes);
}

function sendFile(res: import('express').Response, file: WrittenFile): void {
  res
    .status(200)
    .set('content-type', file.contentType)
    .set('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.body);
}

export function mapFileRoutes(mapFiles: MapFilesService, maxMb: number): AnyRoute[] {
  const maxBytes = Math.round(maxMb * 1_048_576);
  const options = (q: z.infer<typeof FileQuery>) => ({ filename: q.filename, layer: q.layer, crs: q.crs });
  const fields = (q: z.infer<typeof FileQuery>) => ({
    codeField: q.codeField,
    nameField: q.nameField,
    villageField: q.villageField,
    kindField: q.kindField,
  });
  return [
    route({
      method: 'get',
      path: '/api/map-files/crs',
      summary: 'The coordinate systems a map file may be in (for crs=…)',
      tag: 'plans',
      access: EVERYONE,
      handler: () => CRS_CHOICES,
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/map-file/preview',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      bodyLimit: 'large',
      query: FileQuery,
      rawBody: RAW_FILE,
      summary: `Read a map file without changing anything: features, CRS, extent, attributes with samples, the guessed mapping. ${FILE_BODY}`,
      handler: async ({ auth, params, query, req }) =>
        mapFiles.preview(auth, params.id, await upload(req, maxBytes), options(query), fields(query)),
    }),
    route({
      method: 'post',
      path: '/api/plans/:id/map-file',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      bodyLimit: 'large',
      query: ImportQuery,
      rawBody: RAW_FILE,
      summary: `Replace the draft's grids with a map file's, reprojected to WGS-84, then validate. ${FILE_BODY}`,
      handler: async ({ auth, params, query, req }) =>
        mapFiles.import(
          auth,
          params.id,
          await upload(req, maxBytes),
          options(query),
          fields(query),
          query.allowInvalid,
        ),
    }),
    route({
      method: 'get',
      path: '/api/plans/:id/export',
      tag: 'plans',
      access: PLANNERS,
      params: IdParams,
      query: ExportQuery,
      summary: "The plan's grids as a zipped Shapefile, GeoPackage or KML",
      responses: { 200: { description: 'The file', contentType: 'application/octet-stream' } },
      handler: async ({ auth, params, query, res }) =>
        sendFile(res, await mapFiles.exportPlan(auth, params.id, query.format, query.crs)),
    }),
    route({
      method: 'get',
      path: '/api/towns/:code/grids/export',
      tag: 'areas',
      access: EVERYONE,
      params: CodeParams,
      query: ExportQuery,
      summary: "A town's published grids as a zipped Shapefile, GeoPackage or KML",
      responses: { 200: { description: 'The file', contentType: 'application/octet-stream' } },
      handler: async ({ auth, params, query, res }) =>
        sendFile(res, await mapFiles.exportTown(auth, params.code, query.format, query.crs)),
    }),
  ];
}
