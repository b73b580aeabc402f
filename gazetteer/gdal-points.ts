// Landmark files in any point format GDAL reads (zipped Shapefile, GeoPackage, KML/KMZ,
// GeoJSON in another CRS …): Debian's ogr2ogr turns the file into GeoJSON in WGS-84,
// and the rows then take the same path as a GeoJSON upload. Only GDAL reads the file;
// it runs with a deadline on a copy in a private temporary directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, BadRequest } from '../platform/errors.js';

/** File name endings GDAL is given the file under (its drivers go by them). */
export const GDAL_EXTENSIONS = [
  'zip',
  'shp',
  'gpkg',
  'kml',
  'kmz',
  'geojson',
  'json',
  'gml',
  'tab',
  'mif',
  'sqlite',
  'fgb',
] as const;
export type GdalExtension = (typeof GDAL_EXTENSIONS)[number];

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 200 * 1024 * 1024;

export interface GdalOptions {
  /** The file's CRS when it does not carry one (e.g. EPSG:4490, EPSG:4549). */
  sourceCrs?: string;
  /** The DBF encoding of a Shapefile without a .cpg (e.g. GBK). */
  encoding?: string;
}

export async function gdalToGeoJson(bytes: Buffer, ext: GdalExtension, options: GdalOptions = {}): Promise<object> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wg-gazetteer-'));
  try {
    const file = path.join(dir, `upload.${ext}`);
    await writeFile(file, bytes);
    const source = ext === 'zip' ? `/vsizip/${file}` : file;
    const args = ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', '-dim', 'XY', '-lco', 'RFC7946=YES'];
    if (options.sourceCrs) args.push('-s_srs', options.sourceCrs);
    if (options.encoding) args.push('--config', 'SHAPE_ENCODING', options.encoding);
    args.push('/vsistdout/', source);
    const out = await run(args);
    try {
      return JSON.parse(out) as object;
    } catch {
      throw new BadRequest('GDAL read the file but gave no GeoJSON back', { ext }, 'bad_file');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ogr2ogr',
      args,
      { timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new AppError(
              415,
              'unsupported_media_type',
              'This server has no GDAL (Debian gdal-bin) to read this file: send CSV or GeoJSON',
            ),
          );
        }
        const said = stderr
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        const noCrs = said.some((l) => /no coordinate system|source layer has no|Can't transform/i.test(l));
        reject(
          noCrs
            ? new BadRequest(
                'The file says nothing of its coordinate system: send crs (e.g. EPSG:4490 for CGCS2000, EPSG:4549 for its 3-degree zone at 120°E)',
                { gdal: said.slice(0, 3) },
                'no_crs',
              )
            : new BadRequest(
                `GDAL cannot read the file: ${said[0] ?? (err.killed ? 'it took too long' : 'unknown error')}`,
                { gdal: said.slice(0, 3) },
                'bad_file',
              ),
        );
      },
    );
  });
}
