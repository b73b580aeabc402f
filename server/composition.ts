// The composition root: makes pools, services and the HTTP app from a config.
// `main.ts` runs it as a process; tests run it in process against their own database.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createPool, type Db } from './db/pool.js';
import { createRedis } from './redis.js';
import { rootLogger } from './logger.js';
import { AuthService } from './auth/auth.service.js';
import { authRoutes } from './auth/auth.routes.js';
import { HealthService } from './health/health.service.js';
import { createApp } from './http/app.js';
import { GridMap } from '../gis/map-revision.js';
import { AreasService } from '../gis/areas.service.js';
import { PlansService } from '../gis/plans.service.js';
import { GridLookupService } from '../gis/grid-lookup.service.js';
import { TilesService } from '../gis/tiles.service.js';
import { gisRoutes } from '../gis/gis.routes.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export interface Services {
  db: Db;
  redis: Redis;
  gridMap: GridMap;
  auth: AuthService;
  areas: AreasService;
  plans: PlansService;
  lookup: GridLookupService;
  tiles: TilesService;
  health: HealthService;
}

export async function createServices(config: Config): Promise<Services> {
  const db = createPool(config.DATABASE_URL, config.DB_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, 'api');
  const gridMap = new GridMap(db, redis, config.REDIS_PREFIX);
  await gridMap.refresh(true);
  return {
    db,
    redis,
    gridMap,
    auth: new AuthService(db, config.SESSION_TTL_HOURS),
    areas: new AreasService(db, gridMap),
    plans: new PlansService(db, gridMap, config.GRID_SLIVER_M2),
    lookup: new GridLookupService(db, gridMap),
    tiles: new TilesService(db, gridMap, config.TILE_CACHE_ENTRIES),
    health: new HealthService(db, redis, () => ({ gridIndex: { revision: gridMap.revision, versions: gridMap.current.size } })),
  };
}

export interface RunningApi {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** Starts the HTTP API on config.PORT (0 picks a free port). */
export async function startApi(config: Config, options: { staticDir?: string } = {}): Promise<RunningApi> {
  const services = await createServices(config);
  const subscriber = createRedis(config.REDIS_URL, 'api-sub');
  await services.gridMap.follow(subscriber);
  const app = createApp({
    log: rootLogger,
    bodyLimit: config.BODY_LIMIT,
    auth: services.auth,
    health: services.health,
    version: pkg.version,
    staticDir: options.staticDir,
    routes: [...authRoutes(services.auth), ...gisRoutes(services)],
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, '0.0.0.0', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    async close() {
      services.gridMap.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      subscriber.disconnect();
      services.redis.disconnect();
      await services.db.end();
    },
  };
}
