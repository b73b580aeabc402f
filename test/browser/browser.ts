// Shared by the browser tests: Debian's chromium through playwright-core, the real
// api serving the built web app, a login through the form, and a screenshot kept
// under var/test-artifacts/ when a test fails.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Context } from 'mocha';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { ensureWebBuild } from '../helpers/web-build.js';
import type { Role } from '../../platform/auth/roles.js';

/**
 * The app as built for the browser tests (web/dist-test: production code plus the hooks
 * of web/src/test-hooks.ts); WEB_DIST points elsewhere when several builds are tested side by side.
 */
export const WEB_DIST = process.env['WEB_DIST'] ?? fileURLToPath(new URL('../../web/dist-test', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../var/test-artifacts', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** Builds the test build when it is missing or older than the sources (a WEB_DIST given is used as it is). */
export function ensureWebBuilt(): void {
  if (process.env['WEB_DIST'] && existsSync(`${WEB_DIST}/index.html`)) return;
  ensureWebBuild('test', WEB_DIST);
}

// Once per run, before any file's hooks: a build takes a minute on a loaded machine,
// more than a file's `before` may wait.
before(function () {
  this.timeout(600_000);
  ensureWebBuilt();
});

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function startWebApi(label: string, env: Record<string, string> = {}): Promise<TestApi> {
  ensureWebBuilt();
  return startTestApi(label, env, undefined, { staticDir: WEB_DIST });
}

let accounts = 0;

/** An account with these roles and towns, and its username and password for the form. */
export async function createAccount(
  t: TestApi,
  roles: Role[],
  townIds: number[],
): Promise<{ username: string; password: string }> {
  const username = `web-${roles.join('-')}-${++accounts}`;
  const password = 'browser-test-password';
  const res = await t.admin.post('/api/accounts', {
    username,
    displayName: `测试${roles[0]}`,
    password,
    roles,
    townIds,
    allTowns: false,
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${JSON.stringify(res.body)}`);
  return { username, password };
}

/** Opens the app and logs in through the form; resolves when the shell is shown. */
export async function loginThroughForm(
  page: Page,
  baseUrl: string,
  user: { username: string; password: string },
  hash = '',
): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.fill('#login-username', user.username);
  await page.fill('#login-password', user.password);
  await page.click('#login-submit');
  await page.waitForSelector('.topbar');
}

/** Prints the page's uncaught errors and console errors, so a failing test says why. */
export function echoPageErrors(page: Page): void {
  // Fail in seconds, not mocha's minutes: every wait here is for something local.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => console.log(`    [page error] ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.log(`    [console] ${msg.text()}`);
  });
}

/** Keeps a screenshot of the page when the current test failed. */
export async function screenshotOnFailure(ctx: Context, page: Page | undefined): Promise<void> {
  const test = ctx.currentTest;
  if (!page || !test || test.state !== 'failed') return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const name = test
    .fullTitle()
    .replace(/[^\w\u4e00-\u9fa5-]+/g, '_')
    .slice(0, 120);
  const path = `${ARTIFACTS}/${name}.png`;
  await page.screenshot({ path, fullPage: true }).catch(() => undefined);
  console.log(`    screenshot: ${path}`);
}

/** Polls a condition in the page until it holds (or fails with the last value). */
export async function waitInPage<T>(page: Page, fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const handle = await page.waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 100 });
  return (await handle.jsonValue()) as T;
}

/**
 * A TCP proxy in front of the api whose connections can be cut at once, the way a
 * flaky network or a restarting server drops a browser's push stream.
 */
export async function startDroppableProxy(
  targetUrl: string,
): Promise<{ url: string; dropAll(): void; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Presses the element in the middle and holds it for `ms` (a PTZ pad button); returns once released. */
export async function pressAndHold(page: Page, selector: string, ms: number, during?: () => void): Promise<void> {
  const box = (await (await page.waitForSelector(selector)).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await new Promise((r) => setTimeout(r, ms));
  during?.();
  await page.mouse.up();
}
