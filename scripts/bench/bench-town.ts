// The benchmarks' town: the large fixture (10,000 grids in 4 towns) imported and
// published through the services, as a planner would, in a fresh database.
import { parseConfig } from '../../server/config.js';
import { createServices, type Services } from '../../server/composition.js';
import { AuthContext } from '../../server/auth/auth-context.js';
import { AccountsRepository } from '../../server/auth/accounts.repository.js';
import { makeLargeFixture } from '../fixtures/make-large-fixture.js';
import type { AreaGeometry } from '../../gis/geojson.js';

export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';

/** Publishes the fixture's grids and returns the services (the caller closes them) and the first town's code. */
export async function publishLargeTown(url: string, redisPrefix: string, grids = 10_000): Promise<{ services: Services; admin: AuthContext; townCode: string }> {
  const fixture = await makeLargeFixture({ grids, towns: 4, seed: 1 });
  const services = await createServices(parseConfig({ ...process.env, DATABASE_URL: url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn' }));
  await services.auth.ensureFirstAdmin(BENCH_ADMIN_PASSWORD);
  const admin = AuthContext.of((await new AccountsRepository(services.db).findByUsername('admin'))!);
  await services.areas.import(fixture.areas.features.map((f) => ({
    code: f.properties.code, name: f.properties.name, level: f.properties.level, parentCode: f.properties.parent_code, synthetic: true, geometry: f.geometry as AreaGeometry,
  })));
  const district = fixture.areas.features.find((f) => f.properties.level === 'district')!.properties.code;
  const plan = await services.plans.create(admin, district, 'bench');
  await services.plans.importGrids(admin, plan.id, fixture.grids.features.map((g) => ({
    code: g.properties.code, name: g.properties.name, kind: g.properties.kind, villageCode: g.properties.village_code, geometry: g.geometry as AreaGeometry,
  })), false);
  await services.plans.publish(admin, plan.id);
  const townCode = fixture.areas.features.find((f) => f.properties.level === 'town')!.properties.code;
  return { services, admin, townCode };
}

export async function closeServices(services: Services): Promise<void> {
  await services.incidents.jobs.close();
  await services.alertsQueue.close();
  services.redis.disconnect();
  await services.db.end();
}
