// Glass-to-glass latency per path, read back in headless chromium from the simulated
// camera's burnt-in timecode (web/src/video/timecode.ts): the wall's HLS sub stream, the
// steered view on HLS main and on the low-latency path; and click on the picture → the
// camera moving. Runs the real api (its own database) and the built web app.
import os from 'node:os';
import { chromium, type Page } from 'playwright-core';
import { SimulatedCamera } from '../simulators/camera/simulated-camera.js';
import { startTestApi } from '../../test/helpers/api.js';
import { dropTemplate, prepareTemplate } from '../../test/helpers/databases.js';
import { ensureWebBuilt, CHROMIUM, CHROMIUM_ARGS, WEB_DIST } from '../../test/browser/browser.js';
import { tinyTownWithPeople } from '../../test/helpers/roster.js';
import { TOWN } from '../../test/helpers/tiny-town.js';
import { fmt, percentile } from './bench-db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

type Wall = {
  tiles(): { glassMs: number[]; state: string | null }[];
  steer(): { path: string; state: string; glassMs: number[] } | null;
};

function summary(samples: number[]): string {
  if (samples.length === 0) return 'no frame decoded';
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(s, 50) / 1000, 2)} s, p95 ${fmt(percentile(s, 95) / 1000, 2)} s, max ${fmt(s.at(-1)! / 1000, 2)} s (${s.length} frames)`;
}

export async function glassToGlass(report: (what: string, figure: string) => void, seconds: number): Promise<void> {
  ensureWebBuilt();
  await prepareTemplate();
  const t = await startTestApi('bench-glass', {}, undefined, { staticDir: WEB_DIST });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const cam = await SimulatedCamera.start({
    name: '楼顶球机',
    ptz: true,
    username: 'admin',
    password: 'bench-glass-pass',
    onvifPort: 0,
    rtspPort: 0,
    discovery: false,
  });
  try {
    const town = await tinyTownWithPeople(t, 1);
    const res = await t.admin.post('/api/cameras', {
      name: '楼顶球机',
      host: '127.0.0.1',
      port: Number(new URL(cam.xaddr).port),
      username: 'admin',
      password: 'bench-glass-pass',
      townCode: TOWN,
      placement: {
        lon: 120.005,
        lat: 30.005,
        headingDeg: 0,
        hfovDeg: 60,
        rangeM: 3000,
        highPosition: true,
        mountHeightM: 30,
      },
    });
    if (res.status !== 201) throw new Error(`camera: ${res.status} ${JSON.stringify(res.body)}`);
    const cameraId = res.body.id as number;
    const operator = await t.login(['operator'], [town.townId]);

    const open = async (steerPath: 'low-latency' | 'hls'): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(
        ([token, town, path]) => {
          localStorage.setItem('wg.token', token!);
          localStorage.setItem('wg.town', town!);
          localStorage.setItem('wg.measureLatency', '1');
          localStorage.setItem('wg.steerPath', path!);
          localStorage.setItem('wg.wall.layout', '1');
        },
        [operator.token!, TOWN, steerPath],
      );
      const page = await context.newPage();
      await page.goto(`${t.api.url}/#/video`);
      await page.waitForSelector(`#camera-list li[data-camera="${cameraId}"]`);
      await page.click('.tile[data-tile="0"]');
      await page.click(`#camera-list li[data-camera="${cameraId}"]`);
      return page;
    };
    const collect = async (page: Page, read: () => number[]): Promise<number[]> => {
      await page.waitForFunction(read, undefined, { timeout: 30_000, polling: 200 }).catch(() => undefined);
      await sleep(seconds * 1000);
      return page.evaluate(read);
    };

    // The wall's tile: HLS, sub stream.
    const wall = await open('hls');
    const tile = await collect(wall, () => {
      const g = (window as unknown as { __wg: { wall: Wall } }).__wg.wall.tiles()[0]?.glassMs ?? [];
      return g.length > 5 ? g : (null as unknown as number[]);
    });
    report(`glass-to-glass, wall tile (HLS sub, hls.js) [load ${load()}]`, summary(tile.slice(5)));
    // The steered view on HLS main, then on the low-latency path.
    for (const path of ['hls', 'low-latency'] as const) {
      const page = path === 'hls' ? wall : await open(path);
      await page.click('.tile[data-tile="0"] [data-action="enlarge"]');
      const samples = await collect(page, () => {
        const g = (window as unknown as { __wg: { wall: Wall } }).__wg.wall.steer()?.glassMs ?? [];
        return g.length > 5 ? g : (null as unknown as number[]);
      });
      const shown = await page.evaluate(
        () => (window as unknown as { __wg: { wall: Wall } }).__wg.wall.steer()?.path ?? 'none',
      );
      report(
        `glass-to-glass, steered view (${path === 'hls' ? 'HLS main, hls.js' : 'low-latency fMP4 main, MSE'}, played: ${shown}) [load ${load()}]`,
        summary(samples.slice(5)),
      );
      if (path === 'low-latency') await clickToMove(page, cameraId, report);
      await page.context().close();
    }
  } finally {
    await browser.close();
    await t.close();
    await cam.stop();
    await dropTemplate();
  }

  async function clickToMove(page: Page, cameraId: number, rep: typeof report): Promise<void> {
    // From the moment the aim request leaves (≈ reaches the server on loopback) to the
    // camera reporting MOVING; the request is sent from the page, as a click sends it.
    const times: number[] = [];
    await page.waitForSelector('#aim-overlay');
    for (let i = 0; i < 10; i++) {
      while (cam.ptzState()!.moveStatus.panTilt !== 'IDLE') await sleep(20);
      const x = i % 2 ? 0.1 : 0.9;
      const sent = performance.now();
      const request = page.evaluate(
        ([id, x]) =>
          fetch(`/api/cameras/${id}/ptz/aim`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${localStorage.getItem('wg.token')}`,
            },
            body: JSON.stringify({ x, y: 0.5 }),
          }).then((r) => r.status),
        [cameraId, x] as const,
      );
      while (cam.ptzState()!.moveStatus.panTilt !== 'MOVING' && performance.now() - sent < 3000) await sleep(1);
      times.push(performance.now() - sent);
      await request;
    }
    times.sort((a, b) => a - b);
    rep(
      `click on the picture → camera moving (aim request sent → ONVIF MOVING) [load ${load()}]`,
      `p50 ${fmt(percentile(times, 50), 0)} ms, max ${fmt(times.at(-1)!, 0)} ms (floor ≤ 300 ms)`,
    );
  }
}
