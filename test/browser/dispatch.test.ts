// Dispatch in a real browser: a gridworker's report appears in the queue live with a
// chime; the dispatcher sends the nearest gridworker from the card, the simulated
// phone (the gridworker simulator's task responder) hears the offer and accepts, and
// the card follows live.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { TaskResponder } from '../../scripts/simulators/gridworkers/task-responder.js';
import { createAccount, echoPageErrors, launchBrowser, loginThroughForm, screenshotOnFailure, startWebApi } from './browser.js';

describe('web app: dispatch', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let browser: Browser;
  let page: Page;
  let responder: TaskResponder;
  let incidentId: number;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-dispatch', { FIX_MAX_SPEED_MPS: '100000' }), launchBrowser()]);
    town = await incidentTown(t, 3);
    for (let i = 0; i < 3; i++) await town.place(i, inGrid(i, 0));
    responder = new TaskResponder({
      apiUrl: t.api.url,
      tokens: new Map([[town.phones[0]!.identifier, town.phones[0]!.token]]),
      acceptShare: 1, answerAfterMs: [200, 400], workMs: [120_000, 120_000],
    });
    responder.start();
    const dispatcher = await createAccount(t, ['dispatcher'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, dispatcher, '#/dispatch');
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await responder?.stop();
    await browser?.close();
    await t?.close();
  });

  it('shows a new report in the queue as it arrives, with a chime and its deadline', async () => {
    await page.waitForSelector('#queue-rows', { state: 'attached' });
    const res = await town.phone(1).post('/api/phone/incidents', { subcategory: 'environment.garbage', description: '河边垃圾成堆', ...inGrid(0, 0, 0.001, 0) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    incidentId = (res.body.incident ?? res.body).id;
    await page.waitForSelector(`#queue-rows tr[data-incident="${incidentId}"]`);
    expect(await page.textContent(`#queue-rows tr[data-incident="${incidentId}"]`)).to.contain('河边垃圾成堆');
    expect(await page.evaluate(() => (window as unknown as { __wg: { dispatch: { chimes(): number } } }).__wg.dispatch.chimes())).to.be.at.least(1);
    expect(await page.textContent(`#queue-rows tr[data-incident="${incidentId}"] td[data-due]`)).to.match(/受理 \d/);
  });

  it('sends the nearest gridworker from the card; the simulated phone accepts and the card follows', async () => {
    await page.click(`#queue-rows tr[data-incident="${incidentId}"]`);
    await page.waitForSelector('#candidates tr');
    const first = await page.getAttribute('#candidates tr', 'data-person');
    expect(Number(first)).to.equal(town.phones[0]!.personId);
    await page.click(`[data-dispatch="${town.phones[0]!.personId}"]`);
    await page.waitForFunction((id) => document.querySelector(`#queue-rows tr[data-incident="${id}"] td[data-state]`)?.getAttribute('data-state') === 'accepted', incidentId, { timeout: 15_000 });
    expect(responder.counts.accepted).to.equal(1);
    await page.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已接单');
    expect(await page.textContent('#timeline')).to.contain('网格员1');
  });

  it('counts the incident on the statistics page, with its charts', async () => {
    await page.click('[data-nav="stats"]');
    await page.waitForFunction(() => document.querySelector('[data-kpi="received"] .kpi-value')?.textContent === '1');
    expect(await page.textContent('[data-kpi="closed"] .kpi-value')).to.equal('0');
    expect(await page.$$('#chart-closure svg rect')).to.have.length(1);
    expect(await page.textContent('#chart-closure')).to.contain('测试网格1');
    expect(await page.textContent('#chart-categories')).to.not.equal('');
  });

  it('puts the open incident on the map and shades its grid', async () => {
    await page.click('[data-nav="map"]');
    const gridId = (await t.admin.get(`/api/incidents/${incidentId}`)).body.incident.gridId as number;
    const load = await page.waitForFunction((id) => {
      const map = (window as unknown as { __wg?: { map?: { getSource(s: string): unknown; querySourceFeatures(s: string): unknown[]; getFeatureState(f: unknown): { load?: number } } } }).__wg?.map;
      if (!map?.getSource('incidents') || map.querySourceFeatures('incidents').length === 0) return null;
      return map.getFeatureState({ source: 'base', sourceLayer: 'grids', id }).load ?? null;
    }, gridId);
    expect(await load.jsonValue()).to.equal(1);
  });

  it('reports an incident from a point on the map; it joins the queue', async () => {
    const point = await page.evaluate(() => (window as unknown as { __wg: { map: { project(p: [number, number]): { x: number; y: number } } } }).__wg.map.project([120.015, 30.015]));
    const origin = (await (await page.$('#main-map'))!.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.click('[data-card="grid"] [data-action="report"]');
    await page.selectOption('#report-type', 'traffic.road_damage');
    await page.fill('#report-description', '路面塌陷一米见方');
    await page.click('#report-submit');
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('已上报'));
    const listed = (await t.admin.get(`/api/incidents?town=${'990101001'}&open=true`)).body.items as { description: string; gridCode: string }[];
    expect(listed.find((i) => i.description === '路面塌陷一米见方')?.gridCode).to.equal('T5');
    await page.click('[data-nav="dispatch"]');
    await page.waitForFunction(() => document.querySelector('#queue-rows')?.textContent?.includes('路面塌陷一米见方'));
  });
});
