// 月报 in a real browser: a month's figures per platform and per department (one case
// handed, returned, handed again, finished and rated 4), and the sheet printed to a PDF by
// chromium (Page.printToPDF, as scripts/report-pdf.ts does).
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { inGrid } from '../helpers/incidents.js';
import { orgTown, type OrgTown } from '../helpers/orgs.js';
import { printReport } from '../../scripts/report-pdf.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

describe('web app: 月报 (monthly report) printed to PDF', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: OrgTown;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-report'), launchBrowser()]);
    town = await orgTown(t);
    const id = (
      await town.room.post('/api/incidents', { subcategory: 'market.food', description: '过期食品', ...inGrid(0, 0) })
    ).body.incident.id as number;
    const ok = (res: { status: number; body: unknown }) =>
      expect(res.status, JSON.stringify(res.body)).to.be.below(300);
    ok(await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-zfzd' }));
    ok(await town.zfzd.post(`/api/incidents/${id}/handoffs/steps`, { action: 'return', note: '非本部门' }));
    ok(await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-scjgs' }));
    ok(await town.scjgs.post(`/api/incidents/${id}/handoffs/steps`, { action: 'accept' }));
    const fed = await town.scjgs.post(`/api/incidents/${id}/handoffs/steps`, { action: 'feedback', note: '已下架' });
    ok(fed);
    const lead = fed.body.handoffs.find((h: { org: { code: string } }) => h.org.code === 'T-scjgs');
    ok(await town.room.post(`/api/incidents/${id}/handoffs/steer`, { handoffId: lead.id, action: 'close' }));
    ok(await town.room.post(`/api/incidents/${id}/actions`, { action: 'verify', rating: 4 }));
    ok(await town.room.post(`/api/incidents/${id}/actions`, { action: 'close' }));
    const user = await createAccount(t, ['dispatcher'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, user, '#/reports');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it("shows the month's figures per platform and department, and prints them to a PDF", async () => {
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    const pdf = await printReport(page, month);
    const cells = (code: string) =>
      page.$$eval(`#report-departments tr[data-report-org="${code}"] td`, (tds) => tds.map((td) => td.textContent));
    // name, handed, accepted, fed back, returned, overdue, cards, (two mean times), satisfaction
    const scjgs = await cells('T-scjgs');
    expect([...scjgs.slice(0, 7), scjgs[9]]).to.deep.equal(['测试市场监管所', '1', '1', '1', '0', '0', '0', '4.00']);
    expect((await cells('T-zfzd')).slice(0, 5)).to.deep.equal(['测试综合执法中队', '1', '0', '0', '1']);
    expect(await page.textContent('#report-platforms')).to.contain('市场监管');
    expect(await page.textContent('#report-kpis')).to.contain('4.00 / 5');
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    expect(pdf.length).to.be.greaterThan(10_000);
  });
});
