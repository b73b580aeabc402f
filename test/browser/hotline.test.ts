// 待定位 in a real browser: a 12345 call whose address names no single place arrives
// through Open311, chimes and waits above the dispatch queue; the dispatcher opens it,
// clicks the map where the caller said it is, and places it: it leaves the 待定位 list,
// joins the queue with its grid, and the workers send the gridworker there.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, runWorkers, type IncidentTown } from '../helpers/incidents.js';
import { TOWN } from '../helpers/tiny-town.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

type PlaceMap = {
  __wg: { placeMap: { project(p: [number, number]): { x: number; y: number }; isStyleLoaded(): boolean } };
};

describe('web app: placing a 待定位 hotline call', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let browser: Browser;
  let page: Page;
  let workers: RunningIncidentWorkers;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-hotline', { FIX_MAX_SPEED_MPS: '100000' }), launchBrowser()]);
    town = await incidentTown(t, 2);
    for (let i = 0; i < 2; i++) await town.place(i, inGrid(i, 0));
    workers = runWorkers(t);
    const dispatcher = await createAccount(t, ['dispatcher'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, dispatcher, '#/dispatch');
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await workers?.close();
    await browser?.close();
    await t?.close();
  });

  it('lists the call as 待定位, and a click on the map places it: grid, queue and dispatch follow', async () => {
    const key = (await t.admin.post('/api/open311/clients', { name: '12345热线', townCode: TOWN })).body.apiKey;
    const res = await fetch(`${t.api.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: key,
        service_code: 'environment.garbage',
        description: '垃圾堆了好几天',
        address_string: '老街菜场后面的巷子里',
      }).toString(),
    });
    const id = Number(((await res.json()) as { service_request_id: string }[])[0]!.service_request_id);

    await page.waitForSelector(`#unlocated-rows [data-unlocated="${id}"]`);
    expect(await page.textContent(`#unlocated-rows [data-unlocated="${id}"]`)).to.contain('老街菜场后面的巷子里');
    expect(await page.$(`#queue-rows tr[data-incident="${id}"]`)).to.equal(null);
    await page.click(`#unlocated-rows [data-unlocated="${id}"]`);
    await page.waitForFunction(() => document.querySelector('#card-state')?.textContent === '待定位');
    expect(await page.textContent('#place-address')).to.equal('老街菜场后面的巷子里');
    expect(await page.textContent('#card-countdown')).to.equal('定位后开始计时');
    await page.waitForFunction(
      () =>
        (document.querySelector('#place-reason')?.textContent ?? '').length > 0 &&
        !!document.querySelector('#place-map canvas'),
    );
    expect(await page.isDisabled('#place-confirm')).to.equal(true);

    // The caller, called back, says it is by the second grid's gridworker.
    const at = inGrid(1, 0, 0.0005, 0.0005);
    await page.waitForFunction(() => (window as unknown as PlaceMap).__wg.placeMap?.isStyleLoaded());
    const point = await page.evaluate(
      (ll) => (window as unknown as PlaceMap).__wg.placeMap.project([ll.lon, ll.lat]),
      at,
    );
    const origin = (await (await page.$('#place-map'))!.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.waitForFunction(() => !(document.querySelector('#place-confirm') as HTMLButtonElement).disabled);
    await page.click('#place-confirm');
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('已确定位置'));

    const grid = (await town.dispatcher.get(`/api/grids/at?lon=${at.lon}&lat=${at.lat}`)).body;
    await page.waitForSelector(`#queue-rows tr[data-incident="${id}"]`);
    expect(await page.isHidden('#unlocated')).to.equal(true);
    expect(await page.textContent(`#queue-rows tr[data-incident="${id}"]`)).to.contain(grid.code);
    // The workers send the gridworker of that grid; the card follows live.
    await page.waitForFunction(() =>
      ['已派遣', '已接单'].includes(document.querySelector('#card-state')?.textContent ?? ''),
    );
    const card = (await town.dispatcher.get(`/api/incidents/${id}`)).body;
    expect(card.incident.lon).to.be.closeTo(at.lon, 5e-4); // where the click landed, a few pixels either way
    expect(card.offers[0].personId).to.equal(town.phones[1]!.personId);
    expect(card.deadlines).to.have.length(2);
  });
});
