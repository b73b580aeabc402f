// The coordinate systems a planner's file may be in, and how to name one when the file
// does not: China's geodetic systems and their 3-degree Gauss-Krüger zones, WGS-84, and
// GCJ-02 (the offset of Chinese map apps, which no file declares: the planner says so).
import { z } from 'zod';
import { BadRequest } from '../../platform/errors.js';

/** What GDAL is told the source is; GCJ-02 is read as WGS-84 degrees and shifted after. */
export interface SourceCrs {
  /** For ogr2ogr -s_srs. */
  srs: string;
  gcj02: boolean;
}

const zones = (from: number, firstZone: number, prefix: boolean, datum: string) =>
  Array.from({ length: 21 }, (_, i) => ({
    id: `EPSG:${from + i}`,
    name: prefix
      ? `${datum} / 3-degree Gauss-Kruger zone ${firstZone + i} (x with zone prefix)`
      : `${datum} / 3-degree Gauss-Kruger CM ${75 + 3 * i}E (x without zone prefix)`,
  }));

/** Every accepted choice, most common first; the 4xx that asks for a CRS lists them. */
export const CRS_CHOICES: { id: string; name: string }[] = [
  { id: 'EPSG:4490', name: 'CGCS2000 (degrees)' },
  { id: 'EPSG:4326', name: 'WGS-84 (degrees)' },
  { id: 'GCJ02', name: 'GCJ-02 (degrees, AMap / Tencent offset)' },
  ...zones(4513, 25, true, 'CGCS2000'),
  ...zones(4534, 25, false, 'CGCS2000'),
  { id: 'EPSG:4610', name: 'Xian 1980 (degrees)' },
  ...zones(2349, 25, true, 'Xian 1980'),
  ...zones(2370, 25, false, 'Xian 1980'),
  { id: 'EPSG:4214', name: 'Beijing 1954 (degrees)' },
  ...zones(2401, 25, true, 'Beijing 1954'),
  ...zones(2422, 25, false, 'Beijing 1954'),
];
const CHOICE_IDS = new Set(CRS_CHOICES.map((c) => c.id));

export const SourceCrsParam = z
  .string()
  .transform((s) =>
    s
      .trim()
      .toUpperCase()
      .replace(/^EPSG::?/, 'EPSG:')
      .replace(/^WGS84$/, 'EPSG:4326')
      .replace(/^CGCS2000$/, 'EPSG:4490'),
  )
  .refine(
    (s) => CHOICE_IDS.has(s),
    'must be one of the coordinate systems listed by GET /api/map-files/crs (EPSG:4490, EPSG:4527, GCJ02 …)',
  )
  .optional()
  .describe("The file's coordinate system when it names none, or to overrule it (GCJ02 for AMap coordinates)");

export function sourceCrs(id: string): SourceCrs {
  return id === 'GCJ02' ? { srs: 'EPSG:4326', gcj02: true } : { srs: id, gcj02: false };
}

export function crsChoiceName(id: string): string {
  return CRS_CHOICES.find((c) => c.id === id)?.name ?? id;
}

/**
 * The CRS a GeoJSON `crs` member names (the 2008 GeoJSON form, still written by QGIS
 * and ArcGIS): null when it names WGS-84 degrees (or is absent), otherwise the choice.
 */
export function geojsonCrsMember(crs: unknown): string | null {
  if (crs === undefined || crs === null) return null;
  const name = (crs as { properties?: { name?: unknown } }).properties?.name;
  if (typeof name !== 'string') {
    throw new BadRequest(
      'The crs member must be {"type":"name","properties":{"name":"EPSG:…"}}',
      { field: 'crs' },
      'unknown_crs',
    );
  }
  if (/CRS84$|EPSG:+4326$/i.test(name)) return null;
  const epsg = name.match(/EPSG:+(\d+)$/i)?.[1];
  const id = epsg ? `EPSG:${epsg}` : name;
  if (!CHOICE_IDS.has(id)) {
    throw new BadRequest(
      `The crs member names ${name}, which is not one of the coordinate systems read here`,
      { field: 'crs', choices: CRS_CHOICES.map((c) => c.id) },
      'unknown_crs',
    );
  }
  return id;
}
