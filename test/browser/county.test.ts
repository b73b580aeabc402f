// The county's staff in a real browser, over two towns: the 交办 queue a page at a time
// (50 rows drawn of 70, the pager, a state filter, a search and a town chosen, each asked
// of the server), then 县域: the towns side by side in a table that says what the
// statistics say, sortable, and one map over both towns, shaded, a label per town, a row
// framing its town; and 改类改级 from an incident's card, the change said in its timeline.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { handedCase, orgTown, type OrgTown } from '../helpers/orgs.js';
import { TOWN, square } from '../helpers/tiny-town.js';
import { echoPageErrors, launchBrowser, loginThroughForm, screenshotOnFailure, startWebApi } from './browser.js';

const OTHER = '990101002';
const HANDED = 70;

describe('web app: the county over several towns (queue pages, towns compared)', function () {
  this.timeout(90_000);
  let t: TestApi;
  let town: OrgTown;
  let browser: Browser;
  let page: Page | undefined;

  const text = (sel: string) => page!.textContent(sel).then((s) => s ?? '');
  const rowCount = () => page!.$$eval('#handoff-rows tr', (r) => r.length);
  const untilRows = (n: number) =>
    page!.waitForFunction((n) => document.querySelectorAll('#handoff-rows tr').length === n, n);
  const untilTotal = (n: number) =>
    page!.waitForFunction(
      (n) => document.querySelector<HTMLElement>('#handoff-count')?.dataset['total'] === String(n),
      n,
    );

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-county'), launchBrowser()]);
    town = await orgTown(t);
    const other = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: OTHER, name: '邻镇', level: 'town', parent_code: '990101', synthetic: true },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
      ],
    });
    expect(other.status, JSON.stringify(other.body)).to.be.oneOf([200, 201]);
    // HANDED cases handed to the 市场监管所 (half accepted), and 10 closed with the citizen's rating:
    // the data in bulk, what the pages make of it is what is tested.
    await t.api.services.db.query(
      `WITH g AS (SELECT gv.grid_id, gv.id AS version_id, gv.town_id, gv.village_id, ST_PointOnSurface(gv.geom) AS p,
                    row_number() OVER (ORDER BY gv.id) AS n FROM grid_versions gv WHERE gv.valid_to IS NULL)
       INSERT INTO incidents (town_id, village_id, grid_id, grid_version_id, subcategory_code, platform, severity,
         description, lon, lat, geog, source, state, level, reported_at, accept_due_at, finish_due_at,
         accepted_at, closed_at, rating)
       SELECT g.town_id, g.village_id, g.grid_id, g.version_id, 'market.unlicensed', 'shichang', 1 + i % 4,
         CASE WHEN i = 7 THEN '夜市烧烤占道' ELSE '无证经营 ' || i END, ST_X(g.p), ST_Y(g.p), g.p::geography,
         'operator', CASE WHEN i > $1 THEN 'closed' ELSE 'escalated' END::incident_state, 'town',
         now() - (i || ' minutes')::interval, now() + (i || ' hours')::interval, now() + interval '7 days',
         CASE WHEN i > $1 THEN now() END, CASE WHEN i > $1 THEN now() END, CASE WHEN i > $1 THEN 4 END
       FROM generate_series(1, $1 + 10) i JOIN g ON g.n = 1 + i % (SELECT count(*) FROM g)`,
      [HANDED],
    );
    await t.api.services.db.query(
      `INSERT INTO handoffs (incident_id, town_id, org_id, from_org_id, kind, role, state, offered_at, accept_due_at, finish_due_at)
       SELECT i.id, i.town_id, $1, $2, 'handoff', 'lead', CASE WHEN i.id % 2 = 0 THEN 'offered' ELSE 'accepted' END,
         i.reported_at, i.accept_due_at, i.finish_due_at
       FROM incidents i WHERE i.state = 'escalated'`,
      [town.org['T-scjgs'], town.org['T-cmd']],
    );
    const made = await t.admin.post('/api/accounts', {
      username: 'web-county-centre',
      displayName: '区中心值班员',
      password: 'browser-test-password',
      roles: ['operator', 'dispatcher'],
      townIds: [],
      allTowns: true,
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    await t.admin.put(`/api/organisations/${town.org['C-centre']}/members`, {
      accountId: made.body.id,
      duty: 'intake',
    });
    page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(
      page,
      t.api.url,
      { username: 'web-county-centre', password: 'browser-test-password' },
      '#/handoffs',
    );
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('draws the queue a page at a time and asks the server for every filter', async () => {
    await untilRows(50);
    await untilTotal(HANDED);
    expect(await text('#handoff-page')).to.match(/1\/2|1 of 2/);
    expect(await page!.isDisabled('#handoff-prev')).to.equal(true);
    // The first page comes by deadline: the soonest first.
    const dues = await page!.$$eval('#handoff-rows td[data-due]', (tds) => tds.map((td) => Number(td.dataset['due'])));
    expect(dues).to.deep.equal([...dues].sort((a, b) => a - b));
    await page!.click('#handoff-next');
    await untilRows(HANDED - 50);
    expect(await text('#handoff-page')).to.match(/2\/2|2 of 2/);
    expect(await page!.isDisabled('#handoff-next')).to.equal(true);
    const second = await page!.$$eval('#handoff-rows tr', (r) => r.map((x) => x.getAttribute('data-queue-handoff')));
    await page!.click('#handoff-prev');
    await untilRows(50);
    const first = await page!.$$eval('#handoff-rows tr', (r) => r.map((x) => x.getAttribute('data-queue-handoff')));
    expect(new Set([...first, ...second]).size).to.equal(HANDED);

    // A state: the server counts them.
    await page!.selectOption('#handoff-state', 'accepted');
    await untilTotal(HANDED / 2);
    expect(
      await page!.$$eval('#handoff-rows td[data-state]', (t) => [...new Set(t.map((x) => x.dataset['state']))]),
    ).to.deep.equal(['accepted']);
    await page!.selectOption('#handoff-state', '');
    await untilTotal(HANDED);
    // Words of the description.
    await page!.fill('#handoff-search', '烧烤');
    await untilTotal(1);
    expect(await text('#handoff-rows')).to.contain('夜市烧烤占道');
    await page!.fill('#handoff-search', '');
    await untilTotal(HANDED);
    // The county chooses a town: the neighbour has none.
    await page!.selectOption('#handoff-town', OTHER);
    await untilTotal(0);
    expect(await rowCount()).to.equal(0);
    await page!.selectOption('#handoff-town', TOWN);
    await untilTotal(HANDED);
    // A page's case opens with its steps.
    await page!.click('#handoff-rows tr >> nth=0');
    await page!.waitForSelector('#handoff-detail h3');
  });

  it('compares the towns in a table that says what the statistics say, on one map over both', async () => {
    await page!.click('[data-nav="county"]');
    await page!.waitForSelector('#county-rows tr[data-town]');
    const towns = await page!.$$eval('#county-rows tr[data-town]', (r) => r.map((x) => x.getAttribute('data-town')));
    expect(towns.sort()).to.deep.equal([TOWN, OTHER].sort());
    // The table as the user reads it: per town, per column.
    const table = await page!.$$eval('#county-rows tr[data-town]', (trs) =>
      Object.fromEntries(
        trs.map((tr) => [
          (tr as HTMLElement).dataset['town']!,
          Object.fromEntries(
            Array.from(tr.querySelectorAll<HTMLElement>('td[data-col]')).map((td) => [
              td.dataset['col']!,
              td.textContent,
            ]),
          ),
        ]),
      ),
    );
    // What the statistics API says of the town, the table says too.
    const api = (await t.admin.get('/api/stats/towns')).body;
    const mine = api.towns.find((x: { code: string }) => x.code === TOWN);
    expect(mine.received).to.equal(HANDED + 10);
    expect(mine.closed).to.equal(10);
    expect(mine.satisfaction).to.equal(4);
    expect(mine.handoffs).to.equal(HANDED);
    expect(table[TOWN]!['received']).to.equal(String(HANDED + 10));
    expect(table[TOWN]!['closed']).to.equal('10');
    expect(table[TOWN]!['closureRate']).to.equal(`${((10 / (HANDED + 10)) * 100).toFixed(1)}%`);
    expect(table[TOWN]!['satisfaction']).to.equal('4.00');
    expect(table[OTHER]!['received']).to.equal('0');
    expect(table[OTHER]!['satisfaction']).to.equal('—');
    // Sorted by reports, most first; a click on the header turns it round.
    expect(towns.length).to.equal(2);
    const order = () => page!.$$eval('#county-rows tr[data-town]', (r) => r.map((x) => x.getAttribute('data-town')));
    expect(await order()).to.deep.equal([TOWN, OTHER]);
    await page!.click('th[data-sort="received"]');
    expect(await order()).to.deep.equal([OTHER, TOWN]);

    // One map over both towns, drawn from the tiles, a label per town.
    await page!.waitForSelector('#county-map[data-ready="1"]', { timeout: 20_000 });
    type CountyMap = {
      queryRenderedFeatures(o: unknown): unknown[];
      getFeatureState(f: unknown): { shade?: number; selected?: boolean };
    };
    const drawn = await page!.evaluate(
      () =>
        (window as unknown as { __wg: { countyMap: CountyMap } }).__wg.countyMap.queryRenderedFeatures({
          layers: ['towns-line'],
        }).length,
    );
    expect(drawn).to.be.greaterThan(0);
    // Each town shaded by the measure (0 good … 1 bad); a town without a value is not.
    const shades = await page!.evaluate(
      ([a, b]) => {
        const map = (window as unknown as { __wg: { countyMap: CountyMap } }).__wg.countyMap;
        return [a, b].map((id) => map.getFeatureState({ source: 'base', sourceLayer: 'towns', id }).shade);
      },
      [mine.id, api.towns.find((x: { code: string }) => x.code === OTHER).id],
    );
    expect(shades[0]).to.be.within(0, 1);
    expect(shades[1]).to.equal(-1);
    expect((await page!.$$('[data-town-label]')).length).to.equal(2);
    expect(await text(`[data-town-label="${TOWN}"]`)).to.contain('12.5%');
    await page!.selectOption('#county-measure', 'satisfaction');
    expect(await text(`[data-town-label="${TOWN}"]`)).to.contain('4.00');
    // A row frames its town and marks it.
    await page!.click(`#county-rows tr[data-town="${OTHER}"]`);
    await page!.waitForSelector(`#county-rows tr.selected[data-town="${OTHER}"]`);
  });

  it('reclassifies and regrades from the incident card, the change said in the timeline', async () => {
    const { rows } = await t.api.services.db.query<{ id: number; severity: number }>(
      `SELECT id, severity FROM incidents WHERE description = '夜市烧烤占道'`,
    );
    const { id, severity } = rows[0]!;
    await page!.goto(`${t.api.url}/#/dispatch?incident=${id}`);
    await page!.waitForSelector('#card-state');
    await page!.click('#reclassify-open');
    await page!.selectOption('#reclassify-platform', 'zhifa');
    await page!.waitForSelector('#reclassify-subcategory option[value="environment.garbage"]', { state: 'attached' });
    await page!.selectOption('#reclassify-subcategory', 'environment.garbage');
    const to = severity === 4 ? 2 : 4;
    await page!.selectOption('#reclassify-severity', String(to));
    await page!.fill('#reclassify-note', '实为占道堆放');
    await page!.click('#reclassify-confirm');
    const said = await page!.waitForSelector('#timeline [data-reclassified]');
    expect(await said.textContent()).to.match(new RegExp(`→ .*（综合执法）.*${severity} → ${to}`));
    expect(await text('#incident-card')).to.contain('实为占道堆放');
    expect(await text('#incident-card .card-title .sev')).to.equal(String(to));
    const stored = (await t.admin.get(`/api/incidents/${id}`)).body.incident;
    expect([stored.subcategoryCode, stored.platform, stored.severity]).to.deep.equal([
      'environment.garbage',
      'zhifa',
      to,
    ]);
  });

  it("hears every town's new cases live, whichever town the top bar shows", async () => {
    type Stream = { state: string; received: number };
    const stream = () =>
      page!.evaluate(() => {
        const s = (window as unknown as { __wg: { everyTown: Stream } }).__wg.everyTown;
        return { state: s.state, received: s.received };
      });
    /** Once the county stream is open, what is reported next comes on it; its events so far. */
    const streamOpen = async () => {
      await page!.waitForFunction(
        () => (window as unknown as { __wg: { everyTown?: Stream } }).__wg.everyTown?.state === 'open',
      );
      return (await stream()).received;
    };
    // The top bar on the neighbour: its stream carries no case of the tiny town.
    await page!.goto(`${t.api.url}/#/handoffs`);
    await page!.waitForSelector('#town-select');
    await Promise.all([page!.waitForEvent('load'), page!.selectOption('#town-select', OTHER)]);
    await page!.waitForSelector('#handoff-count[data-total]');
    let heard = await streamOpen();
    const before = Number(await page!.getAttribute('#handoff-count', 'data-total'));
    // Other subcategories than the cases above: intake would merge a report into them.
    const reported = (subcategory: string, col: number) =>
      handedCase(town, { subcategory, description: `实时 ${col}`, col });
    // The queue over all towns counts the tiny town's new case, brought by the stream.
    await reported('market.food', 0);
    await untilTotal(before + 1);
    expect((await stream()).received, 'events of the tiny town on the county stream').to.be.greaterThan(heard);
    // 县域 asks for its figures again: one more report in the tiny town.
    await page!.click('[data-nav="county"]');
    const cell = `#county-rows tr[data-town="${TOWN}"] td[data-col="received"]`;
    await page!.waitForSelector(cell);
    heard = await streamOpen();
    const received = Number(await text(cell));
    await reported('market.prices', 2);
    await page!.waitForFunction(
      ([sel, n]) => document.querySelector(sel as string)?.textContent === String(n),
      [cell, received + 1] as const,
      { timeout: 15_000 },
    );
    expect((await stream()).received).to.be.greaterThan(heard);
  });

  it('opens 县域 on a later visit when its figures were unavailable at the first', async () => {
    // PostgreSQL restarting, say: the first answer is a 503.
    let refused = 0;
    await page!.route('**/api/stats/towns*', async (route) => {
      if (refused++ === 0)
        return route.fulfill({
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': '1' },
          body: JSON.stringify({ error: { code: 'unavailable', message: 'PostgreSQL is restarting' } }),
        });
      return route.continue();
    });
    await page!.goto(`${t.api.url}/#/handoffs`);
    await page!.reload(); // a fresh app: 县域 not built yet
    await page!.waitForSelector('#handoff-count[data-total]');
    await page!.click('[data-nav="county"]');
    await page!.waitForSelector('.toast >> text=PostgreSQL is restarting');
    expect(await page!.$$('#county-rows tr[data-town]')).to.have.length(0);
    // Elsewhere and back: the page is built again, with its figures.
    await page!.click('[data-nav="handoffs"]');
    await page!.click('[data-nav="county"]');
    await page!.waitForSelector(`#county-rows tr[data-town="${TOWN}"]`);
    expect(refused).to.equal(2);
    await page!.unroute('**/api/stats/towns*');
  });
});
