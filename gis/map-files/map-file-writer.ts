// Writes grids as a planner's GIS opens them: a zipped Shapefile (GBK DBF with its .cpg,
// so Chinese attribute names fit the DBF's 10 bytes), a GeoPackage or KML, in WGS-84 or
// CGCS2000, with code, name, kind, village_code and every attribute the grids came with.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BadRequest } from '../../platform/errors.js';
import type { MapFileReader } from './map-file-reader.js';
import { runGdal } from './ogr.js';
import type { ExportGrid } from './map-files.repository.js';

export const ExportQuery = z.strictObject({
  format: z.enum(['shp', 'gpkg', 'kml']).describe('shp: zipped Shapefile; gpkg: GeoPackage; kml: KML'),
  crs: z.enum(['WGS84', 'CGCS2000']).default('WGS84').describe('Coordinate system of the file (KML is always WGS-84)'),
});
export type ExportFormat = z.infer<typeof ExportQuery>['format'];

export interface WrittenFile {
  body: Buffer;
  filename: string;
  contentType: string;
}

const STANDARD = ['code', 'name', 'kind', 'village_code'];

export async function writeGrids(
  reader: MapFileReader,
  grids: ExportGrid[],
  basename: string,
  format: ExportFormat,
  crs: 'WGS84' | 'CGCS2000',
  timeoutMs: number,
): Promise<WrittenFile> {
  if (format === 'kml' && crs !== 'WGS84')
    throw new BadRequest(
      'KML is always in WGS-84: ask for crs=WGS84, or another format',
      { field: 'crs' },
      'kml_is_wgs84',
    );
  return reader.inWorkspace(async (dir) => {
    const src = join(dir, 'grids.geojson');
    await writeFile(
      src,
      JSON.stringify({
        type: 'FeatureCollection',
        features: grids.map((g) => {
          const extra = Object.fromEntries(Object.entries(g.attributes ?? {}).filter(([k]) => !STANDARD.includes(k)));
          return {
            type: 'Feature',
            properties: { code: g.code, name: g.name, kind: g.kind, village_code: g.village_code, ...extra },
            geometry: g.geometry,
          };
        }),
      }),
    );
    const target = crs === 'CGCS2000' ? 'EPSG:4490' : 'EPSG:4326';
    const common = [src, '-nln', 'grids', '-nlt', 'MULTIPOLYGON', '-s_srs', 'EPSG:4326', '-t_srs', target];
    const files: Record<ExportFormat, { out: string; args: string[]; ext: string; type: string }> = {
      shp: {
        out: 'grids.shp.zip',
        args: ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=CP936'],
        ext: 'zip',
        type: 'application/zip',
      },
      gpkg: { out: 'grids.gpkg', args: ['-f', 'GPKG'], ext: 'gpkg', type: 'application/geopackage+sqlite3' },
      kml: {
        out: 'grids.kml',
        args: ['-f', 'KML', '-dsco', 'NameField=name'],
        ext: 'kml',
        type: 'application/vnd.google-earth.kml+xml',
      },
    };
    const f = files[format];
    const out = join(dir, f.out);
    await runGdal('ogr2ogr', [...f.args, out, ...common], { cwd: dir, timeoutMs });
    return { body: await readFile(out), filename: `${basename}-${crs}.${f.ext}`, contentType: f.type };
  });
}
