// GIS: towns, villages and grids in PostGIS; drafting, validating and publishing grid
// plans; map files in and out; vector tiles; the in-memory grid index (GridMap) every
// other domain asks "which grid is this point in". Public face: the services below, the
// shared schemas (codes, ids, coordinate systems) and the read side of areas and grids.
import type { DomainModule, Platform } from '../platform/module.js';
import { rootLogger } from '../platform/logger.js';
import { whenAvailable } from '../platform/dependency-errors.js';
import { GridMap } from './map-revision.js';
import { AreasRepository } from './areas.repository.js';
import { GridsRepository } from './grids.repository.js';
import { AreasService } from './areas.service.js';
import { PlansService } from './plans.service.js';
import { GridLookupService } from './grid-lookup.service.js';
import { TilesService } from './tiles.service.js';
import { gisRoutes } from './gis.routes.js';
import { MapFilesService } from './map-files/map-files.service.js';
import { mapFileReader } from './map-files/map-file-reader.js';
import { mapFileRoutes } from './map-files/map-files.routes.js';

export type { GridMap } from './map-revision.js';
export { GridIndex } from './grid-index.js';
export type { AreaGeometry } from './geojson.js';
export { Code, IdParams } from './gis.schemas.js';
export { CrsSchema, convertPoint, type Crs } from './crs.js';
// Read by other domains for "the town with this code" / "the grid with this code".
export { AreasRepository, type Area } from './areas.repository.js';
export { GridsRepository, type GridVersion } from './grids.repository.js';

export interface GisServices {
  gridMap: GridMap;
  areas: AreasService;
  plans: PlansService;
  mapFiles: MapFilesService;
  lookup: GridLookupService;
  tiles: TilesService;
  /** A town (level town) by its code, for routes that take `?town=`. */
  townByCode(code: string): Promise<{ id: number } | null>;
  /** A grid's name (its last version's when retired); null for an unknown id. */
  gridName(gridId: number): Promise<string | null>;
  /** An area's name (a town, a village) by id; null for an unknown id. */
  areaName(id: number): Promise<string | null>;
}

export async function gisModule(p: Platform): Promise<DomainModule<GisServices>> {
  const { config, db, live } = p;
  const gridMap = new GridMap(db, p.redis, config.REDIS_PREFIX);
  await whenAvailable('grid map', () => gridMap.refresh(true), rootLogger);
  const plans = new PlansService(db, gridMap, config.GRID_SLIVER_M2, (townIds, revision) =>
    live
      .publish(townIds.map((townId) => ({ topic: 'grids', townId, data: { action: 'published', revision } })))
      .catch(() => undefined),
  );
  const services: GisServices = {
    gridMap,
    areas: new AreasService(db, gridMap),
    plans,
    mapFiles: new MapFilesService(db, plans, mapFileReader(config), config.MAP_FILE_TIMEOUT_S * 1000),
    lookup: new GridLookupService(db, gridMap),
    tiles: new TilesService(db, gridMap, config.TILE_CACHE_ENTRIES),
    async townByCode(code) {
      const area = await new AreasRepository(db).findByCode(code);
      return area?.level === 'town' ? area : null;
    },
    gridName: (gridId) => new GridsRepository(db).nameOf(gridId),
    async areaName(id) {
      return (await new AreasRepository(db).findById(id))?.name ?? null;
    },
  };
  return {
    name: 'gis',
    services,
    routes: [...gisRoutes(services), ...mapFileRoutes(services.mapFiles, config.MAP_FILE_MAX_MB)],
    liveTopics: ['grids'],
    async start(subscriber) {
      await gridMap.follow(subscriber);
    },
    async stop() {
      gridMap.stop();
    },
  };
}
