// Installation in a real browser: a simulated camera found by WS-Discovery is
// registered through the form (the server reads it), placed on the map by dragging
// its heading and the edge of its field of view, checked, and listed in the health
// table; its picture comes back after leaving the page and returning.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { tinyTownWithPeople } from '../helpers/roster.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  pressAndHold,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';
import { sleep } from '../helpers/system.js';

const PASSWORD = 'install-pass-3390';

describe('web app: installing a camera', function () {
  this.timeout(60_000);
  const discoveryPort = 20_000 + Math.floor(Math.random() * 20_000);
  let t: TestApi;
  let cam: SimulatedCamera;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [t, browser, cam] = await Promise.all([
      startWebApi('web-install', { DISCOVERY_PORT: String(discoveryPort), CAMERA_TIMEOUT_MS: '3000' }),
      launchBrowser(),
      SimulatedCamera.start({
        name: '西村路口',
        ptz: true,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: { port: discoveryPort },
      }),
    ]);
    const town = await tinyTownWithPeople(t, 1);
    const installer = await createAccount(t, ['installer'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 850 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, installer, '#/install');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await cam?.stop();
  });

  it('finds the device, refuses a wrong password, registers it and shows what the server read', async () => {
    await page.click('#discover');
    const port = new URL(cam.xaddr).port;
    await page.click(`#discovered li[data-host="127.0.0.1:${port}"]`);
    expect(await page.inputValue('#reg-host')).to.equal('127.0.0.1');
    expect(await page.inputValue('#reg-name')).to.equal('西村路口');
    await page.fill('#reg-username', 'admin');
    await page.fill('#reg-password', 'not-the-password');
    await page.click('#reg-submit');
    await page.waitForFunction(
      () => (document.querySelector('#reg-error')?.textContent ?? '').includes('camera_auth_failed'),
      undefined,
      { timeout: 15_000 },
    );
    await page.fill('#reg-password', PASSWORD);
    await page.click('#reg-submit');
    await page.waitForSelector('#server-read table', { timeout: 15_000 });
    const read = await page.textContent('#server-read');
    expect(read).to.contain('西村路口');
    expect(read).to.match(/支持/);
    const list = (await t.admin.get('/api/cameras')).body as { name: string }[];
    expect(list.map((c) => c.name)).to.include('西村路口');
  });

  it('shows the profiles with codec and resolution, and lets the installer swap main and sub', async () => {
    const chooser = await page.textContent('#stream-chooser');
    expect(chooser).to.contain('H264 640×360').and.contain('H264 320×180');
    const main = await page.inputValue('#stream-main');
    const sub = await page.inputValue('#stream-sub');
    expect(main).to.not.equal(sub);
    const swap = async (toMain: string, toSub: string): Promise<void> => {
      await page.selectOption('#stream-main', toMain);
      await page.selectOption('#stream-sub', toSub);
      await page.click('#stream-apply');
      await page.waitForFunction(
        ([m, s]) =>
          (document.querySelector('#stream-main') as HTMLSelectElement | null)?.value === m &&
          (document.querySelector('#stream-sub') as HTMLSelectElement | null)?.value === s &&
          !(document.querySelector('#stream-apply') as HTMLButtonElement).disabled,
        [toMain, toSub] as const,
        { timeout: 10_000 },
      );
    };
    await swap(sub, main);
    const cams = (await t.admin.get('/api/cameras')).body as {
      name: string;
      profiles: { token: string; stream: string | null }[];
    }[];
    const mine = cams.find((c) => c.name === '西村路口')!;
    expect(mine.profiles.find((p) => p.token === sub)?.stream).to.equal('main');
    await swap(main, sub); // back, for the steps that follow
  });

  it('places it on the map: drag the heading handle east, set the field of view, save', async () => {
    await page.waitForSelector('#placement-heading');
    const cameraBox = (await (await page.$('#placement-camera'))!.boundingBox())!;
    const cx = cameraBox.x + cameraBox.width / 2;
    const cy = cameraBox.y + cameraBox.height / 2;
    const handle = (await (await page.$('#placement-heading'))!.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(cx + 60, cy, { steps: 5 });
    await page.mouse.move(cx + 120, cy, { steps: 5 });
    await page.mouse.up();
    await page.fill('#place-hfov', '90');
    await page.dispatchEvent('#place-hfov', 'input');
    await page.click('#place-save');
    await page.waitForFunction(
      () => document.querySelector('#toasts')?.textContent?.includes('已保存位置'),
      undefined,
      { timeout: 5000 },
    );
    type Placed = { headingDeg: number; hfovDeg: number; gridCode: string | null };
    let placement: Placed | null = null;
    for (let i = 0; i < 30 && !placement; i++) {
      const cams = (await t.admin.get('/api/cameras')).body as { placement: Placed | null }[];
      placement = cams[0]?.placement ?? null;
      if (!placement) await new Promise((r) => setTimeout(r, 100));
    }
    expect(placement, 'saved').to.not.equal(null);
    expect(placement!.headingDeg).to.be.within(80, 100);
    expect(placement!.hfovDeg).to.equal(90);
    expect(placement!.gridCode).to.match(/^T\d$/);
  });

  it('drags the edge of the field of view wider: the slider follows and the wider view is saved', async () => {
    // A 100 m range, closed in: the handles are a hundred pixels from the camera.
    await page.fill('#place-range', '100');
    await page.dispatchEvent('#place-range', 'change');
    await page.evaluate(() => {
      const map = (window as unknown as { __wg: { installMap: { jumpTo(o: unknown): void } } }).__wg.installMap;
      map.jumpTo({ zoom: 17 });
    });
    const centre = async (sel: string) => {
      const b = (await (await page.waitForSelector(sel))!.boundingBox())!;
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    };
    const camera = await centre('#placement-camera');
    const heading = await centre('#placement-heading');
    const edge = await centre('#placement-fov');
    // On screen (north up) a bearing is atan2(dx, -dy); the edge sits at heading + hfov/2 = +45°.
    const bearing = (p: { x: number; y: number }) => (Math.atan2(p.x - camera.x, camera.y - p.y) * 180) / Math.PI;
    const headingDeg = bearing(heading);
    expect((bearing(edge) - headingDeg + 360) % 360).to.be.within(40, 50);
    const r = Math.hypot(edge.x - camera.x, edge.y - camera.y);
    const to = (deg: number) => ({
      x: camera.x + r * Math.sin(((headingDeg + deg) * Math.PI) / 180),
      y: camera.y - r * Math.cos(((headingDeg + deg) * Math.PI) / 180),
    });
    await page.mouse.move(edge.x, edge.y);
    await page.mouse.down();
    await page.mouse.move(to(52).x, to(52).y, { steps: 5 });
    await page.mouse.move(to(60).x, to(60).y, { steps: 5 });
    await page.mouse.up();
    const shown = Number((await page.textContent('#place-hfov-value'))!.replace('°', ''));
    expect(shown, 'the label').to.be.within(115, 125);
    expect(Number(await page.inputValue('#place-hfov')), 'the slider').to.equal(shown);
    await page.click('#place-save');
    let hfov = 0;
    for (let i = 0; i < 30 && hfov !== shown; i++) {
      hfov =
        ((await t.admin.get('/api/cameras')).body as { placement: { hfovDeg: number } | null }[])[0]?.placement
          ?.hfovDeg ?? 0;
      if (hfov !== shown) await new Promise((r) => setTimeout(r, 100));
    }
    expect(hfov, 'saved').to.equal(shown);
  });

  it('plays the picture, checks the device, and lists it in the health table with filters', async () => {
    await page.waitForFunction(
      () => ((document.querySelector('#install-preview video') as HTMLVideoElement | null)?.currentTime ?? 0) > 0,
      undefined,
      { timeout: 15_000 },
    );
    await page.click('#check-camera');
    await page.waitForSelector('#check-status', { timeout: 15_000 });
    expect(await page.textContent('#check-status')).to.equal('在线');
    await page.click('[data-tab="health"]');
    await page.waitForSelector('#health-rows tr');
    expect(await page.textContent('#health-rows')).to.contain('西村路口');
    await page.selectOption('#health-status', 'offline');
    expect(await page.$$('#health-rows tr')).to.have.length(0);
    await page.selectOption('#health-status', 'online');
    expect(await page.$$('#health-rows tr')).to.have.length(1);
  });

  it('tries the PTZ right there: pressing and holding a direction pans the camera, releasing stops it', async () => {
    await page.click('[data-tab="setup"]');
    await page.waitForSelector('#install-ptz [data-ptz="right"]', { timeout: 10_000 });
    const before = cam.ptzState()!.position;
    let during = cam.ptzState()!;
    await pressAndHold(page, '#install-ptz [data-ptz="right"]', 1200, () => (during = cam.ptzState()!));
    await sleep(600);
    expect(during.position.pan, 'pans while held').to.not.equal(before.pan);
    expect(cam.ptzState()!.moveStatus.panTilt, 'stops on release').to.equal('IDLE');
  });

  it('plays the picture again after leaving the page and coming back, with its PTZ pad', async () => {
    const playing = () =>
      page.waitForFunction(
        () => ((document.querySelector('#install-preview video') as HTMLVideoElement | null)?.currentTime ?? 0) > 0,
        undefined,
        { timeout: 15_000 },
      );
    await playing();
    await page.evaluate(() => (location.hash = '#/map'));
    // Hidden, the page lets the relay and the PTZ lock go.
    await page.waitForFunction(
      () => !document.querySelector('#install-preview video') && !document.querySelector('#install-ptz [data-ptz]'),
    );
    await page.evaluate(() => (location.hash = '#/install'));
    await playing();
    await page.waitForSelector('#install-ptz [data-ptz="right"]');
  });
});
