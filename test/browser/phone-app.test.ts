// 平安通 in mobile emulation (a phone's viewport, touch, geolocation; offline through the
// browser context): the shell installs (manifest, service worker) and opens without
// signal; a task goes from the ringing offer to the citizen's revisit from the phone
// side, with a photo; a report made offline waits in the visible queue and arrives
// exactly once when the signal returns.
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, runWorkers, FAST_DISPATCH, type IncidentTown } from '../helpers/incidents.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
  waitInPage,
} from './browser.js';

type PhoneHooks = { __wgPhone: { alarmRings(): number; items(): Promise<unknown[]>; flush(): Promise<void> } };

describe('平安通: the gridworker app on a phone', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let workers: RunningIncidentWorkers;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const at = inGrid(0, 0);

  before(async () => {
    [t, browser] = await Promise.all([
      startWebApi('phone-app', { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '60' }),
      launchBrowser(),
    ]);
    town = await incidentTown(t, 2);
    await town.place(0, at);
    workers = runWorkers(t);
    context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      geolocation: { longitude: at.lon, latitude: at.lat, accuracy: 8 },
      permissions: ['geolocation'],
      serviceWorkers: 'allow',
    });
    page = await context.newPage();
    echoPageErrors(page);
  });

  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await workers?.close();
    await t?.close();
  });

  it('logs in from the QR link once, installs its shell and opens without signal', async () => {
    await page.goto(`${t.api.url}/app/#token=${town.phones[0]!.token}`);
    await page.waitForSelector('header.top');
    expect(page.url()).to.not.include('token='); // the token leaves the address bar
    expect(await page.textContent('header.top')).to.include('网格员1');
    expect(await page.getAttribute('link[rel=manifest]', 'href')).to.equal('/app/manifest.webmanifest');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).to.equal(`${t.api.url}/app/`);
    await page.reload(); // now controlled by the service worker
    await page.waitForSelector('header.top');
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('header.top');
    expect(await page.textContent('#net-state')).to.equal('离线');
    await context.setOffline(false);
    await page.reload();
    await page.waitForSelector('header.top');
  });

  it('carries a task from the ringing offer to the revisit', async () => {
    const made = await town.dispatcher.post('/api/incidents', {
      subcategory: 'environment.garbage',
      description: '小区门口垃圾堆放',
      ...inGrid(0, 0, 0.0008, 0.0005),
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const id = (made.body.incident ?? made.body).id as number;
    await page.waitForSelector('#offer', { timeout: 15_000 });
    expect(await page.textContent('#offer')).to.include('垃圾乱堆乱放');
    await waitInPage(page, () => (window as unknown as PhoneHooks).__wgPhone.alarmRings() > 0);
    await page.tap('#offer-accept');
    await page.waitForSelector(`.task[data-id="${id}"]`);
    const stateOf = async () => (await t.admin.get(`/api/incidents/${id}`)).body.incident.state as string;
    expect(await stateOf()).to.equal('accepted');

    await page.tap(`.task[data-id="${id}"]`);
    expect(await page.$('.lightmap .me')).to.not.equal(null);
    expect(await page.getAttribute('a.navlink >> nth=0', 'href')).to.match(/^amapuri:\/\/route\/plan\/\?dlat=/);
    await page.tap('#act-start');
    await page.waitForSelector(`.task[data-id="${id}"] .state.in_progress`);

    await page.tap(`.task[data-id="${id}"]`);
    const jpeg = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=red:s=64x48',
      '-frames:v',
      '1',
      '-f',
      'mjpeg',
      '-',
    ]);
    await page.setInputFiles('#task-media', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.fill('#task-note', '已清理完毕');
    await page.tap('#act-handle');
    await page.waitForSelector(`.task[data-id="${id}"] .state.handled`);

    await page.tap(`.task[data-id="${id}"]`);
    await page.tap('#rating button[data-n="5"]');
    await page.fill('#task-note', '居民满意');
    await page.tap('#act-verify');
    // Revisited, the task leaves the phone's list.
    await page.waitForSelector('text=我的任务');
    await page.waitForSelector(`.task[data-id="${id}"]`, { state: 'detached' });
    const detail = (await t.admin.get(`/api/incidents/${id}`)).body;
    expect(detail.incident).to.include({ state: 'verified', rating: 5 });
    expect(detail.media.filter((m: { stage: string }) => m.stage === 'feedback')).to.have.length(1);
  });

  it('keeps a report made without signal and sends it exactly once when the signal returns', async () => {
    await context.setOffline(true);
    await page.tap('nav.tabs button[data-tab="report"]');
    await page.fill('#category-search', '垃圾');
    await page.tap('#category-list button >> nth=0');
    await page.fill('#report-description', '离线上报：河边垃圾');
    await page.tap('#report-submit');
    await page.waitForFunction(() => document.querySelector('#queue-badge')?.textContent?.includes('待发送 1'));
    await page.tap('nav.tabs button[data-tab="more"]');
    await page.tap('#open-queue');
    expect(await page.textContent('#queue-list')).to.include('上报：垃圾乱堆乱放');
    const count = async () =>
      (
        await t.api.services.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM incident_reports r JOIN incidents i ON i.id = r.incident_id WHERE i.description = '离线上报：河边垃圾' OR r.description = '离线上报：河边垃圾'",
        )
      ).rows[0]!.n;
    expect(await count()).to.equal(0);
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelector('#queue-badge')?.textContent === '', undefined, {
      timeout: 20_000,
    });
    expect(await count()).to.equal(1);
    // Sending again (a lost answer, a second tab) changes nothing.
    await page.evaluate(() => (window as unknown as PhoneHooks).__wgPhone.flush());
    expect(await count()).to.equal(1);
  });

  it('issues a phone from the admin page as a QR code that logs the phone in once', async () => {
    const installer = await createAccount(t, ['installer', 'dispatcher'], [town.townId]);
    const admin = await browser.newPage();
    echoPageErrors(admin);
    try {
      await loginThroughForm(admin, t.api.url, installer, '#/phones');
      await admin.waitForSelector('#phone-person option', { state: 'attached' });
      await admin.selectOption('#phone-person', String(town.phones[1]!.personId));
      await admin.click('#phone-issue');
      await admin.waitForSelector('#phone-qr img[src^="data:image/gif"]');
      const token = (await admin.textContent('#phone-qr .phone-token'))!.trim();
      // The phone's camera opens the link the QR code holds.
      const second = await context.newPage();
      await second.goto(`${t.api.url}/app/#token=${token}`);
      await second.waitForSelector('header.top');
      expect(await second.textContent('header.top')).to.include('网格员2');
      await second.close();
      // The page lists the phone with its app version once the app has spoken.
      await admin.click('#phone-qr button');
      await admin.evaluate(() => (location.hash = '#/map'));
      await admin.evaluate(() => (location.hash = '#/phones'));
      await admin.waitForFunction(() => document.querySelector('table.phones')?.textContent?.includes('1.0.0'));
      expect(await admin.textContent('table.notifications')).to.be.a('string');
    } finally {
      await admin.close();
    }
  });
});
