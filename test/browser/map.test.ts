// The command room in a real browser: log in, see the role's pages, the town's grids
// from the vector tiles, gridworkers moving live through the push stream, grids shaded
// by yellow cards (given by the real deadline sweep), the incident state filter.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';
import { TOWN } from '../helpers/tiny-town.js';
import { sleep } from '../helpers/system.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  startDroppableProxy,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
  waitInPage,
} from './browser.js';

const DAY = 86_400_000;

/** What a grid shows on the map: its rendered feature's state (cards, flag, load). */
interface GridLook {
  cards?: number;
  flagged?: boolean;
  load?: number;
}
type MapHandle = {
  map: {
    queryRenderedFeatures(o: unknown): { id?: number; properties: Record<string, unknown>; state: GridLook }[];
    getPaintProperty(l: string, p: string): unknown;
    getLayer(l: string): unknown;
    project(p: [number, number]): { x: number; y: number };
  };
};

describe('web app: log in, the map, live gridworkers', function () {
  this.timeout(60_000);
  let t: TestApi;
  let dispatcher: HttpClient;
  let incidentId: number;
  let town: TinyTownWithPeople;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let proxy: Awaited<ReturnType<typeof startDroppableProxy>> | undefined;

  before(async () => {
    // Two cards flag a grid: one missed accept and one missed finish of a single incident.
    [t, browser] = await Promise.all([startWebApi('web-map', { YELLOW_CARDS_TO_FLAG: '2' }), launchBrowser()]);
    town = await tinyTownWithPeople(t, 3);
    dispatcher = await t.login(['dispatcher', 'operator'], [town.townId]);
    const now = Math.floor(Date.now() / 1000);
    for (const [i, phone] of town.phones.entries()) {
      const p = inGrid(i, 0);
      const res = await town.osmand({ id: phone.identifier, lat: p.lat, lon: p.lon, timestamp: now - 600 });
      expect(res.status).to.equal(200);
    }
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    page = await context.newPage();
    echoPageErrors(page);
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await proxy?.close();
    await browser?.close();
    await t?.close();
  });

  it('refuses a wrong password, then logs in and shows only the pages of the role', async () => {
    const operator = await createAccount(t, ['operator'], [town.townId]);
    await page.goto(t.api.url);
    await page.fill('#login-username', operator.username);
    await page.fill('#login-password', 'wrong-password');
    await page.click('#login-submit');
    await page.waitForFunction(() => document.querySelector('#login-error')?.textContent?.includes('不正确'));
    await loginThroughForm(page, t.api.url, operator);
    const nav = await page.$$eval('.topbar nav a', (as) => as.map((a) => a.getAttribute('data-nav')));
    expect(nav).to.include.members(['map', 'video', 'dispatch']);
    expect(nav).to.not.include('plan');
    expect(nav).to.not.include('install');
    expect(await page.textContent('#town-select option:checked')).to.equal('测试镇');
  });

  it('serves the page uncached and its hashed assets for good', async () => {
    const index = await fetch(`${t.api.url}/`);
    expect(index.headers.get('cache-control')).to.equal('no-cache');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())![1]!;
    expect((await fetch(`${t.api.url}${asset}`)).headers.get('cache-control')).to.contain('immutable');
  });

  it("draws the town's grids from the vector tiles", async () => {
    const codes = await waitInPage(
      page,
      () => {
        const map = (
          window as unknown as {
            __wg?: {
              map?: { queryRenderedFeatures(o: unknown): { properties: { code: string } }[]; loaded(): boolean };
            };
          }
        ).__wg?.map;
        if (!map) return null;
        const codes = [
          ...new Set(map.queryRenderedFeatures({ layers: ['grids-fill'] }).map((f) => f.properties.code)),
        ].sort();
        return codes.length === 9 ? codes : null;
      },
      15_000,
    );
    expect(codes).to.deep.equal(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9']);
    const villages = await page.$$eval('.village-label', (els) => els.map((e) => e.textContent));
    expect(villages).to.include.members(['西村', '东村']);
  });

  it('shows the gridworkers on duty and moves one when its phone reports (push stream)', async () => {
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
    const countOf = () =>
      waitInPage(page, () => {
        const map = (window as unknown as { __wg: { map: { querySourceFeatures(s: string): unknown[] } } }).__wg.map;
        return map.querySourceFeatures('workers').length >= 3 ? map.querySourceFeatures('workers').length : null;
      });
    expect(await countOf()).to.be.at.least(3);
    const target = inGrid(1, 2);
    const res = await town.osmand({
      id: town.phones[0]!.identifier,
      lat: target.lat,
      lon: target.lon,
      timestamp: Math.floor(Date.now() / 1000),
    });
    expect(res.status).to.equal(200);
    const moved = await waitInPage(page, () => {
      const w = (
        window as unknown as {
          __wg: { workers: { workers: Map<number, { lon: number; lat: number; gridCode: string }> } };
        }
      ).__wg.workers;
      const first = [...w.workers.values()].sort((a, b) => a.lon - b.lon).find((x) => x.gridCode === 'T8');
      return first ? first.gridCode : null;
    });
    expect(moved).to.equal('T8');
  });

  it('opens a grid card on click, finds a grid by code, and shows coordinates in GCJ-02', async () => {
    const point = await page.evaluate(() => {
      const map = (window as unknown as { __wg: { map: { project(p: [number, number]): { x: number; y: number } } } })
        .__wg.map;
      return map.project([120.025, 30.015]);
    });
    const box = (await page.$('#main-map'))!;
    const origin = (await box.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.waitForSelector('[data-card="grid"]');
    expect(await page.textContent('[data-card="grid"] .card-title')).to.contain('T6');
    await page.fill('#map-search', 't5');
    await page.waitForSelector('#search-results li');
    expect(await page.textContent('#search-results li')).to.contain('测试网格5');
    await page.mouse.move(origin.x + point.x, origin.y + point.y);
    const wgs = await page.textContent('#cursor-coords');
    expect(wgs).to.contain('WGS-84');
    await page.click('#crs-toggle');
    const gcj = await page.textContent('#cursor-coords');
    expect(gcj).to.contain('GCJ-02');
    expect(gcj).to.not.equal(wgs);
  });

  /** Waits until the grid with this code is rendered with this yellow-card state (none = 0, not flagged). */
  async function gridLook(code: string, want: { cards: number; flagged: boolean }): Promise<GridLook> {
    const handle = await page.waitForFunction(
      ({ code, want }) => {
        const map = (window as unknown as { __wg: MapHandle }).__wg.map;
        const f = map.queryRenderedFeatures({ layers: ['grids-fill'] }).find((x) => x.properties['code'] === code);
        return f && (f.state.cards ?? 0) === want.cards && (f.state.flagged ?? false) === want.flagged ? f.state : null;
      },
      { code, want },
      { polling: 100 },
    );
    return (await handle.jsonValue()) as GridLook;
  }

  /** Clicks the map at a point, a popup shown before closed first. */
  async function clickMap(p: Page, at: { lon: number; lat: number }): Promise<void> {
    await p.evaluate(() => (document.querySelector('.maplibregl-popup-close-button') as HTMLElement | null)?.click());
    const point = await p.evaluate(
      (ll) => (window as unknown as { __wg: MapHandle }).__wg.map.project([ll.lon, ll.lat]),
      at,
    );
    const origin = (await (await p.$('#main-map'))!.boundingBox())!;
    await p.mouse.click(origin.x + point.x, origin.y + point.y);
  }

  it('shades a grid by its yellow cards when the sweep gives one, live, and says so on its card', async () => {
    const res = await dispatcher.post('/api/incidents', {
      subcategory: 'environment.garbage',
      description: '桥下垃圾',
      ...inGrid(1, 1),
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    incidentId = res.body.incident.id;
    await page.check('input[name="grid-shading"][value="cards"]');
    const fill = JSON.stringify(
      await page.evaluate(() =>
        (window as unknown as { __wg: MapHandle }).__wg.map.getPaintProperty('grids-fill', 'fill-color'),
      ),
    );
    expect(fill).to.contain('"cards"');
    await gridLook('T5', { cards: 0, flagged: false });
    // Nobody accepted within two days: the real sweep, told it is three days later, gives a card.
    expect(await t.api.services.incidents.deadlines.sweep(new Date(Date.now() + 3 * DAY))).to.equal(1);
    expect(await gridLook('T5', { cards: 1, flagged: false })).to.deep.include({ cards: 1, flagged: false });
    await gridLook('T4', { cards: 0, flagged: false });
    await clickMap(page, inGrid(1, 1, 0.003, -0.003));
    await page.waitForSelector('[data-card="grid"]');
    expect(await page.textContent('[data-card="grid"] .card-title')).to.contain('T5');
    expect(await page.textContent('[data-card="grid"] [data-row="yellow-cards"]')).to.equal('黄牌1');
    // An operator may open the wall: the card offers 看这里.
    expect(await page.$('[data-card="grid"] [data-action="look-here"]')).to.not.equal(null);
    expect(await page.textContent('#map-legend')).to.contain('黄牌');
  });

  it('flags the grid when it reaches the limit: red outline, 约谈 on its card, kept after a reload', async () => {
    expect(await t.api.services.incidents.deadlines.sweep(new Date(Date.now() + 8 * DAY))).to.equal(1);
    expect(await gridLook('T5', { cards: 2, flagged: true })).to.deep.include({ cards: 2, flagged: true });
    await clickMap(page, inGrid(1, 1, 0.003, -0.003));
    await page.waitForFunction(
      () => document.querySelector('[data-card="grid"] [data-row="yellow-cards"]')?.textContent === '黄牌2 · 已约谈',
    );
    // Loaded from the league, not only from the push stream; the shading choice is kept.
    await page.reload();
    await page.waitForSelector('input[name="grid-shading"][value="cards"]:checked');
    expect(await gridLook('T5', { cards: 2, flagged: true })).to.deep.include({ cards: 2, flagged: true });
  });

  it('lists every open state in the legend and hides the incidents of a state unticked', async () => {
    const states = await page.$$eval('#state-filter input[data-state]', (els) =>
      els.map((e) => e.getAttribute('data-state')),
    );
    expect(states).to.have.members([
      'reported',
      'dispatched',
      'accepted',
      'in_progress',
      'handled',
      'verified',
      'escalated',
      'returned',
    ]);
    const shown = (visible: boolean) =>
      page.waitForFunction(
        ({ id, visible }) => {
          const map = (window as unknown as { __wg: MapHandle }).__wg.map;
          return (
            map.queryRenderedFeatures({ layers: ['incidents-dot'] }).some((f) => f.properties['id'] === id) === visible
          );
        },
        { id: incidentId, visible },
        { polling: 100 },
      );
    await shown(true);
    const state = (await dispatcher.get(`/api/incidents/${incidentId}`)).body.incident.state as string;
    await page.uncheck(`#state-filter input[data-state="${state}"]`);
    await shown(false);
    await page.check(`#state-filter input[data-state="${state}"]`);
    await shown(true);
  });

  it('offers no video buttons to a planner (看这里, 上墙观看)', async () => {
    const planner = await createAccount(t, ['planner'], [town.townId]);
    const other = await (
      await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    ).newPage();
    echoPageErrors(other);
    try {
      await loginThroughForm(other, t.api.url, planner, '#/map');
      await other.waitForFunction(() => {
        const map = (window as unknown as { __wg?: Partial<MapHandle> }).__wg?.map;
        return (
          map?.getLayer('grids-fill') &&
          map.queryRenderedFeatures({ layers: ['grids-fill'] }).some((f) => f.properties['code'] === 'T6')
        );
      });
      await clickMap(other, inGrid(2, 1, 0.003, 0.003));
      await other.waitForSelector('[data-card="grid"]');
      expect(await other.textContent('[data-card="grid"] .card-title')).to.contain('T6');
      expect(await other.$('[data-card="grid"] [data-action="look-here"]')).to.equal(null);
      expect(await other.$('[data-card="grid"] [data-action="report"]')).to.equal(null);
    } finally {
      await other.context().close();
    }
  });

  it('sounds once with one toast for a burst of new incidents, not once each', async () => {
    type Sounds = { __wg: { dispatch: { chimes(): number } } };
    const before = await page.evaluate(() => (window as unknown as Sounds).__wg.dispatch.chimes());
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        dispatcher.post('/api/incidents', {
          subcategory: 'services.streetlight',
          description: `路灯不亮 ${i}`,
          ...inGrid(i % 3, 2, 0, (i - 3) * 0.002),
        }),
      ),
    );
    expect(made.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201, 201]);
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('#toasts > *')).some((el) => /新事件.*起/.test(el.textContent ?? '')),
      undefined,
      { timeout: 10_000 },
    );
    await sleep(1000);
    const after = await page.evaluate(() => (window as unknown as Sounds).__wg.dispatch.chimes());
    expect(after - before, 'chimes for six incidents arriving together').to.be.within(1, 2);
  });

  it('takes an incident card straight to its dispatch card', async () => {
    await clickMap(page, inGrid(1, 1));
    await page.waitForSelector('[data-card="incident"]');
    await page.click('[data-card="incident"] [data-action="open-incident"]');
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      incidentId,
    );
    await page.evaluate(() => (location.hash = '#/map'));
  });

  it('redraws grids a planner has just published, without a reload', async () => {
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
    const nameOfT9 = () =>
      page.evaluate(
        () =>
          (window as unknown as { __wg: MapHandle }).__wg.map
            .queryRenderedFeatures({ layers: ['grids-fill'] })
            .find((f) => f.properties['code'] === 'T9')?.properties['name'],
      );
    expect(await nameOfT9()).to.equal('测试网格9');
    const plan = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'rename T9' })).body.id as number;
    expect((await t.admin.patch(`/api/plans/${plan}/grids/T9`, { name: '东村北片' })).status).to.equal(200);
    expect((await t.admin.post(`/api/plans/${plan}/publish`)).status).to.equal(200);
    await page.waitForFunction(
      () =>
        (window as unknown as { __wg: MapHandle }).__wg.map
          .queryRenderedFeatures({ layers: ['grids-fill'] })
          .some((f) => f.properties['code'] === 'T9' && f.properties['name'] === '东村北片'),
      undefined,
      { timeout: 10_000 },
    );
    // The search index follows too.
    await page.fill('#map-search', '东村北片');
    await page.waitForFunction(() => document.querySelector('#search-results')?.textContent?.includes('T9'));
  });

  it('shows what happened before a slow push stream opened: the roster and the cameras load again', async () => {
    // A placed camera, shown on the map until it is retired.
    const sealed = t.api.services.box.seal('camera-password');
    const { rows } = await t.api.services.db.query<{ id: number }>(
      `INSERT INTO cameras (town_id, name, host, port, username, password_enc) VALUES ($1, '晚开摄像机', '127.0.0.1', 9, 'admin', $2) RETURNING id`,
      [town.townId, sealed],
    );
    const cameraId = rows[0]!.id;
    const placed = await t.admin.put(`/api/cameras/${cameraId}/placement`, { ...inGrid(0, 1), rangeM: 200 });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
    // The push stream is held back until the test lets it through (a slow network, a busy proxy).
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    await page.route(/\/api\/live\?/, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${t.api.url}/#/map`);
      await page.reload();
      const counts = () => page.textContent('#map-counts');
      await page.waitForFunction(() =>
        /摄像机 \d+ · 在岗网格员 [3-9]/.test(document.querySelector('#map-counts')?.textContent ?? ''),
      );
      expect(await counts()).to.contain('摄像机 1');
      expect(await page.getAttribute('#live-state', 'data-state')).to.equal('connecting');
      // Meanwhile a phone moves to T7 and the camera is retired: the stream carries neither.
      const target = inGrid(0, 2);
      const fix = await town.osmand({
        id: town.phones[2]!.identifier,
        lat: target.lat,
        lon: target.lon,
        timestamp: Math.floor(Date.now() / 1000),
      });
      expect(fix.status).to.equal(200);
      expect((await t.admin.delete(`/api/cameras/${cameraId}`)).status).to.equal(204);
      open();
      await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
      const moved = await waitInPage(page, () => {
        const w = (window as unknown as { __wg: { workers: { workers: Map<number, { gridCode: string }> } } }).__wg
          .workers;
        return [...w.workers.values()].some((x) => x.gridCode === 'T7') || null;
      });
      expect(moved).to.equal(true);
      await page.waitForFunction(() => document.querySelector('#map-counts')?.textContent?.includes('摄像机 0'));
    } finally {
      open();
      await page.unroute(/\/api\/live\?/);
    }
  });

  it('comes back live by itself after the connection drops', async () => {
    proxy = await startDroppableProxy(t.api.url);
    // The same session through a proxy whose connections the test can cut.
    const token = await page.evaluate(() => localStorage.getItem('wg.token') ?? '');
    await page.goto(`${proxy.url}/#/map`);
    await page.evaluate((tk) => localStorage.setItem('wg.token', tk), token);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
    await page.waitForFunction(() => (window as unknown as { __wg?: { workers?: unknown } }).__wg?.workers);
    proxy.dropAll();
    await page.waitForFunction(
      () => document.querySelector('#live-state')?.getAttribute('data-state') !== 'open',
      undefined,
      { timeout: 5000 },
    );
    await page.waitForFunction(
      () => document.querySelector('#live-state')?.getAttribute('data-state') === 'open',
      undefined,
      { timeout: 15_000 },
    );
    const target = inGrid(2, 2);
    await town.osmand({
      id: town.phones[1]!.identifier,
      lat: target.lat,
      lon: target.lon,
      timestamp: Math.floor(Date.now() / 1000),
    });
    const seen = await waitInPage(page, () => {
      const w = (window as unknown as { __wg: { workers: { workers: Map<number, { gridCode: string }> } } }).__wg
        .workers;
      return [...w.workers.values()].some((x) => x.gridCode === 'T9') || null;
    });
    expect(seen).to.equal(true);
  });
});
