// The video wall in a real browser against the real relays and a simulated ONVIF
// camera with real RTSP video: frames advance, PTZ buttons move the camera, "look
// here" aims it from the map, an incident reported from the enlarged view carries the
// camera's picture, and a camera that drops comes back by itself.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { startCameraWall, type CameraWall } from '../helpers/camera-wall.js';
import type { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { sleep } from '../helpers/system.js';
import { AlertWatcher } from '../../video/alert-watcher.js';
import { pressAndHold, screenshotOnFailure, waitInPage } from './browser.js';

describe('web app: the video wall with a simulated PTZ camera', function () {
  this.timeout(90_000);
  let wall: CameraWall | undefined;
  let t: TestApi;
  let cam: SimulatedCamera;
  let cameraId: number;
  let page: Page;
  let dispatcher: HttpClient;

  before(async () => {
    wall = await startCameraWall({
      label: 'web-video',
      env: { RELAY_IDLE_S: '5' },
      name: '东门广场',
      password: 'wall-pass-8812',
      headingDeg: 45,
    });
    ({ t, cam, cameraId, page } = wall);
    dispatcher = await t.login(['dispatcher'], [wall.townId]);
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await wall?.close();
  });

  const currentTime = (selector: string) => page.$eval(selector, (v) => (v as HTMLVideoElement).currentTime);

  it('plays a camera put in a tile from the list: frames advance, latency shown', async () => {
    await page.click('[data-layout="4"]');
    await page.click(`#camera-list li[data-camera="${cameraId}"]`);
    const video = `.tile video[data-camera="${cameraId}"]`;
    await page.waitForFunction(
      (sel) => ((document.querySelector(sel) as HTMLVideoElement | null)?.currentTime ?? 0) > 0,
      video,
      { timeout: 15_000 },
    );
    const t0 = await currentTime(video);
    await sleep(1500);
    expect(await currentTime(video)).to.be.greaterThan(t0 + 0.5);
    await page.waitForFunction(
      () => /\d\.\d s/.test(document.querySelector('.tile .tile-latency')?.textContent ?? ''),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('.tile .tile-state')).to.equal('直播');
  });

  it('enlarges a tile to the main stream and steers the camera with press-and-hold, zoom and the lock shown', async () => {
    await page.click(`.tile[data-tile="0"] [data-action="enlarge"]`);
    const video = `#wall-enlarged video[data-stream="main"]`;
    await page.waitForFunction(
      (sel) => ((document.querySelector(sel) as HTMLVideoElement | null)?.currentTime ?? 0) > 0,
      video,
      { timeout: 15_000 },
    );
    const before = cam.ptzState()!.position;
    let during = cam.ptzState()!;
    await pressAndHold(page, '[data-ptz="right"]', 1500, () => (during = cam.ptzState()!));
    await sleep(600);
    const after = cam.ptzState()!;
    expect(during.position.pan, 'pans while held').to.not.equal(before.pan);
    expect(after.moveStatus.panTilt, 'stops on release').to.equal('IDLE');
    await pressAndHold(page, '[data-ptz="zoom-in"]', 1000);
    await sleep(500);
    expect(cam.ptzState()!.position.zoom).to.be.greaterThan(before.zoom);
    await page.waitForFunction(() =>
      document.querySelector('#ptz-lock')?.getAttribute('data-holder')?.startsWith('web-operator'),
    );
    // A tap, let go before the move request has landed: the stop must follow the move,
    // not overtake it (the camera would pan on for the whole one-second lease).
    const idleWithin = async (ms: number) => {
      const until = Date.now() + ms;
      while (cam.ptzState()!.moveStatus.panTilt !== 'IDLE' && Date.now() < until) await sleep(50);
      return cam.ptzState()!.moveStatus.panTilt;
    };
    for (let i = 0; i < 5; i++) {
      await pressAndHold(page, '[data-ptz="left"]', 0);
      await sleep(150);
      expect(await idleWithin(750), `tap ${i + 1} stopped before the one-second lease ran out`).to.equal('IDLE');
    }
    // A tap whose move is slow to land (held back 300 ms), then at once a press held:
    // neither the tap's late move nor its stop may land after the held press's move.
    let slowed = false;
    await page.route('**/api/cameras/*/ptz', async (route) => {
      if (!slowed && (route.request().postData() ?? '').includes('"continuous"')) {
        slowed = true;
        await sleep(300);
      }
      await route.continue();
    });
    await pressAndHold(page, '[data-ptz="left"]', 0);
    let held = cam.ptzState()!;
    await pressAndHold(page, '[data-ptz="right"]', 900, () => (held = cam.ptzState()!));
    await page.unroute('**/api/cameras/*/ptz');
    expect(held.moveStatus.panTilt, 'still moving while the second press is held').to.equal('MOVING');
    expect(await idleWithin(750), 'stopped on release').to.equal('IDLE');
    await page.click('#enlarged-close');
  });

  it('reports an incident from what the enlarged camera shows: placed at the camera, its snapshot attached, opened from the toast', async () => {
    await page.click(`.tile[data-tile="0"] [data-action="enlarge"]`);
    const video = `#wall-enlarged video[data-stream="main"]`;
    await page.waitForFunction(
      (sel) => ((document.querySelector(sel) as HTMLVideoElement | null)?.currentTime ?? 0) > 0,
      video,
      { timeout: 15_000 },
    );
    expect(await page.textContent('#enlarged-report')).to.equal('上报事件');
    await page.click('#enlarged-report');
    await page.waitForSelector('#camera-report #report-type option[value="environment.garbage"]', {
      state: 'attached',
    });
    expect(await page.textContent('#camera-report-where'))
      .to.contain('东门广场')
      .and.contain('30.00500, 120.00500');
    expect(await page.textContent('#camera-report')).to.contain('将附上摄像机此刻的画面');
    await page.selectOption('#report-type', 'environment.garbage');
    await page.fill('#report-description', '广场东侧垃圾堆放');
    await page.click('#report-submit');
    const toast = page.locator('#toasts .toast', { hasText: '已上报 #' });
    await toast.waitFor({ timeout: 15_000 });
    const id = Number(/已上报 #(\d+)/.exec((await toast.textContent())!)![1]);
    expect(id).to.be.greaterThan(0);
    await page.waitForSelector('#camera-report', { state: 'detached' });
    // The enlarged view kept playing throughout.
    const t0 = await currentTime(video);
    await sleep(1200);
    expect(await currentTime(video), 'the enlarged video still plays').to.be.greaterThan(t0 + 0.3);

    const res = await dispatcher.get(`/api/incidents/${id}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const detail = res.body as {
      incident: {
        cameraId: number | null;
        description: string;
        subcategoryCode: string;
        lon: number;
        lat: number;
        source: string;
      };
      media: { id: number; kind: string; contentType: string; bytes: number }[];
    };
    expect(detail.incident).to.include({
      cameraId,
      description: '广场东侧垃圾堆放',
      subcategoryCode: 'environment.garbage',
      source: 'operator',
    });
    expect(detail.incident.lon).to.be.closeTo(120.005, 1e-6);
    expect(detail.incident.lat).to.be.closeTo(30.005, 1e-6);
    const snapshot = detail.media.find((m) => m.kind === 'snapshot');
    expect(snapshot, JSON.stringify(detail.media)).to.not.equal(undefined);
    const picture = await dispatcher.get(`/api/incidents/${id}/media/${snapshot!.id}`);
    expect(picture.status).to.equal(200);
    expect([...picture.raw.subarray(0, 3)], 'a JPEG').to.deep.equal([0xff, 0xd8, 0xff]);

    // The toast's 查看事件 opens the incident's card, with the camera's picture shown.
    await toast.locator('[data-action="open-reported"]').click();
    await page.waitForFunction(
      (n) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${n}`),
      id,
    );
    await page.waitForSelector('#incident-card .thumb img');
    await page.click('[data-nav="video"]');
    await page.click('#enlarged-close');
  });

  it('aims the camera at a point clicked on the map ("look here") and opens it on the wall', async () => {
    await page.click('[data-nav="map"]');
    await waitInPage(
      page,
      () => (window as unknown as { __wg?: { map?: { loaded(): boolean } } }).__wg?.map?.loaded() || null,
      15_000,
    );
    const before = cam.ptzState()!.position;
    const point = await page.evaluate(() =>
      (
        window as unknown as { __wg: { map: { project(p: [number, number]): { x: number; y: number } } } }
      ).__wg.map.project([120.021, 30.022]),
    );
    const origin = (await (await page.$('#main-map'))!.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.click('[data-action="look-here"]');
    await page.waitForFunction(() => location.hash === '#/video');
    await waitInPage(page, () => {
      const pos = document.querySelector('.tile video') !== null;
      return pos || null;
    });
    for (let i = 0; i < 30 && cam.ptzState()!.position.pan === before.pan; i++) await sleep(100);
    expect(cam.ptzState()!.position.pan).to.not.equal(before.pan);
  });

  it('shows a camera that drops, and plays it again by itself when it comes back', async () => {
    const state = () => page.$eval('.tile[data-tile="0"]', (el) => el.getAttribute('data-state'));
    await page.waitForFunction(
      () => document.querySelector('.tile[data-tile="0"]')?.getAttribute('data-state') === 'playing',
      undefined,
      { timeout: 15_000 },
    );
    await cam.setFaults({ offline: true });
    await page.waitForFunction(
      () => document.querySelector('.tile[data-tile="0"]')?.getAttribute('data-state') === 'retrying',
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.textContent('.tile[data-tile="0"] .tile-state')).to.contain('重连');
    await cam.setFaults({ offline: false });
    await page.waitForFunction(
      () => document.querySelector('.tile[data-tile="0"]')?.getAttribute('data-state') === 'playing',
      undefined,
      { timeout: 45_000 },
    );
    expect(await state()).to.equal('playing');
  });

  it('raises a camera alarm live in the top bar; its toast opens the camera on the wall', async () => {
    const s = t.api.services;
    const watcher = new AlertWatcher(s.db, s.box, s.alerts, 3000);
    try {
      await watcher.sync();
      for (let i = 0; i < 100 && watcher.status(cameraId)?.state !== 'subscribed'; i++) await sleep(100);
      await page.click('[data-nav="map"]');
      cam.emitEvent({ topic: 'motion', state: true });
      await page.waitForSelector('.alert-toast', { timeout: 15_000 });
      expect(await page.textContent('.alert-toast')).to.contain('移动侦测');
      expect(await page.textContent('#alerts-count')).to.equal('1');
      await page.click('.alert-toast [data-action="watch-alert"]');
      await page.waitForFunction(() => location.hash === '#/video');
      await page.waitForSelector(`.tile video[data-camera="${cameraId}"]`, { state: 'attached' });
    } finally {
      await watcher.stop();
      await s.alertsQueue.obliterate({ force: true }).catch(() => undefined);
    }
  });
});
