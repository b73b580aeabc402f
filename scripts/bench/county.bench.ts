// The county's view over many towns: a district of TOWNS towns and GRIDS grids, every
// town with its command room and a department, INCIDENTS incidents of which a third are
// escalated to the county centre and a third handed to departments; a county account
// (every town) opens its 交办 queue (API, then the page in chromium to the first page
// of rows drawn), the department league over all towns, and 县域: the towns compared in
// a table and on one map (login to both drawn).
//   npx tsx scripts/bench/county.bench.ts [--towns 20 --grids 8000 --incidents 6000 --db wangge_bench_county]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseConfig } from '../../platform/config.js';
import { startApi } from '../../server/composition.js';
import { AuthContext } from '../../platform/auth/auth-context.js';
import { AccountsRepository } from '../../accounts/accounts.repository.js';
import { makeLargeFixture } from '../fixtures/make-large-fixture.js';
import { BenchReport, fmt, freshBenchDatabase, percentile, runBenchmark } from './bench-db.js';
import { publishFixture } from './bench-town.js';

const { values } = parseArgs({
  options: {
    towns: { type: 'string', default: '20' },
    grids: { type: 'string', default: '8000' },
    incidents: { type: 'string', default: '6000' },
    /** The scratch database (dropped first): another name when two runs share the machine. */
    db: { type: 'string', default: 'wangge_bench_county' },
  },
});
const TOWNS = Number(values.towns);
const GRIDS = Number(values.grids);
const INCIDENTS = Number(values.incidents);
const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));
const PASSWORD = 'bench-county-password';
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const bench = new BenchReport();
  const url = await freshBenchDatabase(values.db);
  const api = await startApi(
    parseConfig({
      ...process.env,
      DATABASE_URL: url,
      PORT: '0',
      OSMAND_PORT: '0',
      RTMP_PORT: '0',
      REDIS_PREFIX: values.db.replace(/_/g, '-'),
      LOG_LEVEL: 'warn',
    }),
    { staticDir: WEB_DIST },
  );
  const { services } = api;
  try {
    await services.auth.ensureFirstAdmin(PASSWORD);
    const admin = AuthContext.of((await new AccountsRepository(services.db).findByUsername('admin'))!);
    let t0 = Date.now();
    const fixture = await makeLargeFixture({ grids: GRIDS, towns: TOWNS, seed: 3 });
    const district = fixture.areas.features.find((f) => f.properties.level === 'district')!.properties.code;
    await publishFixture(services, admin, fixture, district);
    bench.add(`district made and published (${TOWNS} towns, ${GRIDS} grids)`, `${fmt((Date.now() - t0) / 1000)} s`);

    // Organisations through the service, as an admin would.
    const orgs = services.organisations.organisations;
    const towns = fixture.areas.features.filter((f) => f.properties.level === 'town').map((f) => f.properties.code);
    await orgs.create(admin, {
      code: 'bench-centre',
      name: '合成区社会治理中心',
      kind: 'county_centre',
      areaCode: district,
    });
    for (const code of towns) {
      await orgs.create(admin, { code: `cmd-${code}`, name: `${code} 指挥室`, kind: 'command_room', areaCode: code });
      await orgs.create(admin, {
        code: `scjgs-${code}`,
        name: `${code} 市场监管所`,
        kind: 'department',
        areaCode: code,
        platform: 'shichang',
      });
    }
    // Incidents and their handoffs in bulk (the data, not the steps, is what is measured).
    t0 = Date.now();
    await services.db.query(
      `WITH g AS (
         SELECT gv.grid_id, gv.id AS version_id, gv.town_id, gv.village_id, ST_PointOnSurface(gv.geom) AS p,
                row_number() OVER (ORDER BY gv.id) AS n
         FROM grid_versions gv WHERE gv.valid_to IS NULL)
       INSERT INTO incidents (town_id, village_id, grid_id, grid_version_id, subcategory_code, platform, severity,
         description, lon, lat, geog, source, state, level, reported_at, accept_due_at, finish_due_at)
       SELECT g.town_id, g.village_id, g.grid_id, g.version_id, 'market.unlicensed', 'shichang', 2, '无证经营 ' || i,
         ST_X(g.p), ST_Y(g.p), g.p::geography, 'operator', 'escalated', 'town', now() - (i || ' minutes')::interval,
         now() + interval '2 days', now() + interval '7 days'
       FROM generate_series(1, $1) i JOIN g ON g.n = 1 + (i * 7919) % (SELECT count(*) FROM g)`,
      [INCIDENTS],
    );
    await services.db.query(
      `INSERT INTO handoffs (incident_id, town_id, org_id, from_org_id, kind, role, state, offered_at, accept_due_at, finish_due_at)
       SELECT i.id, i.town_id,
         CASE WHEN i.id % 3 = 0 THEN c.id ELSE d.id END, m.id,
         CASE WHEN i.id % 3 = 0 THEN 'escalation' ELSE 'handoff' END, 'lead',
         CASE WHEN i.id % 2 = 0 THEN 'offered' ELSE 'accepted' END,
         i.reported_at, i.reported_at + interval '2 days', i.reported_at + interval '7 days'
       FROM incidents i JOIN areas t ON t.id = i.town_id
         JOIN organisations c ON c.code = 'bench-centre'
         JOIN organisations d ON d.code = 'scjgs-' || t.code
         JOIN organisations m ON m.code = 'cmd-' || t.code
       WHERE i.id % 3 <> 1`,
    );
    const handed = (await services.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM handoffs`)).rows[0]!.n;
    bench.add(
      'incidents and handoffs inserted',
      `${INCIDENTS} incidents, ${handed} handoffs, ${fmt((Date.now() - t0) / 1000)} s`,
    );

    const county = await services.auth.createAccount({
      username: 'county',
      displayName: '区中心值班员',
      password: PASSWORD,
      roles: ['operator', 'dispatcher'],
      townIds: [],
      allTowns: true,
    });
    await orgs.setMember(
      admin,
      (await orgs.list(admin)).find((o) => o.code === 'bench-centre')!.id,
      county.id,
      'intake',
    );
    const login = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'county', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const timed = async (path: string, n = 7) => {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        bytes = (await res.arrayBuffer()).byteLength;
        if (!res.ok) throw new Error(`${path}: ${res.status}`);
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      return `p50 ${fmt(percentile(times, 50), 0)} ms, max ${fmt(times[times.length - 1]!, 0)} ms, ${fmt(bytes / 1024, 0)} KiB (load ${load()})`;
    };
    bench.add(
      `county queue, first page of every open handoff of ${TOWNS} towns (GET /api/handoffs?limit=50)`,
      await timed('/api/handoffs?limit=50'),
    );
    bench.add('county queue, a deep page (offset 3,950)', await timed('/api/handoffs?limit=50&offset=3950'));
    bench.add('county queue, newest first, one town', await timed(`/api/handoffs?sort=offered&town=${towns[3]}`));
    bench.add('county queue, words searched (q=无证)', await timed(`/api/handoffs?q=${encodeURIComponent('无证')}`));
    bench.add(
      "county centre's own queue, first page (GET /api/handoffs?org=bench-centre)",
      await timed('/api/handoffs?org=bench-centre&limit=50'),
    );
    bench.add(
      `department league over ${TOWNS} towns (GET /api/stats/departments)`,
      await timed('/api/stats/departments'),
    );
    bench.add(`towns compared, ${TOWNS} towns, 30 days (GET /api/stats/towns)`, await timed('/api/stats/towns'));

    const browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      headless: true,
    });
    try {
      /**
       * ms from the login click to `drawn()` holding, in a fresh context (cold cache, new
       * session) each run; then, in the last context, reopened (the wall's browser
       * reloading it: session kept, assets cached).
       */
      const loginTo = async (hash: string, drawn: () => boolean, runs = 5) => {
        const times: number[] = [];
        const warm: number[] = [];
        let detail = '';
        for (let i = 0; i < runs; i++) {
          const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
          const page = await context.newPage();
          await page.goto(`${api.url}/${hash}`);
          await page.fill('#login-username', 'county');
          await page.fill('#login-password', PASSWORD);
          await page.evaluate(() => performance.mark('bench:click'));
          const s = Date.now();
          await page.click('#login-submit');
          await page.waitForFunction(drawn, undefined, { timeout: 60_000, polling: 'raf' });
          times.push(Date.now() - s);
          detail = await page.evaluate(() => {
            // The 县域 page marks its steps (county-page.ts, county-map.ts): where the time went.
            const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('county:'));
            const clicked = performance.getEntriesByName('bench:click')[0]?.startTime ?? 0;
            if (marks.length > 0)
              return marks.map((m) => `${m.name.slice(7)} ${Math.round(m.startTime - clicked)} ms`).join(', ');
            return `${document.querySelectorAll('#handoff-rows tr').length} rows of ${document.querySelector<HTMLElement>('#handoff-count')?.dataset['total'] ?? '?'}`;
          });
          if (i === 0 && process.env['BENCH_SCREENSHOTS'])
            await page.screenshot({
              path: `${process.env['BENCH_SCREENSHOTS']}/county${hash.replace(/\W/g, '-')}.png`,
            });
          if (i === runs - 1)
            for (let j = 0; j < 3; j++) {
              const r0 = Date.now();
              await page.reload();
              await page.waitForFunction(drawn, undefined, { timeout: 60_000, polling: 'raf' });
              warm.push(Date.now() - r0);
            }
          await context.close();
        }
        times.sort((a, b) => a - b);
        warm.sort((a, b) => a - b);
        const p50 = (list: number[]) =>
          `p50 ${fmt(percentile(list, 50), 0)} ms, max ${fmt(list[list.length - 1]!, 0)} ms`;
        return {
          cold: `${p50(times)} (${times.length} fresh contexts)`,
          warm: `${p50(warm)} (${warm.length} reloads)`,
          detail,
        };
      };
      const queue = await loginTo('#/handoffs', () => document.querySelectorAll('#handoff-rows tr').length >= 50);
      bench.add(
        'county queue page: login → first rows drawn (chromium, cold)',
        `${queue.cold}, ${queue.detail} (load ${load()})`,
      );
      bench.add('county queue page reopened → first rows drawn (warm)', `${queue.warm} (load ${load()})`);
      const county = await loginTo(
        '#/county',
        () =>
          document.querySelectorAll('#county-rows tr').length > 0 &&
          document.querySelector('#county-map[data-ready="1"]') !== null,
      );
      bench.add(
        `县域 page: login → ${TOWNS} towns compared and their map drawn (cold)`,
        `${county.cold}; last: ${county.detail} (load ${load()})`,
      );
      bench.add(`县域 page reopened → towns compared and map drawn (warm)`, `${county.warm} (load ${load()})`);
    } finally {
      await browser.close();
    }
  } finally {
    await api.close();
  }
  bench.print();
}

runBenchmark(main);
