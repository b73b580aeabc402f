// Map files for the import tests, made at test time with the real ogr2ogr from small
// GeoJSON: the tiny town's nine grids with the attributes a planning office's file has
// (网格编码, 网格名称, 所属村社, OBJECTID, Shape_Area), in any format and CRS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { tinyTownGrids } from './tiny-town.js';

/**
 * The tiny town's grids as a planning office names their attributes (WGS-84): in
 * Chinese, or in pinyin initials (WGBM 网格编码, WGMC 网格名称, SSCS 所属村社), as files
 * whose format limits names to ASCII or 10 bytes have them.
 */
export function plannersGeoJson(names: 'chinese' | 'pinyin' = 'chinese') {
  const grids = tinyTownGrids();
  const [code, name, village] = names === 'chinese' ? ['网格编码', '网格名称', '所属村社'] : ['WGBM', 'WGMC', 'SSCS'];
  return {
    type: 'FeatureCollection',
    features: grids.features.map((f, i) => ({
      type: 'Feature',
      properties: {
        [code]: `3308${f.properties.code}`,
        [name]: f.properties.name,
        [village]: f.properties.village_code.endsWith('201') ? '西村' : '东村',
        OBJECTID: i + 1,
        Shape_Area: 1_000_000 + i,
      } as Record<string, string | number>,
      geometry: f.geometry,
    })),
  };
}

/**
 * Runs ogr2ogr on a GeoJSON; answers every file it wrote (a Shapefile is several), by
 * name. `out` is the output's file name, `args` what else ogr2ogr is told.
 */
export function ogrFiles(geojson: unknown, out: string, args: string[]): Map<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wgtest-ogr-'));
  try {
    writeFileSync(join(dir, 'in.geojson'), JSON.stringify(geojson));
    mkdirSync(join(dir, 'out'));
    execFileSync('ogr2ogr', [...args, join(dir, 'out', out), join(dir, 'in.geojson')], { stdio: 'pipe' });
    const files = new Map<string, Buffer>();
    const outDir = join(dir, 'out');
    for (const name of readdirSync(outDir)) files.set(name, readFileSync(join(outDir, name)));
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ZipFile {
  /** Raw bytes: a name in the system code page (GBK), without the UTF-8 flag. */
  name: string | Buffer;
  data: Buffer;
  /** Sets the "encrypted" flag (the data is not really encrypted). */
  encrypted?: boolean;
  /** Declares this uncompressed size instead of the real one (a lying header). */
  declaredSize?: number;
}

/** A zip as Windows, QGIS or a zip bomb writes it: deflated entries. */
export function zip(files: ZipFile[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = typeof f.name === 'string' ? Buffer.from(f.name, 'utf8') : f.name;
    const packed = deflateRawSync(f.data);
    const flags = (f.encrypted ? 0x1 : 0) | (typeof f.name === 'string' ? 0x800 : 0);
    const size = f.declaredSize ?? f.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(f.data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(f.data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** 网格 in GBK, as Windows' own zip names a planner's 网格.shp. */
export const GBK_STEM = Buffer.from([0xcd, 0xf8, 0xb8, 0xf1]);

/** The files of a map zipped under a new stem, leaving out some extensions. */
export function zipped(files: Map<string, Buffer>, stem: string | Buffer = '网格', skip: string[] = []): Buffer {
  return zip(
    [...files.entries()]
      .filter(([name]) => !skip.some((ext) => name.toLowerCase().endsWith(ext)))
      .map(([name, data]) => {
        const ext = name.slice(name.indexOf('.'));
        return { name: typeof stem === 'string' ? stem + ext : Buffer.concat([stem, Buffer.from(ext)]), data };
      }),
  );
}

/** Distance in metres between two lon/lat points (equirectangular: fine within a town). */
export function metres(a: number[], b: number[]): number {
  const k = Math.PI / 180;
  const x = (b[0]! - a[0]!) * k * Math.cos(((a[1]! + b[1]!) / 2) * k);
  const y = (b[1]! - a[1]!) * k;
  return Math.hypot(x, y) * 6_371_008;
}
