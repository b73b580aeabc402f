// A department's clerk and the bell in a real browser: the command room's 督办 reaches
// the 市场监管所's account (the notifications hook running as the workers' leader); the
// bell counts it, the inbox lists it unread with its time and text, its link opens the
// case in the 交办 queue and the count goes to 0; two more, and 全部已读 reads them both.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { handedCase, orgTown, type OrgTown } from '../helpers/orgs.js';
import { startNotifications, type RunningNotifications } from '../helpers/notifications.js';
import { echoPageErrors, launchBrowser, loginThroughForm, screenshotOnFailure, startWebApi } from './browser.js';

describe('web app: a department reads the 督办 in its inbox', function () {
  this.timeout(90_000);
  let t: TestApi;
  let town: OrgTown;
  let notify: RunningNotifications;
  let browser: Browser;
  let page: Page | undefined;
  let incidentId: number;
  let handoffId: number;
  const clerk = { username: 'web-inbox-clerk', password: 'browser-test-password' };

  const unread = () => page!.getAttribute('#inbox-count', 'data-unread');
  const untilUnread = (n: number) => page!.waitForSelector(`#inbox-count[data-unread="${n}"]`, { state: 'attached' });
  const urge = async (note: string) => {
    const res = await town.room.post(`/api/incidents/${incidentId}/handoffs/steer`, {
      handoffId,
      action: 'urge',
      note,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-inbox'), launchBrowser()]);
    town = await orgTown(t);
    notify = await startNotifications(t, { leading: true });
    const made = await t.admin.post('/api/accounts', {
      ...clerk,
      displayName: '市场监管所内勤',
      roles: ['department'],
      townIds: [town.townId],
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const member = await t.admin.put(`/api/organisations/${town.org['T-scjgs']}/members`, {
      accountId: made.body.id,
      duty: 'handler',
    });
    expect(member.status, JSON.stringify(member.body)).to.equal(200);
    ({ incidentId, handoffId } = await handedCase(town, {
      subcategory: 'market.food',
      description: '学校门口流动摊贩售卖过期食品',
      col: 0,
    }));

    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, clerk, '#/handoffs');
    await page.waitForSelector(`#handoff-rows tr[data-queue-incident="${incidentId}"]`);
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await notify?.stop();
    await t?.close();
  });

  it('counts the 督办 on the bell, lists it, opens its case, and the count goes to 0', async () => {
    await untilUnread(0);
    expect(await page!.isVisible('#inbox-count')).to.equal(false);

    await urge('请今天下班前到现场核查');
    await untilUnread(1);
    expect(await page!.textContent('#inbox-count')).to.equal('1');
    expect(await page!.isVisible('#inbox-count')).to.equal(true);
    // The toast still pops up.
    await page!.waitForSelector('.toast:has-text("请今天下班前到现场核查")');

    await page!.click('#inbox-bell');
    await page!.waitForFunction(() => location.hash === '#/inbox');
    const row = page!.locator('#inbox-list li[data-message]');
    await row.first().waitFor();
    expect(await row.count()).to.equal(1);
    expect(await row.first().getAttribute('data-read')).to.equal('false');
    expect(await row.first().getAttribute('class')).to.contain('unread');
    const text = (await row.first().textContent()) ?? '';
    expect(text).to.contain('督办');
    expect(text).to.contain(`交办事件#${incidentId}`);
    expect(text).to.contain('请今天下班前到现场核查');
    // Its time, as the page writes times: today's date.
    expect(text).to.contain(new Date().toLocaleDateString('zh-CN'));
    expect(await page!.textContent('#inbox-unread')).to.contain('1');

    // The link opens the case in the 交办 queue, where the department works on it.
    await row.first().locator('.inbox-open').click();
    await page!.waitForFunction((id) => location.hash === `#/handoffs?incident=${id}`, incidentId);
    await page!.waitForSelector(`#handoff-detail h3:has-text("#${incidentId}")`);
    expect(await page!.inputValue('#handoff-search')).to.equal(`#${incidentId}`);
    expect(await page!.isVisible('[data-step="accept"]')).to.equal(true);
    await untilUnread(0);
    expect(await page!.isVisible('#inbox-count')).to.equal(false);
  });

  it('marks every message read with 全部已读', async () => {
    await urge('第二次督办');
    await urge('第三次督办');
    await untilUnread(2);
    await page!.click('#inbox-bell');
    await page!.waitForSelector('#inbox-list li[data-read="false"] >> nth=1');
    // Newest first: the last 督办 at the top, the one read at the bottom.
    const rows = await page!.$$eval('#inbox-list li[data-message]', (lis) =>
      lis.map(
        (li) => `${li.getAttribute('data-read')} ${/第.次督办|请今天下班前到现场核查/.exec(li.textContent ?? '')?.[0]}`,
      ),
    );
    expect(rows).to.deep.equal(['false 第三次督办', 'false 第二次督办', 'true 请今天下班前到现场核查']);

    await page!.click('#inbox-read-all');
    await untilUnread(0);
    await page!.waitForFunction(() => document.querySelectorAll('#inbox-list li[data-read="false"]').length === 0);
    expect(await page!.isDisabled('#inbox-read-all')).to.equal(true);
    expect(await unread()).to.equal('0');
    // The server holds it so: a fresh load of the app shows no unread.
    await page!.reload();
    await page!.waitForSelector('#inbox-list li[data-message] >> nth=2');
    expect(await unread()).to.equal('0');
  });
});
