// Reads a planner's map file (zipped Shapefile, GeoPackage, KML/KMZ, MapInfo TAB,
// GeoJSON) into WGS-84 features with GDAL, in a temporary directory that is removed
// afterwards whatever happens. Everything wrong with the file becomes a 4xx naming it.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { AppError, BadRequest } from '../../platform/errors.js';
import { convertGeometry } from '../crs.js';
import type { AreaGeometry } from '../geojson.js';
import { parseOgrinfo, runGdal, type OgrLayer } from './ogr.js';
import { CRS_CHOICES, crsChoiceName, sourceCrs } from './source-crs.js';
import { isZip, readZip, type ZipLimits } from './zip-reader.js';

export interface ReadLimits extends ZipLimits {
  timeoutMs: number;
  maxFeatures: number;
}

export interface ReadOptions {
  /** The uploaded file's name: its extension says the format when the bytes do not. */
  filename?: string;
  layer?: string;
  /** A choice of CRS_CHOICES; overrules the file's own. */
  crs?: string;
}

export interface MapFeature {
  geometry: AreaGeometry;
  properties: Record<string, unknown>;
}

export interface MapFileReport {
  format: string;
  layer: string;
  layers: { name: string; geometry: string; features: number }[];
  features: number;
  crs: { id: string | null; name: string; from: 'file' | 'planner' };
  encoding: string | null;
  /** West, south, east, north in WGS-84. */
  extent: [number, number, number, number];
  attributes: { name: string; samples: unknown[] }[];
  warnings: string[];
}

const DATASET_EXTENSIONS = ['shp', 'gpkg', 'kml', 'tab', 'mif', 'geojson', 'json'] as const;
const FORMAT_NAMES: Record<string, string> = {
  shp: 'ESRI Shapefile',
  gpkg: 'GeoPackage',
  kml: 'KML',
  tab: 'MapInfo TAB',
  mif: 'MapInfo MIF',
  geojson: 'GeoJSON',
  json: 'GeoJSON',
};

interface Found {
  dataset: Dataset;
  layer: OgrLayer;
  /** The layer's name as the planner knows it. */
  shown: string;
}

interface Dataset {
  path: string;
  ext: string;
  /** The name in the upload, for messages. */
  shownAs: string;
  openOptions: string[];
  encoding: string | null;
}

export class MapFileReader {
  constructor(private readonly limits: ReadLimits) {}

  /** Runs `work` on a fresh temporary directory and removes it afterwards. */
  async inWorkspace<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'wangge-map-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async read(upload: Buffer, options: ReadOptions): Promise<{ features: MapFeature[]; report: MapFileReport }> {
    if (upload.length === 0) throw new BadRequest('The file is empty', undefined, 'empty_file');
    return this.inWorkspace(async (dir) => {
      const datasets = await this.unpack(upload, options.filename ?? '', dir);
      const found: Found[] = [];
      for (const dataset of datasets) {
        const text = await runGdal('ogrinfo', ['-ro', '-so', '-al', ...dataset.openOptions, dataset.path], {
          cwd: dir,
          timeoutMs: this.limits.timeoutMs,
        });
        // A zipped Shapefile's layer is shown by its name in the zip, not the safe name it was unpacked as.
        for (const layer of parseOgrinfo(text))
          found.push({
            dataset,
            layer,
            shown: dataset.ext === 'shp' ? posix.basename(dataset.shownAs).replace(/\.shp$/i, '') : layer.name,
          });
      }
      const chosen = this.chooseLayer(found, options.layer);
      const { dataset, layer, shown } = chosen;
      const warnings: string[] = [];
      if (/3D|Measured/.test(layer.geometry))
        warnings.push(
          `The geometry has ${/3D/.test(layer.geometry) ? 'Z' : 'M'} values (${layer.geometry}): they were dropped, only x and y are kept`,
        );
      if (layer.features > this.limits.maxFeatures) {
        throw new AppError(
          413,
          'too_many_features',
          `The layer ${shown} has ${layer.features} features; at most ${this.limits.maxFeatures} are imported at once`,
          { features: layer.features },
        );
      }
      const crs = this.crsOf(layer, options.crs);
      const out = join(dir, 'wgs84.geojson');
      await runGdal(
        'ogr2ogr',
        [
          '-f',
          'GeoJSON',
          out,
          dataset.path,
          layer.name,
          ...dataset.openOptions,
          ...(crs.srs ? ['-s_srs', crs.srs] : []),
          '-t_srs',
          'EPSG:4326',
          '-dim',
          'XY',
          '-lco',
          'RFC7946=YES',
          '-lco',
          'WRITE_NAME=NO',
        ],
        { cwd: dir, timeoutMs: this.limits.timeoutMs },
      );
      const collection = JSON.parse(await readFile(out, 'utf8')) as {
        features: {
          geometry: { type: string; coordinates: unknown } | null;
          properties: Record<string, unknown> | null;
        }[];
      };
      const features = this.polygonsOnly(collection.features, shown, crs.gcj02);
      return {
        features,
        report: {
          format: FORMAT_NAMES[dataset.ext] ?? dataset.ext,
          layer: shown,
          layers: found.map((f) => ({ name: f.shown, geometry: f.layer.geometry, features: f.layer.features })),
          features: features.length,
          crs: { id: crs.id, name: crs.name, from: crs.from },
          encoding: dataset.encoding,
          extent: extentOf(features),
          attributes: attributesOf(features),
          warnings,
        },
      };
    });
  }

  /** Reprojects a GeoJSON FeatureCollection that names its CRS to WGS-84; order and properties kept. */
  async reprojectGeoJson<T extends { features: { geometry: unknown }[] }>(collection: T, crsId: string): Promise<T> {
    return this.inWorkspace(async (dir) => {
      const src = join(dir, 'in.geojson');
      const out = join(dir, 'out.geojson');
      await writeFile(
        src,
        JSON.stringify({
          type: 'FeatureCollection',
          features: collection.features.map((f) => ({ type: 'Feature', properties: {}, geometry: f.geometry })),
        }),
      );
      await runGdal(
        'ogr2ogr',
        [
          '-f',
          'GeoJSON',
          out,
          src,
          '-s_srs',
          sourceCrs(crsId).srs,
          '-t_srs',
          'EPSG:4326',
          '-dim',
          'XY',
          '-lco',
          'RFC7946=YES',
        ],
        { cwd: dir, timeoutMs: this.limits.timeoutMs },
      );
      const done = JSON.parse(await readFile(out, 'utf8')) as { features: { geometry: unknown }[] };
      return {
        ...collection,
        crs: undefined,
        features: collection.features.map((f, i) => ({ ...f, geometry: done.features[i]?.geometry ?? null })),
      };
    });
  }

  // --- the file's parts ------------------------------------------------------

  private async unpack(upload: Buffer, filename: string, dir: string): Promise<Dataset[]> {
    const src = join(dir, 'src');
    await mkdir(src);
    const ext = posix.extname(filename).slice(1).toLowerCase();
    if (isZip(upload)) {
      const entries = readZip(upload, this.limits).filter((e) => !/(^|\/)(__MACOSX|\.)/.test(e.name));
      // Files keep their extension but get safe names; a shapefile's parts share a stem.
      const stems = new Map<string, string>();
      const files: { stem: string; ext: string; shownAs: string; path: string }[] = [];
      for (const e of entries) {
        const dot = e.name.lastIndexOf('.');
        const stemKey = (dot > 0 ? e.name.slice(0, dot) : e.name).toLowerCase();
        const fileExt = dot > 0 ? e.name.slice(dot + 1).toLowerCase() : '';
        if (!/^[a-z0-9]{1,8}$/.test(fileExt)) continue;
        if (!stems.has(stemKey)) stems.set(stemKey, `f${stems.size}`);
        const path = join(src, `${stems.get(stemKey)}.${fileExt}`);
        await writeFile(path, e.data);
        files.push({ stem: stems.get(stemKey)!, ext: fileExt, shownAs: e.name, path });
      }
      return this.datasetsIn(
        files,
        entries.map((e) => e.name),
      );
    }
    const sniffed = sniff(upload) ?? (DATASET_EXTENSIONS as readonly string[]).find((x) => x === ext);
    if (sniffed === 'shp' || ext === 'shp' || ext === 'dbf') {
      throw new BadRequest(
        'A Shapefile is several files (.shp, .shx, .dbf, .prj, .cpg): zip them together and send the zip',
        undefined,
        'shapefile_not_zipped',
      );
    }
    if (ext === 'tab' || sniffed === 'tab') {
      throw new BadRequest(
        'A MapInfo TAB is several files (.tab, .dat, .map, .id): zip them together and send the zip',
        undefined,
        'tab_not_zipped',
      );
    }
    if (!sniffed) {
      throw new AppError(
        415,
        'unknown_format',
        `Cannot tell what kind of file ${filename || 'this'} is: send a zipped Shapefile or MapInfo TAB, a GeoPackage, KML/KMZ or GeoJSON`,
      );
    }
    const path = join(src, `upload.${sniffed}`);
    await writeFile(path, upload);
    return [{ path, ext: sniffed, shownAs: filename || `upload.${sniffed}`, openOptions: [], encoding: null }];
  }

  private async datasetsIn(
    files: { stem: string; ext: string; shownAs: string; path: string }[],
    names: string[],
  ): Promise<Dataset[]> {
    const byStem = (stem: string, ext: string) => files.find((f) => f.stem === stem && f.ext === ext);
    const datasets: Dataset[] = [];
    for (const f of files) {
      if (f.ext === 'dbf' && !byStem(f.stem, 'shp') && files.some((g) => g.ext === 'prj' || g.ext === 'shx')) {
        throw new BadRequest(
          `The Shapefile ${f.shownAs.replace(/\.dbf$/i, '')} has no .shp (its shapes): zip the .shp with it`,
          { files: names },
          'shapefile_incomplete',
        );
      }
      if (!(DATASET_EXTENSIONS as readonly string[]).includes(f.ext)) continue;
      if (f.ext === 'shp') {
        if (!byStem(f.stem, 'dbf'))
          throw new BadRequest(
            `The Shapefile ${f.shownAs} has no .dbf (its attributes): zip the .dbf with it`,
            { files: names },
            'shapefile_incomplete',
          );
        datasets.push({
          path: f.path,
          ext: 'shp',
          shownAs: f.shownAs,
          ...(await shapefileEncoding(byStem(f.stem, 'dbf')!.path, byStem(f.stem, 'cpg')?.path)),
        });
      } else if (f.ext === 'tab') {
        const missing = ['dat', 'map'].filter((x) => !byStem(f.stem, x));
        if (missing.length)
          throw new BadRequest(
            `The MapInfo table ${f.shownAs} has no .${missing.join(' or .')}: zip them with it`,
            { files: names },
            'tab_incomplete',
          );
        datasets.push({ path: f.path, ext: 'tab', shownAs: f.shownAs, openOptions: [], encoding: null });
      } else {
        datasets.push({ path: f.path, ext: f.ext, shownAs: f.shownAs, openOptions: [], encoding: null });
      }
    }
    if (!datasets.length) {
      throw new BadRequest(
        `The zip holds no map file GDAL reads here (.shp, .gpkg, .kml, .tab, .mif, .geojson): it holds ${names.slice(0, 10).join(', ') || 'nothing'}`,
        { files: names },
        'no_map_file',
      );
    }
    return datasets;
  }

  private chooseLayer(found: Found[], wanted: string | undefined): Found {
    if (wanted) {
      const hit = found.find((f) => f.shown === wanted);
      if (!hit)
        throw new BadRequest(
          `The file has no layer ${wanted}: it has ${found.map((f) => f.shown).join(', ')}`,
          { layers: found.map((f) => f.shown) },
          'unknown_layer',
        );
      return hit;
    }
    const polygons = found.filter((f) => /Polygon|Unknown/.test(f.layer.geometry) && f.layer.features > 0);
    const pick = polygons[0] ?? found.find((f) => f.layer.features > 0);
    if (!pick)
      throw new AppError(422, 'no_features', 'The file holds no features', { layers: found.map((f) => f.shown) });
    return pick;
  }

  private crsOf(
    layer: OgrLayer,
    chosen: string | undefined,
  ): { id: string | null; name: string; srs: string | null; gcj02: boolean; from: 'file' | 'planner' } {
    if (chosen) return { id: chosen, name: crsChoiceName(chosen), ...sourceCrs(chosen), from: 'planner' };
    const ask = (why: string) =>
      new AppError(422, 'crs_required', `${why}: say which coordinate system it is in (crs=…)`, {
        extent: layer.extent,
        choices: CRS_CHOICES,
      });
    if (!layer.crs) throw ask(`The file does not say which coordinate system its coordinates are in (no .prj, no crs)`);
    const e = layer.extent;
    if (
      layer.crs.geographic &&
      e &&
      (Math.abs(e[0]) > 180 || Math.abs(e[2]) > 180 || Math.abs(e[1]) > 90 || Math.abs(e[3]) > 90)
    ) {
      throw ask(
        `The file says ${layer.crs.name} (degrees) but its coordinates reach ${e.map((n) => Math.round(n)).join(', ')}: they are not degrees`,
      );
    }
    const id = layer.crs.epsg ? `EPSG:${layer.crs.epsg}` : null;
    return { id, name: layer.crs.name, srs: null, gcj02: false, from: 'file' };
  }

  private polygonsOnly(
    raw: { geometry: { type: string; coordinates: unknown } | null; properties: Record<string, unknown> | null }[],
    layer: string,
    gcj02: boolean,
  ): MapFeature[] {
    const empty: number[] = [];
    const types = new Map<string, number[]>();
    raw.forEach((f, i) => {
      const g = f.geometry;
      if (!g || !Array.isArray(g.coordinates) || g.coordinates.length === 0) empty.push(i + 1);
      else if (g.type !== 'Polygon' && g.type !== 'MultiPolygon')
        types.set(g.type, [...(types.get(g.type) ?? []), i + 1]);
    });
    if (types.size) {
      const polygons = raw.length - empty.length - [...types.values()].reduce((n, l) => n + l.length, 0);
      const what = [...types.entries()]
        .map(([t, l]) => `${l.length} ${t} (feature ${l.slice(0, 5).join(', ')}${l.length > 5 ? ' …' : ''})`)
        .join(', ');
      throw new AppError(
        422,
        polygons ? 'mixed_geometry' : 'not_polygons',
        `Grids are polygons; the layer ${layer} has ${polygons ? `${polygons} polygons and ` : ''}${what}`,
        { layer, polygons, other: Object.fromEntries([...types.entries()].map(([t, l]) => [t, l.slice(0, 50)])) },
      );
    }
    if (empty.length) {
      throw new AppError(
        422,
        'empty_geometry',
        `${empty.length} feature(s) of ${layer} have no geometry (feature ${empty.slice(0, 10).join(', ')}${empty.length > 10 ? ' …' : ''}): delete them or draw them`,
        { features: empty.slice(0, 100) },
      );
    }
    if (!raw.length) throw new AppError(422, 'no_features', `The layer ${layer} holds no features`);
    return raw.map((f) => {
      const geometry = f.geometry as unknown as AreaGeometry;
      return {
        geometry: gcj02 ? convertGeometry(geometry, 'GCJ02', 'WGS84') : geometry,
        properties: f.properties ?? {},
      };
    });
  }
}

/** What kind of file the bytes are, when they say so. */
function sniff(b: Buffer): string | null {
  if (b.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'gpkg';
  if (b.length >= 4 && b.readUInt32BE(0) === 9994) return 'shp';
  const head = b
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('{')) return 'geojson';
  if (head.startsWith('<') && /<kml[\s>]/.test(b.subarray(0, 4096).toString('utf8'))) return 'kml';
  if (/^!table/i.test(head)) return 'tab';
  return null;
}

/**
 * A Shapefile's DBF encoding: its .cpg when there is one, else the DBF's language
 * byte, else a guess: valid UTF-8 is UTF-8, anything else is GBK (CP936), which is
 * what Chinese GIS software writes when it writes no .cpg.
 */
async function shapefileEncoding(
  dbfPath: string,
  cpgPath: string | undefined,
): Promise<{ openOptions: string[]; encoding: string }> {
  if (cpgPath) return { openOptions: [], encoding: `${(await readFile(cpgPath, 'latin1')).trim() || 'UTF-8'} (.cpg)` };
  const dbf = await readFile(dbfPath);
  if (dbf.length < 32) return { openOptions: [], encoding: 'unknown' };
  const ldid = dbf[29]!;
  if (ldid !== 0)
    return {
      openOptions: [],
      encoding: ldid === 0x4d ? 'CP936 (DBF language byte)' : `DBF language byte 0x${ldid.toString(16)}`,
    };
  const headerSize = dbf.readUInt16LE(8);
  const names: Buffer[] = [];
  for (let at = 32; at + 32 <= headerSize && dbf[at] !== 0x0d; at += 32) names.push(dbf.subarray(at, at + 11));
  try {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    utf8.decode(Buffer.concat([...names, dbf.subarray(headerSize)]));
    return { openOptions: ['-oo', 'ENCODING=UTF-8'], encoding: 'UTF-8 (no .cpg: guessed)' };
  } catch {
    return { openOptions: ['-oo', 'ENCODING=CP936'], encoding: 'CP936 / GBK (no .cpg: guessed)' };
  }
}

function extentOf(features: MapFeature[]): [number, number, number, number] {
  const e: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (typeof (c as number[])[0] === 'number') {
      const [x, y] = c as number[];
      e[0] = Math.min(e[0], x!);
      e[1] = Math.min(e[1], y!);
      e[2] = Math.max(e[2], x!);
      e[3] = Math.max(e[3], y!);
    } else for (const d of c as unknown[]) walk(d);
  };
  for (const f of features) walk(f.geometry.coordinates);
  return e.map((n) => Math.round(n * 1e7) / 1e7) as [number, number, number, number];
}

/** Every attribute name in first-seen order, with up to three distinct sample values. */
function attributesOf(features: MapFeature[]): { name: string; samples: unknown[] }[] {
  const seen = new Map<string, unknown[]>();
  for (const f of features) {
    for (const [k, v] of Object.entries(f.properties)) {
      const samples = seen.get(k) ?? [];
      if (!seen.has(k)) seen.set(k, samples);
      if (samples.length < 3 && v !== null && v !== '' && !samples.includes(v)) samples.push(v);
    }
  }
  return [...seen.entries()].map(([name, samples]) => ({ name, samples }));
}

/** The reader with the limits of the configuration. */
export function mapFileReader(config: { MAP_FILE_MAX_MB: number; MAP_FILE_TIMEOUT_S: number }): MapFileReader {
  const maxBytes = config.MAP_FILE_MAX_MB * 1_048_576;
  return new MapFileReader({
    timeoutMs: config.MAP_FILE_TIMEOUT_S * 1000,
    maxFeatures: 20_000,
    maxUncompressedBytes: 5 * maxBytes,
    maxRatio: 100,
    maxEntries: 1000,
  });
}
