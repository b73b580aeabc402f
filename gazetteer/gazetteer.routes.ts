// The gazetteer's API: admins import a town's landmarks (CSV or GeoJSON points), anyone
// in the town lists them, and the command room tries an address before a call comes.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { readRawBody } from '../platform/http/raw-body.js';
import { EVERYONE } from '../platform/auth/roles.js';
import { BadRequest } from '../platform/errors.js';
import type { GazetteerService } from './gazetteer.service.js';
import { LANDMARK_KINDS } from './landmark-csv.js';
import { GDAL_EXTENSIONS, type GdalExtension } from './gdal-points.js';

/** GIS files by their media type, when no format is given. */
const GDAL_TYPES: Record<string, GdalExtension> = {
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/geopackage+sqlite3': 'gpkg',
  'application/vnd.google-earth.kml+xml': 'kml',
  'application/vnd.google-earth.kmz': 'kmz',
};

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const TownParams = z.strictObject({ code: z.string().min(1).max(40) });

export function gazetteerRoutes(gazetteer: GazetteerService): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/gazetteer/towns/:code/landmarks',
      tag: 'gazetteer',
      access: ['admin'],
      params: TownParams,
      bodyLimit: 'large', // a GeoJSON FeatureCollection of a town's door plates
      query: z.strictObject({
        mode: z.enum(['replace', 'append']).default('replace'),
        format: z
          .enum(GDAL_EXTENSIONS)
          .optional()
          .describe('a GIS point file read by GDAL: zip (zipped Shapefile), gpkg, kml, kmz, geojson …'),
        crs: z
          .string()
          .regex(/^EPSG:\d{4,6}$/i, 'an EPSG code such as EPSG:4490')
          .optional()
          .describe("the file's CRS when it carries none"),
        encoding: z
          .string()
          .regex(/^[\w-]{2,20}$/, 'an encoding name such as GBK')
          .optional()
          .describe('DBF encoding of a Shapefile without .cpg'),
      }),
      summary:
        "Import a town's landmarks (schools, markets, committees, door plates): a CSV file (text/csv: name, kind, lon, lat, aliases, village; UTF-8 or GBK), a GeoJSON FeatureCollection of Points, or a point file GDAL reads (format=zip|gpkg|kml|…, or its media type; reprojected to WGS-84, attributes name/名称, kind/类型, aliases/别名, village/村社区, others ignored). Every row is checked first; one bad row refuses the file (400 unreadable rows, 422 rows that do not fit the town), naming each. replace: the town's landmarks become the file's; append: added, same kind and name replaced",
      handler: async ({ auth, params, query, req }) => {
        const type = (req.headers['content-type'] ?? '').toLowerCase().split(';')[0]!.trim();
        const gdal = query.format ?? GDAL_TYPES[type];
        if (gdal) {
          // A GeoJSON file sent as JSON was parsed already: GDAL gets it back as text.
          const bytes =
            /json/.test(type) && typeof req.body === 'object' && req.body !== null
              ? Buffer.from(JSON.stringify(req.body))
              : await readRawBody(req, MAX_FILE_BYTES);
          return gazetteer.importLandmarks(auth, params.code, bytes, query.mode, {
            ext: gdal,
            sourceCrs: query.crs,
            encoding: query.encoding,
          });
        }
        let body: Buffer | object;
        if (/json/.test(type)) {
          if (typeof req.body !== 'object' || req.body === null)
            throw new BadRequest('Send a GeoJSON FeatureCollection', { field: 'body' }, 'bad_file');
          body = req.body as object;
        } else if (
          /text\/csv|text\/plain|application\/octet-stream|application\/vnd\.ms-excel/.test(type) ||
          type === ''
        ) {
          body = await readRawBody(req, MAX_FILE_BYTES);
        } else
          throw new BadRequest(`Send text/csv or application/geo+json, not ${type}`, { contentType: type }, 'bad_file');
        return gazetteer.importLandmarks(auth, params.code, body, query.mode);
      },
    }),
    route({
      method: 'get',
      path: '/api/gazetteer/towns/:code/landmarks',
      tag: 'gazetteer',
      access: EVERYONE,
      params: TownParams,
      query: z.strictObject({
        kind: z.enum(LANDMARK_KINDS).optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(500),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      summary: "A town's landmarks, by kind and name",
      handler: ({ auth, params, query }) =>
        gazetteer.landmarks(auth, params.code, query.kind, query.limit, query.offset),
    }),
    route({
      method: 'get',
      path: '/api/gazetteer/locate',
      tag: 'gazetteer',
      access: EVERYONE,
      query: z.strictObject({ address: z.string().trim().min(1, 'say the address').max(200) }),
      summary:
        'Where an address is, as a hotline call would be placed: a point and its grid with how it was found, or 待定位 with why and where to start looking',
      handler: ({ auth, query }) => gazetteer.locate(query.address, auth.townFilter),
    }),
  ];
}
