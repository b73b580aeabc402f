// The benchmarks' town: the large fixture (10,000 grids in 4 towns) imported and
// published through the services, as a planner would, in a fresh database.
import { parseConfig } from '../../platform/config.js';
import { createServices, type Services } from '../../server/composition.js';
import { AuthContext } from '../../platform/auth/auth-context.js';
import { AccountsRepository } from '../../accounts/accounts.repository.js';
import { makeLargeFixture, type LargeFixture } from '../fixtures/make-large-fixture.js';
import type { AreaGeometry } from '../../gis/geojson.js';

export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';

/** Imports a generated fixture's areas and publishes its grids as one plan of `planArea` (an area code), as a planner would. */
export async function publishFixture(
  services: Services,
  admin: AuthContext,
  fixture: LargeFixture,
  planArea: string,
): Promise<void> {
  await services.areas.import(
    fixture.areas.features.map((f) => ({
      code: f.properties.code,
      name: f.properties.name,
      level: f.properties.level,
      parentCode: f.properties.parent_code,
      synthetic: true,
      geometry: f.geometry as AreaGeometry,
    })),
  );
  const plan = await services.plans.create(admin, planArea, 'bench');
  await services.plans.importGrids(
    admin,
    plan.id,
    fixture.grids.features.map((g) => ({
      code: g.properties.code,
      name: g.properties.name,
      kind: g.properties.kind,
      villageCode: g.properties.village_code,
      geometry: g.geometry as AreaGeometry,
    })),
    false,
  );
  await services.plans.publish(admin, plan.id);
}

/** Publishes the fixture's grids and returns the services (the caller closes them), the fixture and the first town's code. */
export async function publishLargeTown(
  url: string,
  redisPrefix: string,
  grids = 10_000,
): Promise<{ services: Services; admin: AuthContext; townCode: string; fixture: LargeFixture }> {
  const fixture = await makeLargeFixture({ grids, towns: 4, seed: 1 });
  const services = await createServices(
    parseConfig({ ...process.env, DATABASE_URL: url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn' }),
  );
  await services.auth.ensureFirstAdmin(BENCH_ADMIN_PASSWORD);
  const admin = AuthContext.of((await new AccountsRepository(services.db).findByUsername('admin'))!);
  const district = fixture.areas.features.find((f) => f.properties.level === 'district')!.properties.code;
  await publishFixture(services, admin, fixture, district);
  const townCode = fixture.areas.features.find((f) => f.properties.level === 'town')!.properties.code;
  return { services, admin, townCode, fixture };
}

export async function closeServices(services: Services): Promise<void> {
  await services.incidents.jobs.close();
  await services.alertsQueue.close();
  services.redis.disconnect();
  await services.db.end();
}
