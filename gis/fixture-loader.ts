// Loads a town fixture (areas.geojson + grids.geojson, the format of fixtures/) the
// way a planner would: areas are imported, then each town's grids go through a
// draft plan that is validated and published. Used by `npm start` and the tests.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { parseInput } from '../platform/http/zod-errors.js';
import type { AreasService } from './areas.service.js';
import type { PlansService } from './plans.service.js';
import { z } from 'zod';
import type { Db } from '../platform/db/pool.js';
import { AreaCollection, GridCollection } from './gis.schemas.js';
import { featureCollectionSchema, featureSchema, LineStringSchema, type AreaGeometry } from './geojson.js';
import { AreasRepository } from './areas.repository.js';
import { RoadsRepository } from './roads.repository.js';

export interface FixtureFiles {
  areas: unknown;
  grids: unknown;
  /** Optional streets (LineStrings with name and class). */
  roads?: unknown;
}

export async function readFixture(dir: string): Promise<FixtureFiles> {
  const read = async (name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as unknown;
  const roads = await read('roads.geojson').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return { areas: await read('areas.geojson'), grids: await read('grids.geojson'), roads };
}

const RoadCollection = featureCollectionSchema(
  featureSchema(z.object({ name: z.string().default(''), class: z.string().default('street') }), LineStringSchema),
  100_000,
);

export interface LoadResult {
  areas: number;
  towns: { code: string; planId: number; grids: number; ms: number }[];
  roads: number;
}

export async function loadFixture(
  services: { db: Db; areas: AreasService; plans: PlansService },
  auth: AuthContext,
  files: FixtureFiles,
): Promise<LoadResult> {
  const areas = parseInput(AreaCollection, files.areas, 'body');
  const grids = parseInput(GridCollection, files.grids, 'body');
  const { imported } = await services.areas.import(
    areas.features.map((f) => ({
      code: f.properties.code,
      name: f.properties.name,
      level: f.properties.level,
      parentCode: f.properties.parent_code,
      synthetic: f.properties.synthetic,
      geometry: f.geometry as AreaGeometry,
    })),
  );
  const villageTown = new Map(
    areas.features
      .filter((f) => f.properties.level === 'village')
      .map((f) => [f.properties.code, f.properties.parent_code!]),
  );
  const towns = areas.features.filter((f) => f.properties.level === 'town');
  const result: LoadResult = { areas: imported, towns: [], roads: 0 };
  // Streets belong to the fixture's town (a demo fixture has one); loaded before the
  // grids are published, so the publish's new map revision shows them on the tiles.
  if (files.roads && towns.length === 1) {
    const roads = parseInput(RoadCollection, files.roads, 'body');
    const townId = (await new AreasRepository(services.db).findByCode(towns[0]!.properties.code))!.id;
    result.roads = await new RoadsRepository(services.db).replaceTown(
      townId,
      roads.features.map((f) => ({
        name: f.properties.name,
        class: f.properties.class,
        coordinates: f.geometry.coordinates,
      })),
    );
  }
  for (const town of towns) {
    const started = performance.now();
    const own = grids.features.filter((g) => villageTown.get(g.properties.village_code) === town.properties.code);
    const plan = await services.plans.create(auth, town.properties.code, `${town.properties.name} 网格 (fixture)`);
    await services.plans.importGrids(
      auth,
      plan.id,
      own.map((g) => ({
        code: g.properties.code,
        name: g.properties.name,
        kind: g.properties.kind,
        villageCode: g.properties.village_code,
        geometry: g.geometry as AreaGeometry,
      })),
      false,
    );
    await services.plans.publish(auth, plan.id);
    result.towns.push({
      code: town.properties.code,
      planId: plan.id,
      grids: own.length,
      ms: Math.round(performance.now() - started),
    });
  }
  return result;
}
