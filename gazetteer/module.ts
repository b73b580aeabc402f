// Gazetteer: addresses and landmarks (imported from CSV or GDAL points), found by text
// and placed in their grids. Public face: the GazetteerService (Open311 reports that name
// an address are placed through it) and address normalisation.
import type { DomainModule, Platform } from '../platform/module.js';
import type { GisServices } from '../gis/module.js';
import { GazetteerService } from './gazetteer.service.js';
import { gazetteerRoutes } from './gazetteer.routes.js';
import { whenAvailable } from '../platform/dependency-errors.js';
import { rootLogger } from '../platform/logger.js';

export { normalizeAddress } from './address-text.js';
export type { GazetteerService } from './gazetteer.service.js';

export interface GazetteerServices {
  gazetteer: GazetteerService;
}

export async function gazetteerModule(
  p: Platform,
  gis: Pick<GisServices, 'gridMap'>,
): Promise<DomainModule<GazetteerServices>> {
  const gazetteer = new GazetteerService(p.db, gis.gridMap, p.redis, p.config.REDIS_PREFIX);
  // A process started while PostgreSQL is away waits for it rather than exiting.
  await whenAvailable('address index', () => gazetteer.refresh(true), rootLogger);
  return {
    name: 'gazetteer',
    services: { gazetteer },
    routes: gazetteerRoutes(gazetteer),
    async start(subscriber) {
      await gazetteer.follow(subscriber);
    },
    async stop() {
      gazetteer.stop();
    },
  };
}
