// The revisit (回访) from the incident card: the server records the citizen's rating
// with it, so the card asks for one (1–5) and refuses to send a revisit without it.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

describe('web app: the revisit asks for the rating', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let browser: Browser;
  let page: Page;
  let id: number;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-revisit'), launchBrowser()]);
    town = await incidentTown(t, 1);
    const res = await town.dispatcher.post('/api/incidents', {
      subcategory: 'environment.garbage',
      description: '桥下垃圾已清运',
      ...inGrid(0, 0),
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    id = (res.body.incident ?? res.body).id;
    // Handled by the town (escalated, then recorded as handled): the revisit is next.
    for (const action of ['escalate', 'handle']) {
      const step = await town.dispatcher.post(`/api/incidents/${id}/actions`, { action });
      expect(step.status, JSON.stringify(step.body)).to.equal(200);
    }
    const dispatcher = await createAccount(t, ['dispatcher'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, dispatcher);
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('refuses 回访 without a rating, then records the chosen one', async () => {
    await page.click('[data-nav="dispatch"]');
    await page.click(`#queue-rows tr[data-incident="${id}"]`);
    await page.waitForSelector('[data-action="verify"]');
    await page.click('[data-action="verify"]');
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('群众评分'));
    expect((await t.admin.get(`/api/incidents/${id}`)).body.incident.state).to.equal('handled');
    await page.selectOption('#action-rating', '4');
    await page.click('[data-action="verify"]');
    await page.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已回访');
    const inc = (await t.admin.get(`/api/incidents/${id}`)).body.incident;
    expect(inc.state).to.equal('verified');
    expect(inc.rating).to.equal(4);
  });
});
