// Seeds the demo town (fixtures/hangbu) through the same services a planner uses,
// on first start only, and makes the first admin and one demo account per role.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { config } from '../platform/config.js';
import { createServices } from '../server/composition.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { AuthContext } from '../platform/auth/auth-context.js';
import type { Role } from '../platform/auth/roles.js';
import { AreasRepository } from '../gis/areas.repository.js';
import { GridsRepository } from '../gis/grids.repository.js';
import { loadFixture, readFixture } from '../gis/fixture-loader.js';
import { PeopleRepository } from '../people/people.repository.js';
import { demoRoster } from './demo/roster.js';
import { DEMO_OPEN311_KEY, DEMO_PHONE_TOKENS } from './demo/demo-files.js';
import { ClientKeysService } from '../incidents/open311/client-keys.service.js';
import { seedDemoOrganisations } from './demo/organisations.js'; // orgs

export const DEMO_TOWN_CODE = '330802101';
const DEMO_DIR = fileURLToPath(new URL('../fixtures/hangbu', import.meta.url));
const DEMO_PASSWORD = 'hangbu-demo';

const DEMO_ROLES: Role[] = ['planner', 'operator', 'dispatcher', 'installer'];

async function main(): Promise<void> {
  if (config().NODE_ENV === 'production') {
    console.error(
      '[seed] the demo town and its accounts (password "hangbu-demo") are not seeded in production: set DEMO_TOWN=false',
    );
    process.exit(2);
  }
  const services = await createServices(config());
  try {
    const admin = await services.auth.ensureFirstAdmin(process.env['ADMIN_PASSWORD']);
    if (admin) {
      await mkdir('var', { recursive: true });
      await writeFile('var/first-admin.txt', `${admin.username} ${admin.password}\n`, { mode: 0o600 });
      console.log(
        `[seed] created the first admin: username "${admin.username}", password "${admin.password}" (also in var/first-admin.txt)`,
      );
    }
    const accounts = new AccountsRepository(services.db);
    const adminAccount =
      (await accounts.findByUsername('admin')) ?? (await accounts.list()).find((a) => a.roles.includes('admin'));
    if (!adminAccount) throw new Error('no admin account to seed as');

    const town = await new AreasRepository(services.db).findByCode(DEMO_TOWN_CODE);
    const hasGrids = town && (await new GridsRepository(services.db).listCurrent([town.id])).length > 0;
    if (!hasGrids) {
      const result = await loadFixture(services, AuthContext.of(adminAccount), await readFixture(DEMO_DIR));
      const grids = result.towns.reduce((n, t) => n + t.grids, 0);
      console.log(
        `[seed] demo town loaded: ${result.areas} areas, ${grids} grids (synthetic geometry, see fixtures/hangbu/README.md)`,
      );
    }
    const hangbu = (await new AreasRepository(services.db).findByCode(DEMO_TOWN_CODE))!;
    const auth = AuthContext.of(adminAccount);
    if ((await services.gazetteer.landmarks(auth, DEMO_TOWN_CODE, undefined, 1, 0)).total === 0) {
      const result = await services.gazetteer.importLandmarks(
        auth,
        DEMO_TOWN_CODE,
        await readFile(`${DEMO_DIR}/landmarks.csv`),
        'replace',
      );
      console.log(
        `[seed] demo gazetteer: ${result.imported} landmarks and door plates (fixtures/hangbu/landmarks.csv)`,
      );
    }
    if ((await new PeopleRepository(services.db).list({ townIds: [hangbu.id] })).length === 0) {
      const villages = await new AreasRepository(services.db).list({ level: 'village', parentId: hangbu.id });
      const grids = (await new GridsRepository(services.db).listCurrent([hangbu.id])).map((g) => ({
        code: g.code,
        villageCode: villages.find((v) => v.id === g.villageId)!.code,
      }));
      const roster = demoRoster(villages, grids);
      const people = await services.people.create(
        auth,
        roster.map((r) => r.person),
      );
      const tokens: Record<string, string> = {};
      for (const p of people) {
        // No identifier typed: the server makes one nobody can guess (the simulator reads it as the installer).
        const [added] = await services.people.addDevices(auth, p.id, [{ name: '平安通' }]);
        tokens[added!.device.identifier] = added!.token;
      }
      // The simulated phones need their tokens to hear offers (a token is shown only once).
      await mkdir('var', { recursive: true });
      await writeFile(DEMO_PHONE_TOKENS, JSON.stringify(tokens, null, 1), { mode: 0o600 });
      console.log(
        `[seed] demo roster: ${people.length} people with phones (grid heads, full-time gridworkers, instructors)`,
      );
    }
    if (!existsSync(DEMO_OPEN311_KEY)) {
      const hotline = await new ClientKeysService(services.db).create(auth, '12345 热线 (演示)', DEMO_TOWN_CODE);
      await mkdir('var', { recursive: true });
      await writeFile(DEMO_OPEN311_KEY, hotline.apiKey, { mode: 0o600 });
      console.log(`[seed] Open311 key of the demo 12345 hotline in ${DEMO_OPEN311_KEY}`);
    }
    for (const role of DEMO_ROLES) {
      if (await accounts.findByUsername(role)) continue;
      await services.auth.createAccount({
        username: role,
        displayName: `演示${role}`,
        password: DEMO_PASSWORD,
        roles: [role],
        townIds: [hangbu.id],
      });
      console.log(`[seed] demo account "${role}" / "${DEMO_PASSWORD}" (航埠镇 only)`);
    }
    // orgs: the command room, the four platforms and their departments, villages, the county
    if (await seedDemoOrganisations(services, auth, accounts, hangbu, DEMO_PASSWORD))
      console.log(
        '[seed] demo organisations: 航埠镇 command room, 4 platforms, 17 departments, villages, 柯城区 centre',
      );
  } finally {
    services.redis.disconnect();
    await services.db.end();
  }
}

main().catch((err: unknown) => {
  console.error('[seed] failed:', err);
  process.exit(1);
});
