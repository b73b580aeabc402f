import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { BadRequest, NotFound, Unprocessable } from '../platform/errors.js';
import { AreasRepository, AREA_LEVELS, type Area, type AreaInput, type AreaLevel } from './areas.repository.js';
import { convertGeometry, type Crs } from './crs.js';
import { GridsRepository } from './grids.repository.js';
import type { GridMap } from './map-revision.js';
import { PublicationRepository } from './publication.repository.js';
import { Forbidden } from '../platform/errors.js';

// A child's level must sit directly under its parent's.
const PARENT_LEVEL: Record<AreaLevel, AreaLevel | null> = {
  city: null,
  district: 'city',
  town: 'district',
  village: 'town',
};

export class AreasService {
  constructor(
    private readonly db: Db,
    private readonly gridMap: GridMap,
  ) {}

  async list(auth: AuthContext, level: AreaLevel | undefined, parentCode: string | undefined): Promise<Area[]> {
    const repo = new AreasRepository(this.db);
    const parent = parentCode ? await repo.findByCode(parentCode) : null;
    if (parentCode && !parent) throw new NotFound(`Area ${parentCode}`);
    return repo.list({ level, parentId: parent?.id, townIds: auth.townFilter });
  }

  async get(auth: AuthContext, code: string): Promise<Area> {
    const area = await new AreasRepository(this.db).findByCode(code);
    if (!area || (area.townId !== null && !auth.canAccessTown(area.townId))) throw new NotFound(`Area ${code}`);
    return area;
  }

  /** Loads a tree of areas (parents before children), all or nothing. */
  /** `auth`: the admin asking; one scoped to some towns changes only their villages and towns (none for loaders and benches). */
  async import(areas: AreaInput[], auth?: AuthContext): Promise<{ imported: number; revision: number }> {
    this.checkTree(areas);
    const result = await inTransaction(this.db, async (tx) => {
      const repo = new AreasRepository(tx);
      if (auth && auth.townFilter !== null) await assertWithinTowns(repo, auth, areas);
      const invalid = await repo.invalidGeometries(areas);
      if (invalid.length) {
        throw new Unprocessable(
          `Area ${invalid[0]!.code} is not a valid polygon: ${invalid[0]!.reason}`,
          { problems: invalid },
          'invalid_geometry',
        );
      }
      const known = await repo.findByCodes(areas.map((a) => a.parentCode).filter((c): c is string => !!c));
      const levels = new Map([
        ...known.map((a) => [a.code, a.level] as const),
        ...areas.map((a) => [a.code, a.level] as const),
      ]);
      areas.forEach((a, i) => {
        if (a.parentCode && levels.get(a.parentCode) !== PARENT_LEVEL[a.level]) {
          throw new BadRequest(
            `features[${i}]: the parent ${a.parentCode} of a ${a.level} must be a ${PARENT_LEVEL[a.level]} that exists`,
            { index: i, code: a.code },
          );
        }
      });
      const imported = await repo.upsert(areas);
      const revision = await new PublicationRepository(tx).recordAreaChange();
      return { imported, revision };
    });
    await this.gridMap.announce(result.revision);
    return result;
  }

  private checkTree(areas: AreaInput[]): void {
    const seen = new Set<string>();
    areas.forEach((a, i) => {
      if (seen.has(a.code)) throw new BadRequest(`features[${i}]: code ${a.code} appears twice`, { index: i });
      seen.add(a.code);
      if (!AREA_LEVELS.includes(a.level)) throw new BadRequest(`features[${i}]: unknown level ${String(a.level)}`);
      if ((a.level === 'city') !== (a.parentCode === null)) {
        throw new BadRequest(
          `features[${i}]: ${a.level === 'city' ? 'a city has no parent' : `a ${a.level} needs parent_code`}`,
          { index: i },
        );
      }
    });
  }

  /** The town's areas and grids (now, or at a past time) as one FeatureCollection. */
  async exportTown(auth: AuthContext, code: string, at: Date | null, crs: Crs) {
    const town = await this.get(auth, code);
    if (town.level !== 'town') throw new BadRequest(`${town.name} is a ${town.level}, not a town`);
    auth.assertTown(town.id);
    const areas = await new AreasRepository(this.db).townAreaFeatures(town.id);
    const grids = await new GridsRepository(this.db).townGridFeatures(town.id, at);
    const features = [...areas, ...grids] as { geometry: { type: string } }[];
    return {
      type: 'FeatureCollection' as const,
      crs_name: crs,
      at: at?.toISOString() ?? null,
      revision: this.gridMap.revision,
      features: features.map((f) => ({ ...f, geometry: convertGeometry(f.geometry, 'WGS84', crs) })),
    };
  }
}

/**
 * A town-scoped admin may update their own towns and add or change villages in them;
 * cities, districts, new towns and anything of another town are for an admin of every town.
 */
async function assertWithinTowns(repo: AreasRepository, auth: AuthContext, areas: AreaInput[]): Promise<void> {
  const known = new Map(
    (await repo.findByCodes([...new Set(areas.flatMap((a) => [a.code, a.parentCode ?? a.code]))])).map((a) => [
      a.code,
      a,
    ]),
  );
  const townOf = (a: Area | undefined): number | null => (a ? (a.level === 'town' ? a.id : a.townId) : null);
  areas.forEach((a, i) => {
    const existing = known.get(a.code);
    const parent = a.parentCode ? known.get(a.parentCode) : undefined;
    const town =
      a.level === 'town'
        ? townOf(existing)
        : a.level === 'village'
          ? (townOf(existing) ?? (parent?.level === 'town' ? parent.id : null))
          : null;
    const parentTown = a.level === 'village' ? townOf(parent) : town;
    if (town === null || parentTown !== town || !auth.canAccessTown(town)) {
      throw new Forbidden(
        `features[${i}] (${a.code}): an admin of some towns imports only the villages and towns they are scoped to`,
      );
    }
  });
}
