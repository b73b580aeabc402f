// The town gazetteer: landmarks imported by admins (CSV, or GeoJSON points), and the
// in-process address index over them and the map's villages and roads. The index is
// keyed by the map revision and the last import; an import anywhere is announced on
// Redis and a map publish changes the map revision, so every instance rebuilds.
import type { Redis } from 'ioredis';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { AppError, BadRequest, NotFound, Unprocessable } from '../platform/errors.js';
import { moduleLogger } from '../platform/logger.js';
import type { GridMap } from '../gis/module.js';
import type { GridVersion } from '../gis/module.js';
import { AreasRepository } from '../gis/module.js';
import { AddressIndex, type LocateResult } from './address-index.js';
import { GazetteerRepository } from './gazetteer.repository.js';
import {
  fieldOf,
  LANDMARK_KINDS,
  MAX_ROWS,
  readLandmarkCsv,
  type LandmarkKind,
  type LandmarkRow,
  type RowProblem,
} from './landmark-csv.js';
import { gdalToGeoJson, type GdalExtension, type GdalOptions } from './gdal-points.js';

const log = moduleLogger('gazetteer');
const POLL_MS = 30_000;
/** Problems listed in one answer; the count says how many more. */
const SHOWN_PROBLEMS = 100;

export type Located = LocateResult & {
  grid: Pick<GridVersion, 'gridId' | 'versionId' | 'code' | 'name' | 'villageId' | 'townId'> | null;
};

export interface ImportResult {
  importId: number;
  imported: number;
  total: number;
  encoding: string;
  mode: 'replace' | 'append';
}

export class GazetteerService {
  private index: AddressIndex = AddressIndex.build({ towns: [], villages: [], roads: [], landmarks: [] }, '');
  private mapRevision = -1;
  private importRevision = -1;
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly channel: string;

  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
    private readonly publisher: Redis | null,
    redisPrefix: string,
  ) {
    this.channel = `${redisPrefix}:gazetteer-revision`;
  }

  get current(): AddressIndex {
    return this.index;
  }

  /** Rebuilds the index when the map or the landmarks changed since it was built. */
  async refresh(force = false): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      const repo = new GazetteerRepository(this.db);
      const [imports, map] = [await repo.revision(), this.gridMap.revision];
      if (!force && imports === this.importRevision && map === this.mapRevision) return;
      const started = performance.now();
      const data = await repo.load();
      this.index = AddressIndex.build(data, `${map}:${imports}`);
      [this.importRevision, this.mapRevision] = [imports, map];
      log.info(
        { revision: this.index.revision, ...this.index.size, ms: Math.round(performance.now() - started) },
        'address index rebuilt',
      );
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Follows other instances' imports, with a poll as a safety net. */
  async follow(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.channel);
    subscriber.on('message', (channel: string) => {
      if (channel === this.channel)
        this.refresh().catch((err: unknown) => log.error({ err }, 'address index refresh failed'));
    });
    this.timer = setInterval(
      () => void this.refresh().catch((err: unknown) => log.warn({ err }, 'address index poll failed')),
      POLL_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** An address → a point and its grid, or why not; within the towns given (null: any). */
  async locate(address: string, townIds: readonly number[] | null): Promise<Located> {
    if (this.mapRevision !== this.gridMap.revision || this.importRevision < 0) await this.refresh();
    const r = this.index.locate(address, townIds);
    if (r.status !== 'placed') return { ...r, grid: null };
    const g = this.gridMap.current.lookup(r.lon, r.lat);
    if (!g || g.townId !== r.townId) {
      // A landmark off the published grids cannot be dispatched from: the command room places it.
      return {
        status: 'unlocated',
        townId: r.townId,
        reason: `${r.place}不在任何网格内 the place lies outside the grids`,
        understood: r.understood,
        suggestion: { lon: r.lon, lat: r.lat, label: r.place },
        candidates: [],
        grid: null,
      };
    }
    return {
      ...r,
      grid: {
        gridId: g.gridId,
        versionId: g.versionId,
        code: g.code,
        name: g.name,
        villageId: g.villageId,
        townId: g.townId,
      },
    };
  }

  /** The one town served here, when there is only one (a call need not say which). */
  onlyTown(): number | null {
    const towns = this.index.data.towns;
    return towns.length === 1 ? towns[0]!.id : null;
  }

  /** A point inside the town, where the command room starts looking when nothing else is known. */
  townPoint(townId: number): { lon: number; lat: number } | null {
    const t = this.index.data.towns.find((x) => x.id === townId);
    return t ? { lon: t.point[0], lat: t.point[1] } : null;
  }

  async townId(auth: AuthContext, code: string): Promise<number> {
    const town = await new AreasRepository(this.db).findByCode(code);
    if (!town || town.level !== 'town') throw new NotFound(`Town ${code}`);
    auth.assertTown(town.id, `town ${code}`);
    return town.id;
  }

  /**
   * Imports a town's landmarks from a CSV file, a GeoJSON FeatureCollection of points, or
   * (`gdal`) a point file GDAL reads, turned into GeoJSON in WGS-84 first. Every row is
   * checked (the file, then against the town in PostGIS) before anything is written;
   * one bad row refuses the whole file, naming each bad row.
   */
  async importLandmarks(
    auth: AuthContext,
    townCode: string,
    body: Buffer | object,
    mode: 'replace' | 'append',
    gdal?: { ext: GdalExtension } & GdalOptions,
  ): Promise<ImportResult> {
    const townId = await this.townId(auth, townCode);
    const read =
      gdal && Buffer.isBuffer(body)
        ? withEncoding(readLandmarkGeoJson(await gdalToGeoJson(body, gdal.ext, gdal)), `gdal:${gdal.ext}`)
        : Buffer.isBuffer(body)
          ? readLandmarkCsv(body)
          : readLandmarkGeoJson(body);
    if ('problems' in read)
      throw refuse(400, 'bad_file', 'The file has rows that cannot be read; nothing was imported', read.problems);
    const result = await inTransaction(this.db, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), $2::int)', ['gazetteer', townId]);
      const repo = new GazetteerRepository(tx);
      const { problems, villageIds } = await repo.check(townId, read.rows);
      if (problems.length)
        throw refuse(422, 'bad_rows', 'Some rows do not fit the town; nothing was imported', problems);
      return repo.write(townId, read.rows, villageIds, mode, auth.me.id, read.encoding);
    });
    await this.refresh();
    await this.publisher
      ?.publish(this.channel, String(result.importId))
      .catch((err: unknown) => log.warn({ err }, 'gazetteer revision not announced'));
    return {
      importId: result.importId,
      imported: read.rows.length,
      total: result.total,
      encoding: read.encoding,
      mode,
    };
  }

  async landmarks(auth: AuthContext, townCode: string, kind: LandmarkKind | undefined, limit: number, offset: number) {
    return new GazetteerRepository(this.db).list(await this.townId(auth, townCode), kind, limit, offset);
  }
}

function refuse(status: 400 | 422, code: string, message: string, problems: RowProblem[]): AppError {
  const details = { problems: problems.slice(0, SHOWN_PROBLEMS), count: problems.length };
  return status === 400 ? new BadRequest(message, details, code) : new Unprocessable(message, details, code);
}

function withEncoding<T extends object>(read: T, encoding: string): T {
  return 'rows' in read ? { ...read, encoding } : read;
}

/**
 * GeoJSON points with properties name, kind, aliases (array or text), village, or their
 * Chinese names (名称, 类型 …); other attributes (OBJECTID …) are ignored. "line" is the
 * feature's number.
 */
export function readLandmarkGeoJson(
  doc: object,
): { rows: LandmarkRow[]; encoding: string } | { problems: RowProblem[] } {
  const fc = doc as { type?: unknown; features?: unknown };
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features))
    return { problems: [{ line: 0, problem: 'send a GeoJSON FeatureCollection of Points, or a CSV file (text/csv)' }] };
  if (fc.features.length === 0) return { problems: [{ line: 0, problem: 'the collection has no features' }] };
  if (fc.features.length > MAX_ROWS)
    return { problems: [{ line: 0, problem: `at most ${MAX_ROWS} features (this one has ${fc.features.length})` }] };
  const header = 'name,kind,lon,lat,aliases,village';
  const lines = (
    fc.features as { geometry?: { type?: string; coordinates?: unknown }; properties?: Record<string, unknown> }[]
  ).map((f, i) => {
    const p: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      const field = fieldOf(k);
      if (field && p[field] === undefined) p[field] = v;
    }
    const c = f.geometry?.type === 'Point' && Array.isArray(f.geometry.coordinates) ? f.geometry.coordinates : null;
    const aliases = Array.isArray(p['aliases']) ? p['aliases'].join(';') : (p['aliases'] ?? '');
    const field = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
    return c ? [p['name'], p['kind'], c[0], c[1], aliases, p['village']].map(field).join(',') : `__not_a_point__${i}`;
  });
  const problems = lines.flatMap((l, i) =>
    l.startsWith('__not_a_point__') ? [{ line: i + 1, field: 'geometry', problem: 'not a Point' }] : [],
  );
  if (problems.length) return { problems };
  const read = readLandmarkCsv(Buffer.from([header, ...lines].join('\n')));
  // Lines of the CSV made here are feature numbers + 1 (the header).
  if ('problems' in read) return { problems: read.problems.map((p) => ({ ...p, line: p.line - 1 })) };
  return { rows: read.rows.map((r) => ({ ...r, line: r.line - 1 })), encoding: 'geojson' };
}

export { LANDMARK_KINDS };
