// Accounts in a real browser: a password set by an admin must be replaced at the first
// login before the app opens; too many wrong passwords say when to try again; a session
// ended elsewhere (logout everywhere) brings the login form back by itself; the top
// bar's password change keeps this tab logged in.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { publishTinyTown } from '../helpers/tiny-town.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

describe('web app: first-login password, throttling, sessions ended elsewhere', function () {
  this.timeout(60_000);
  let t: TestApi;
  let townId: number;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-account', { SESSION_RECHECK_S: '1' }), launchBrowser()]);
    townId = await publishTinyTown(t);
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    page = await context.newPage();
    echoPageErrors(page);
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
    await context.close();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const submitLogin = async (username: string, password: string) => {
    await page.fill('#login-username', username);
    await page.fill('#login-password', password);
    await page.click('#login-submit');
  };

  it('asks for a new password at the first login after a reset, then opens the app', async () => {
    const user = await createAccount(t, ['planner'], [townId]);
    const id = (await t.admin.get('/api/accounts')).body.find(
      (a: { username: string }) => a.username === user.username,
    ).id;
    expect((await t.admin.put(`/api/accounts/${id}/password`, { password: 'given-by-admin' })).status).to.equal(204);
    await page.goto(t.api.url);
    await submitLogin(user.username, 'given-by-admin');
    await page.waitForSelector('#password-form');
    expect(await page.textContent('#password-form')).to.contain('首次登录');
    // The current password is not asked twice; two different new ones are refused here.
    expect(await page.$('#password-current')).to.equal(null);
    await page.fill('#password-new', 'my-own-password');
    await page.fill('#password-again', 'my-own-passw0rd');
    await page.click('#password-submit');
    expect(await page.textContent('#password-error')).to.contain('不一致');
    await page.fill('#password-again', 'my-own-password');
    await page.click('#password-submit');
    await page.waitForSelector('.topbar');
    // A reload goes straight to the app, and the new password is the one that works.
    await page.reload();
    await page.waitForSelector('.topbar');
    expect(
      (await t.anonymous.post('/api/auth/login', { username: user.username, password: 'my-own-password' })).status,
    ).to.equal(200);
  });

  it('a reload while the change is still owed shows the password form again, asking the current one', async () => {
    const user = await createAccount(t, ['planner'], [townId]);
    const id = (await t.admin.get('/api/accounts')).body.find(
      (a: { username: string }) => a.username === user.username,
    ).id;
    await t.admin.put(`/api/accounts/${id}/password`, { password: 'given-by-admin' });
    await page.goto(t.api.url);
    await submitLogin(user.username, 'given-by-admin');
    await page.waitForSelector('#password-form');
    await page.reload();
    await page.waitForSelector('#password-current');
    await page.fill('#password-current', 'wrong-one');
    await page.fill('#password-new', 'my-own-password');
    await page.fill('#password-again', 'my-own-password');
    await page.click('#password-submit');
    await page.waitForFunction(() =>
      document.querySelector('#password-error')?.textContent?.includes('当前密码不正确'),
    );
    await page.fill('#password-current', 'given-by-admin');
    await page.click('#password-submit');
    await page.waitForSelector('.topbar');
  });

  it('says when to try again after too many wrong passwords', async () => {
    const user = await createAccount(t, ['planner'], [townId]);
    await page.goto(t.api.url);
    for (let i = 0; i < 5; i++) {
      await submitLogin(user.username, `wrong-${i}`);
      await page.waitForFunction(() => document.querySelector('#login-error')?.textContent?.includes('不正确'));
      await page.evaluate(() => (document.querySelector('#login-error')!.textContent = ''));
    }
    await submitLogin(user.username, user.password);
    await page.waitForFunction(() => document.querySelector('#login-error')?.textContent?.includes('分钟后再试'));
    expect(await page.textContent('#login-error')).to.contain('15 分钟后再试');
  });

  it('goes back to the login form by itself when the session is ended elsewhere', async () => {
    const user = await createAccount(t, ['planner'], [townId]);
    await loginThroughForm(page, t.api.url, user);
    const elsewhere = t.anonymous.as((await t.anonymous.post('/api/auth/login', user)).body.token);
    expect((await elsewhere.post('/api/auth/logout-everywhere')).status).to.equal(200);
    // The live stream re-checks every second here and ends; the page asks who it is and gets 401.
    await page.waitForSelector('#login-username', { timeout: 8000 });
  });

  it('changes the password from the top bar and stays logged in', async () => {
    const user = await createAccount(t, ['planner'], [townId]);
    await loginThroughForm(page, t.api.url, user);
    await page.click('#change-password');
    await page.fill('#password-current', user.password);
    await page.fill('#password-new', 'changed-in-browser');
    await page.fill('#password-again', 'changed-in-browser');
    await page.click('#password-submit');
    await page.waitForSelector('.topbar');
    expect(
      (await t.anonymous.post('/api/auth/login', { username: user.username, password: 'changed-in-browser' })).status,
    ).to.equal(200);
  });
});
