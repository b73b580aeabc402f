// A whole case through a department in a real browser: the command room hands it from
// the incident card to the 综合执法中队, which returns it with the reason from its 交办
// queue; handed again to the 市场监管所, accepted and fed back from the queue page;
// closed (终结) on the card, revisited with the rating, and closed (办结). Then a case
// escalated to the county (上报): the county's staff hand it to a county department from
// the card, and the county hands another down (下派) to the town's command room.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { inGrid } from '../helpers/incidents.js';
import { orgTown, type OrgTown } from '../helpers/orgs.js';
import { echoPageErrors, launchBrowser, loginThroughForm, screenshotOnFailure, startWebApi } from './browser.js';

describe('web app: a case through a department and the county', function () {
  this.timeout(90_000);
  let t: TestApi;
  let town: OrgTown;
  let browser: Browser;
  let room: Page;
  let dept: Page;
  let last: Page | undefined;

  const login = async (roles: ('dispatcher' | 'operator' | 'department')[], orgCode: string, duty: string) => {
    const username = `web-${orgCode}-${Date.now()}`;
    const password = 'browser-test-password';
    const made = await t.admin.post('/api/accounts', {
      username,
      displayName: `${orgCode} 的人`,
      password,
      roles,
      townIds: [town.townId],
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    await t.admin.put(`/api/organisations/${town.org[orgCode]}/members`, { accountId: made.body.id, duty });
    const page = await (await browser.newContext({ viewport: { width: 1500, height: 900 } })).newPage();
    echoPageErrors(page);
    // Straight to the page it works on: the map (first otherwise) is not built.
    await loginThroughForm(
      page,
      t.api.url,
      { username, password },
      roles.includes('dispatcher') ? '#/dispatch' : '#/handoffs',
    );
    return page;
  };
  const report = async (subcategory: string, description: string) => {
    const res = await town.room.post('/api/incidents', { subcategory, description, ...inGrid(0, 0) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.incident.id as number;
  };
  const openCard = async (page: Page, id: number) => {
    await page.click('[data-nav="dispatch"]');
    await page.click(`#queue-rows tr[data-incident="${id}"]`);
    // This incident's panel, loaded (the card of the last one may still be up).
    await page.waitForSelector(`#handoff-panel[data-incident="${id}"][data-loaded]`);
  };
  const queueStep = async (page: Page, id: number, step: string, note?: string) => {
    await page.click('[data-nav="handoffs"]');
    const row = `#handoff-rows tr[data-queue-incident="${id}"]`;
    await page.waitForSelector(row);
    await page.click(row);
    await page.waitForSelector(`[data-step="${step}"]`);
    if (note) await page.fill('#step-note', note);
    await page.click(`[data-step="${step}"]`);
  };

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-handoff'), launchBrowser()]);
    town = await orgTown(t);
    room = await login(['dispatcher', 'operator'], 'T-cmd', 'intake');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, last);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('hands off, is returned, hands again, is accepted and fed back, closes, revisits with the rating', async () => {
    const id = await report('market.unlicensed', '菜场门口无证摊贩');
    last = room;
    await openCard(room, id);
    // The platform's department is suggested first.
    expect(await room.inputValue('#handoff-lead')).to.equal('T-scjgs');
    await room.selectOption('#handoff-lead', 'T-zfzd');
    await room.fill('#handoff-note', '请现场核查');
    await room.click('#handoff-offer');
    await room.waitForSelector('#handoff-panel tr[data-org="T-zfzd"][data-state="offered"]');

    const zfzd = await login(['department'], 'T-zfzd', 'head');
    last = zfzd;
    await queueStep(zfzd, id, 'return', '不属于执法中队职责，属市场监管');
    await zfzd.waitForFunction(() => document.querySelector('#step-state')?.textContent?.includes('已退回'));

    last = room;
    await room.waitForSelector('#handoff-panel tr[data-org="T-zfzd"][data-state="returned"]');
    expect(await room.textContent('#handoff-panel tr[data-org="T-zfzd"]')).to.contain('属市场监管');
    await room.selectOption('#handoff-lead', 'T-scjgs');
    await room.click('#handoff-offer');
    await room.waitForSelector('#handoff-panel tr[data-org="T-scjgs"][data-state="offered"]');

    dept = await login(['department'], 'T-scjgs', 'handler');
    last = dept;
    await queueStep(dept, id, 'accept');
    await dept.waitForFunction(() => document.querySelector('#step-state')?.textContent?.includes('办理中'));
    await queueStep(dept, id, 'feedback', '已劝离并引导办证');
    await dept.waitForFunction(() => document.querySelector('#step-state')?.textContent?.includes('已反馈'));

    last = room;
    await room.waitForSelector('#handoff-panel tr[data-org="T-scjgs"][data-state="fed_back"]');
    await room.click('#handoff-panel tr[data-org="T-scjgs"] [data-steer="close"]');
    await room.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已处置');
    await room.selectOption('#action-rating', '5');
    await room.click('[data-action="verify"]');
    await room.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已回访');
    await room.click('[data-action="close"]');
    await room.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已办结');
    const timeline = await room.textContent('#timeline');
    expect(timeline).to.contain('测试综合执法中队');
    expect(timeline).to.contain('测试市场监管所');
    const card = (await t.admin.get(`/api/incidents/${id}`)).body.incident;
    expect([card.state, card.rating]).to.deep.equal(['closed', 5]);
  });

  it('escalates to the county, which hands it to a county department; and hands another down', async () => {
    const id = await report('environment.river', '上游河道漂浮物');
    last = room;
    await openCard(room, id);
    await room.selectOption('#handoff-lead', 'C-centre');
    await room.click('#handoff-offer');
    await room.waitForSelector('#handoff-panel tr[data-org="C-centre"][data-state="offered"]');

    const county = await login(['dispatcher', 'operator'], 'C-centre', 'intake');
    last = county;
    await queueStep(county, id, 'accept');
    await county.waitForFunction(() => document.querySelector('#step-state')?.textContent?.includes('办理中'));
    await openCard(county, id);
    await county.waitForSelector('#handoff-lead option[value="C-hbj"]', { state: 'attached' });
    await county.selectOption('#handoff-lead', 'C-hbj');
    await county.click('#handoff-offer');
    await county.waitForSelector('#handoff-panel tr[data-org="C-hbj"][data-state="offered"]');
    // The town sees the county's progress live.
    last = room;
    await room.waitForSelector('#handoff-panel tr[data-org="C-hbj"][data-state="offered"]');

    const down = await report('environment.air', '区级交办：搅拌站扬尘');
    await town.room.post(`/api/incidents/${down}/handoffs`, { lead: 'C-centre' });
    await town.county.post(`/api/incidents/${down}/handoffs/steps`, { action: 'accept' });
    last = county;
    await openCard(county, down);
    await county.selectOption('#handoff-lead', 'T-cmd');
    await county.click('#handoff-offer');
    await county.waitForSelector('#handoff-panel tr[data-org="T-cmd"][data-state="offered"]');
    last = room;
    await room.click('[data-nav="handoffs"]');
    await room.waitForSelector(`#handoff-rows tr[data-queue-incident="${down}"]`);
    expect(await room.textContent(`#handoff-rows tr[data-queue-incident="${down}"]`)).to.contain('下派');
  });
});
