// Grid planning in a real browser: a grid reshaped into an overlap is refused with
// the overlap drawn; moved back (snapping to the neighbour's vertex) it validates;
// a merge publishes and the published map answers with the merged grid; a deletion
// is validated at once (the gap listed and drawn), and the compare view draws the
// removed grid and flies to each grid of the diff. A vertex dragged near the middle of
// a neighbour's edge snaps onto it (the neighbour gets the vertex too) and validates;
// 撤销 / Ctrl+Z take back a reshape, a deletion, a merge and a split; an edit whose
// grids another tab changed since is not undone but dropped, and the older edit is next.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { tinyTownWithPeople } from '../helpers/roster.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
  waitInPage,
} from './browser.js';

type MapHandle = {
  project(p: [number, number]): { x: number; y: number };
  queryRenderedFeatures(a: unknown, b?: unknown): { properties: Record<string, unknown> }[];
  loaded(): boolean;
  getCenter(): { lng: number; lat: number };
  jumpTo(o: unknown): void;
};
type DrawHandle = { edited(): { coordinates: number[][][] } | null };

describe('web app: grid planning', function () {
  this.timeout(60_000);
  let t: TestApi;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-plan'), launchBrowser()]);
    const town = await tinyTownWithPeople(t, 1);
    const planner = await createAccount(t, ['planner'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, planner, '#/plan');
    page.on('dialog', (d) => void d.accept());
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Page coordinates of a lon/lat on the planning map. */
  async function at(lon: number, lat: number): Promise<{ x: number; y: number }> {
    const p = await page.evaluate(
      ([x, y]) => (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.project([x!, y!]),
      [lon, lat],
    );
    const box = (await (await page.$('#plan-map'))!.boundingBox())!;
    return { x: box.x + p.x, y: box.y + p.y };
  }

  async function drag(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 6 });
    await page.mouse.move(to.x, to.y, { steps: 6 });
    await page.mouse.up();
  }

  type Feature = {
    properties: { code: string; name: string; village_code: string };
    geometry: { type: string; coordinates: number[][][][] };
  };
  async function draftGrids(planId: number): Promise<Map<string, Feature>> {
    const res = await t.admin.get(`/api/plans/${planId}/grids`);
    expect(res.status).to.equal(200);
    return new Map((res.body as { features: Feature[] }).features.map((f) => [f.properties.code, f]));
  }
  const shownPlanId = async () => Number(/#(\d+)/.exec((await page.textContent('#plan-summary'))!)![1]);
  /**
   * Waits until the summary says exactly `grids` grids (not a digit of the plan id),
   * and, given `notPlan`, of another plan than that one.
   */
  const summaryShows = (grids: number, notPlan = -1) =>
    page.waitForFunction(
      ([n, not]) => {
        const m = /#(\d+) · (\d+) /.exec(document.querySelector('#plan-summary')?.textContent ?? '');
        return !!m && Number(m[2]) === n && Number(m[1]) !== not;
      },
      [grids, notPlan] as const,
      { timeout: 10_000 },
    );
  /** Ctrl+Z on the map, once the page takes it (no edit or undo still running). */
  const undoKey = async () => {
    await page.waitForFunction(() => !(document.querySelector('#plan-undo') as HTMLButtonElement | null)?.disabled);
    await page.keyboard.press('Control+z');
  };
  const fitGrids = () =>
    page.evaluate(() =>
      (window as unknown as { __wg: { planMap: { fitBounds(b: number[], o: unknown): void } } }).__wg.planMap.fitBounds(
        [120, 30, 120.03, 30.03],
        { duration: 0, padding: 30 },
      ),
    );
  /** The outer ring's vertices of a (Multi)Polygon grid, as "x,y" with 7 decimals. */
  const ringOf = (f: Feature) => f.geometry.coordinates[0]![0]!.map(([x, y]) => `${x!.toFixed(7)},${y!.toFixed(7)}`);
  const validated = () =>
    page.waitForFunction(
      () => document.querySelector('#validate-result')?.textContent?.includes('检查通过'),
      undefined,
      { timeout: 10_000 },
    );

  const drawnCount = (layer: string) =>
    page.evaluate(
      (l) =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.queryRenderedFeatures({ layers: [l] })
          .length,
      layer,
    );

  it('starts a draft of the town and draws its grids', async () => {
    await page.waitForSelector('#plan-new');
    await page.click('#plan-new');
    await summaryShows(9);
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.queryRenderedFeatures({
          layers: ['draft-fill'],
        }).length >= 9 || null,
    );
  });

  it('refuses to publish a grid reshaped into an overlap, and draws the overlap', async () => {
    await page.click('[data-tool="reshape"]');
    const centre = await at(120.015, 30.015);
    await page.mouse.click(centre.x, centre.y);
    await page.waitForSelector('#reshape-save');
    await drag(await at(120.02, 30.02), await at(120.026, 30.02));
    await page.click('#reshape-save');
    await page.waitForSelector('#issues li[data-kind="overlap"]', { timeout: 10_000 });
    expect(await drawnCount('issues-fill')).to.be.greaterThan(0);
    await page.click('#plan-publish');
    await page.waitForSelector('#publish-refused');
    expect(await page.textContent('#issues')).to.contain('T6');
    await page.click('#issues li[data-kind="overlap"]');
  });

  it("validates once the vertex is moved back, snapping onto the neighbour's corner", async () => {
    await page.click('[data-tool="reshape"]');
    await page.evaluate(() =>
      (window as unknown as { __wg: { planMap: { fitBounds(b: number[], o: unknown): void } } }).__wg.planMap.fitBounds(
        [120, 30, 120.03, 30.03],
        { duration: 0, padding: 30 },
      ),
    );
    const centre = await at(120.014, 30.014);
    await page.mouse.click(centre.x, centre.y);
    await page.waitForSelector('#reshape-save');
    const near = await at(120.02, 30.02);
    await drag(await at(120.026, 30.02), { x: near.x + 4, y: near.y - 3 });
    await page.click('#reshape-save');
    await page.waitForFunction(
      () => document.querySelector('#validate-result')?.textContent?.includes('检查通过'),
      undefined,
      { timeout: 10_000 },
    );
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.queryRenderedFeatures({
          layers: ['issues-fill'],
        }).length === 0 || null,
    );
    expect(await page.textContent('#plan-diff')).to.contain('未变 9');
  });

  it('merges two grids and publishes the valid draft', async () => {
    await mergeAt([120.015, 30.025], [120.025, 30.025]); // T8 + T9
    await summaryShows(8);
    expect(await page.textContent('#plan-diff')).to.contain('T9');
    await page.click('#plan-publish');
    await page.waitForSelector('#publish-ok', { timeout: 15_000 });
    const res = await t.admin.get('/api/grids/at?lon=120.025&lat=30.025');
    expect(res.body.code).to.equal('T8');
  });

  it('validates at once after a deletion: the gap it leaves is listed and drawn', async () => {
    // (Published, the last draft is no longer shown: any plan with 8 grids is the new one.)
    await page.click('#plan-new');
    await summaryShows(8);
    // A fresh draft of the published grids is checked on opening.
    await page.waitForFunction(() => document.querySelector('#validate-result')?.textContent?.includes('检查通过'));
    await page.evaluate(() =>
      (window as unknown as { __wg: { planMap: { fitBounds(b: number[], o: unknown): void } } }).__wg.planMap.fitBounds(
        [120, 30, 120.03, 30.03],
        { duration: 0, padding: 30 },
      ),
    );
    await page.click('[data-tool="delete"]');
    const t1 = await at(120.005, 30.005);
    await page.mouse.click(t1.x, t1.y);
    await summaryShows(7);
    await page.waitForSelector('#issues li[data-kind="gap"]');
    expect(await page.textContent('#validate-result')).to.contain('个错误');
    expect(await page.textContent('#issues li[data-kind="gap"]')).to.match(/T2|T4/);
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap
          .queryRenderedFeatures({ layers: ['issues-fill'] })
          .some((f) => f.properties['kind'] === 'gap') || null,
    );
  });

  /** Merges the grids under these points with the merge tool, and saves. */
  async function mergeAt(...points: [number, number][]): Promise<void> {
    await page.click('[data-tool="merge"]');
    for (const [lon, lat] of points) {
      const p = await at(lon, lat);
      await page.mouse.click(p.x, p.y);
    }
    await page.waitForSelector('#merge-save');
    await page.click('#merge-save');
  }

  /** Splits the middle column's grid at this latitude with a line from west to east, and saves. */
  async function splitAcross(lat: number): Promise<void> {
    await page.click('[data-tool="split"]');
    const grid = await at(120.015, lat);
    await page.mouse.click(grid.x, grid.y);
    // Clicking the line's last point again finishes it.
    const [a, b] = [await at(120.007, lat), await at(120.023, lat)];
    await page.mouse.click(a.x, a.y);
    await page.waitForTimeout(300);
    await page.mouse.click(b.x, b.y);
    await page.waitForTimeout(300);
    await page.mouse.click(b.x, b.y);
    await page.waitForSelector('#split-save');
    await page.click('#split-save');
  }

  it('validates at once after a split: both parts now border the gap', async () => {
    await splitAcross(30.005); // T2
    await summaryShows(8);
    await page.waitForFunction(() =>
      document.querySelector('#issues li[data-kind="gap"]')?.textContent?.includes('T2B'),
    );
    expect(await page.textContent('#validate-result')).to.contain('个错误');
  });

  it('compares with the published grids: the removed grid is drawn, and a diff row flies to its grid', async () => {
    const row = await page.waitForSelector('#plan-diff [data-diff="removed"][data-code="T1"]');
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap
          .queryRenderedFeatures({ layers: ['removed-fill'] })
          .some((f) => f.properties['code'] === 'T1') || null,
    );
    // Away to the far corner, close in: T1 is off the screen.
    await page.evaluate(() =>
      (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.jumpTo({
        center: [120.028, 30.028],
        zoom: 17,
      }),
    );
    expect(await drawnCount('removed-fill')).to.equal(0);
    await row.click();
    const centre = await waitInPage(page, () => {
      const map = (window as unknown as { __wg: { planMap: MapHandle & { isMoving(): boolean } } }).__wg.planMap;
      const c = map.getCenter();
      return !map.isMoving() && c.lng > 120 && c.lng < 120.01 && c.lat > 30 && c.lat < 30.01 ? c : null;
    });
    expect(centre!.lng).to.be.closeTo(120.005, 0.001);
    expect(centre!.lat).to.be.closeTo(30.005, 0.001);
    expect(await drawnCount('removed-fill')).to.be.greaterThan(0);
    // Unticking the published grids hides the removed one too.
    await page.click('#plan-compare');
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.queryRenderedFeatures({
          layers: ['removed-fill'],
        }).length === 0 || null,
    );
    await page.click('#plan-compare');
  });

  it('reshapes the clicked part of a MultiPolygon grid and keeps its other part', async () => {
    const planId = Number(/#(\d+)/.exec((await page.textContent('#plan-summary'))!)![1]);
    // T7 gets a second part inside the gap T1 left.
    const island = [
      [120.002, 30.002],
      [120.004, 30.002],
      [120.004, 30.004],
      [120.002, 30.004],
      [120.002, 30.002],
    ];
    const t7 = [
      [120, 30.02],
      [120.01, 30.02],
      [120.01, 30.03],
      [120, 30.03],
      [120, 30.02],
    ];
    const res = await t.admin.patch(`/api/plans/${planId}/grids/T7`, {
      geometry: { type: 'MultiPolygon', coordinates: [[t7], [island]] },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    await page.evaluate(() =>
      (window as unknown as { __wg: { planMap: { fitBounds(b: number[], o: unknown): void } } }).__wg.planMap.fitBounds(
        [120, 30, 120.01, 30.01],
        { duration: 0, padding: 30 },
      ),
    );
    await page.selectOption('#plan-select', String(planId));
    // The draft read again (T7 was drawn before too): its new island part is drawn, and
    // the reload's reset of the tool is over before the reshape tool is picked.
    await waitInPage(page, () => {
      const map = (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap;
      return (
        map
          .queryRenderedFeatures(map.project([120.003, 30.003]), { layers: ['draft-fill'] })
          .some((f) => f.properties['code'] === 'T7') || null
      );
    });
    await page.click('[data-tool="reshape"]');
    const inside = await at(120.0025, 30.0025);
    await page.mouse.click(inside.x, inside.y);
    await page.waitForSelector('#reshape-save');
    expect(await page.textContent('#plan-form')).to.contain('第2部分 / 2');
    await drag(await at(120.004, 30.004), await at(120.006, 30.006));
    await page.click('#reshape-save');
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('形状已保存'));
    const grids = (await t.admin.get(`/api/plans/${planId}/grids`)).body as {
      features: { properties: { code: string }; geometry: { type: string; coordinates: number[][][][] } }[];
    };
    const g = grids.features.find((f) => f.properties.code === 'T7')!.geometry;
    expect(g.type).to.equal('MultiPolygon');
    expect(g.coordinates).to.have.length(2);
    const flat = g.coordinates.map((part) => part[0]!.map(([x, y]) => `${x!.toFixed(4)},${y!.toFixed(4)}`));
    expect(flat[0], 'the other part as it was').to.include.members(['120.0000,30.0200', '120.0100,30.0300']);
    expect(flat[1], 'the edited part').to.include('120.0060,30.0060');
  });

  it("snaps a vertex dragged near the middle of a neighbour's edge onto that edge, and the draft validates", async () => {
    // A fresh draft of the published grids: T5 (120.01–120.02, 30.01–30.02), T6 east of it.
    const previous = await shownPlanId();
    await page.click('#plan-new');
    await summaryShows(8, previous);
    await validated();
    expect(await page.textContent('#plan-undo-what')).to.contain('没有可撤销的修改');
    expect(await page.isDisabled('#plan-undo')).to.equal(true);
    const planId = await shownPlanId();
    await fitGrids();
    // Pulled in from the middle of the T5/T6 edge: a gap.
    await page.click('[data-tool="reshape"]');
    const t5 = await at(120.014, 30.014);
    await page.mouse.click(t5.x, t5.y);
    await page.waitForSelector('#reshape-save');
    const mid = await at(120.02, 30.015);
    await page.mouse.click(mid.x, mid.y); // the midpoint becomes a vertex
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planDraw: DrawHandle } }).__wg.planDraw.edited()?.coordinates[0]?.length ===
          6 || null,
    );
    await drag(mid, await at(120.017, 30.015));
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planDraw: DrawHandle } }).__wg.planDraw
          .edited()
          ?.coordinates[0]?.some(([x]) => x! < 120.019 && x! > 120.015) || null,
    );
    await page.click('#reshape-save');
    await page.waitForSelector('#issues li[data-kind="gap"]', { timeout: 10_000 });
    expect(await page.textContent('#issues li[data-kind="gap"]')).to.contain('T6');
    // Back to about 8 px east of the edge, 0.2 mm of latitude off its middle: no vertex near.
    await page.click('[data-tool="reshape"]');
    await page.mouse.click(t5.x, t5.y);
    await page.waitForSelector('#reshape-save');
    await drag(await at(120.017, 30.015), await at(120.0203, 30.0152));
    await waitInPage(
      page,
      () =>
        (window as unknown as { __wg: { planDraw: DrawHandle } }).__wg.planDraw
          .edited()
          ?.coordinates[0]?.every(([x]) => x! < 120.015 || x! > 120.019) || null,
    );
    await page.click('#reshape-save');
    await validated();
    expect(await page.$$eval('#issues li', (lis) => lis.map((li) => li.getAttribute('data-kind')))).to.deep.equal([]);
    const grids = await draftGrids(planId);
    const moved = grids.get('T5')!.geometry.coordinates[0]![0]!.filter(([, y]) => y! > 30.0101 && y! < 30.0199);
    expect(
      moved,
      `one vertex between the corners: ${JSON.stringify(grids.get('T5')!.geometry.coordinates)}`,
    ).to.have.length(1);
    const [x, y] = moved[0]!;
    expect(x, 'on the edge x = 120.02').to.equal(120.02);
    expect(y).to.be.closeTo(30.0152, 0.0001);
    // The neighbour has the same vertex, so the boundary they share is the same line.
    expect(ringOf(grids.get('T6')!)).to.include(`${x!.toFixed(7)},${y!.toFixed(7)}`);
    expect(await page.textContent('#plan-undo-what')).to.contain('修改形状 T5 (+T6)');
  });

  it('undoes a reshape (撤销, then Ctrl+Z): the previous shapes come back', async () => {
    const planId = await shownPlanId();
    const t6Before = ringOf((await draftGrids(planId)).get('T6')!);
    await page.click('#plan-undo');
    // The shape saved first, with its gap, is back; T6 without the added vertex.
    await page.waitForSelector('#issues li[data-kind="gap"]', { timeout: 10_000 });
    let grids = await draftGrids(planId);
    expect(ringOf(grids.get('T5')!)).to.include('120.0170000,30.0150000');
    expect(ringOf(grids.get('T6')!)).to.have.length(t6Before.length - 1);
    expect(await page.textContent('#plan-undo-what')).to.contain('修改形状 T5');
    // Ctrl+Z on the map takes back the first reshape too.
    await page.click('#plan-map');
    await undoKey();
    await validated();
    await page.waitForFunction(() => document.querySelector('#plan-diff')?.textContent?.includes('未变 8'));
    grids = await draftGrids(planId);
    expect(ringOf(grids.get('T5')!)).to.have.length(5);
    expect(ringOf(grids.get('T5')!)).to.include.members(['120.0100000,30.0100000', '120.0200000,30.0200000']);
    expect(await page.isDisabled('#plan-undo')).to.equal(true);
  });

  it('undoes a deletion: the grid is back and its gap leaves the list', async () => {
    const planId = await shownPlanId();
    const before = (await draftGrids(planId)).get('T1')!;
    await page.click('[data-tool="delete"]');
    const t1 = await at(120.005, 30.005);
    await page.mouse.click(t1.x, t1.y);
    await page.waitForSelector('#issues li[data-kind="gap"]', { timeout: 10_000 });
    expect((await draftGrids(planId)).has('T1')).to.equal(false);
    expect(await page.textContent('#plan-undo-what')).to.contain('删除 T1');
    await page.click('#plan-undo');
    await validated();
    expect(await page.$$('#issues li[data-kind="gap"]')).to.have.length(0);
    expect(await page.textContent('#plan-summary')).to.match(/· 8 /);
    const after = (await draftGrids(planId)).get('T1');
    expect(after, 'T1 is back').to.not.equal(undefined);
    expect(after!.properties).to.include({
      name: before.properties.name,
      village_code: before.properties.village_code,
    });
    expect(after!.geometry).to.deep.equal(before.geometry);
    // Back as the published grid, not a new one.
    await page.waitForFunction(() => document.querySelector('#plan-diff')?.textContent?.includes('未变 8'));
  });

  it('undoes a merge: both grids come back as they were', async () => {
    const planId = await shownPlanId();
    const before = await draftGrids(planId);
    await mergeAt([120.005, 30.005], [120.015, 30.005]); // T1 + T2
    await summaryShows(7);
    expect(await page.textContent('#plan-undo-what')).to.contain('合并 T1 + T2');
    await page.click('#plan-undo');
    await summaryShows(8);
    await validated();
    await page.waitForFunction(() => document.querySelector('#plan-diff')?.textContent?.includes('未变 8'));
    const after = await draftGrids(planId);
    for (const code of ['T1', 'T2']) expect(after.get(code)!.geometry, code).to.deep.equal(before.get(code)!.geometry);
  });

  it('undoes a split: the parts are merged back into the grid as it was', async () => {
    const planId = await shownPlanId();
    const before = (await draftGrids(planId)).get('T5')!;
    await splitAcross(30.015); // T5
    await summaryShows(9);
    expect(await page.textContent('#plan-undo-what')).to.contain('切分 T5');
    await undoKey();
    await summaryShows(8);
    await validated();
    await page.waitForFunction(() => document.querySelector('#plan-diff')?.textContent?.includes('未变 8'));
    const after = await draftGrids(planId);
    expect(after.has('T5B')).to.equal(false);
    expect(after.get('T5')!.geometry).to.deep.equal(before.geometry);
  });

  it('refuses to undo an edit whose grids were changed elsewhere, drops it, and undoes the older edit next', async () => {
    const planId = await shownPlanId();
    await fitGrids();
    // Older edit: T1 deleted.
    await page.click('[data-tool="delete"]');
    const t1 = await at(120.005, 30.005);
    await page.mouse.click(t1.x, t1.y);
    await summaryShows(7);
    // Newer edit: T2 and T3 merged into T2.
    await page.click('[data-tool="merge"]');
    for (const [lon, lat] of [
      [120.015, 30.005],
      [120.025, 30.005],
    ] as const) {
      const p = await at(lon, lat);
      await page.mouse.click(p.x, p.y);
    }
    await page.waitForSelector('#merge-save');
    await page.click('#merge-save');
    await summaryShows(6);
    expect(await page.textContent('#plan-undo-what')).to.contain('合并 T2 + T3');
    // Another tab gives T2 its old shape back.
    const t2 = [
      [
        [
          [120.01, 30],
          [120.02, 30],
          [120.02, 30.01],
          [120.01, 30.01],
          [120.01, 30],
        ],
      ],
    ];
    const res = await t.admin.patch(`/api/plans/${planId}/grids/T2`, {
      geometry: { type: 'MultiPolygon', coordinates: t2 },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const changed = (await draftGrids(planId)).get('T2')!.geometry;
    await page.click('#plan-undo');
    await page.waitForFunction(
      () => document.querySelector('#plan-undo-note')?.textContent?.includes('已在别处被修改'),
      undefined,
      { timeout: 10_000 },
    );
    const note = (await page.textContent('#plan-undo-note'))!;
    expect(note).to.contain('合并 T2 + T3');
    expect(note).to.contain('T2');
    expect(await page.textContent('#toasts')).to.contain('无法撤销');
    // Nothing was undone, and the merge is off the stack: the deletion is next.
    let grids = await draftGrids(planId);
    expect(grids.has('T3')).to.equal(false);
    expect(grids.get('T2')!.geometry).to.deep.equal(changed);
    await page.waitForFunction(() => document.querySelector('#plan-undo-what')?.textContent?.includes('删除 T1'));
    await page.click('#plan-undo');
    await summaryShows(7);
    grids = await draftGrids(planId);
    expect(grids.has('T1'), 'T1 is back').to.equal(true);
    expect(grids.has('T3')).to.equal(false);
    expect(grids.get('T2')!.geometry).to.deep.equal(changed);
    await page.waitForFunction(() =>
      document.querySelector('#plan-undo-what')?.textContent?.includes('没有可撤销的修改'),
    );
    expect(await page.isDisabled('#plan-undo')).to.equal(true);
  });

  it('drops an edit whose undo the server refuses for good (4xx), saying what was left undone', async () => {
    const planId = await shownPlanId();
    await page.click('[data-tool="delete"]');
    const t1 = await at(120.005, 30.005);
    await page.mouse.click(t1.x, t1.y);
    await summaryShows(6);
    expect(await page.textContent('#plan-undo-what')).to.contain('删除 T1');
    // Another tab discards the draft: it can no longer change (409).
    expect((await t.admin.delete(`/api/plans/${planId}`)).status).to.equal(204);
    await page.click('#plan-undo');
    await page.waitForFunction(
      () => document.querySelector('#plan-undo-note')?.textContent?.includes('撤销被拒绝'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#plan-undo-note')).to.contain('重新添加 T1');
    // The undo line is drawn again once the page is no longer busy (after the draft is read back).
    await page.waitForFunction(
      () => document.querySelector('#plan-undo-what')?.textContent?.includes('没有可撤销的修改'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.isDisabled('#plan-undo')).to.equal(true);
  });
});
