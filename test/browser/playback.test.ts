// Playback (回放) in a real chromium against the real api: footage encoded by ffmpeg and
// indexed as a recorder would, played through the HLS VOD playlists by hls.js. A click on
// the timeline shows its first frame within 1.5 s (measured in the browser), seeks, 2×
// and 4×, frame steps, a clear sentence where there is no footage; four cameras played
// in step (one clock, the others follow, drift corrected); and from the map, "what did
// the cameras here see at 14:05".
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { addFootage } from '../helpers/footage.js';
import { publishTinyTown } from '../helpers/tiny-town.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

/** What a playback view in the page says of itself (window.__wg.playbackViews, test build). */
interface ViewLook {
  cameraId: number;
  now: number | null;
  state: string;
  rate: number;
  time: number;
  paused: boolean;
  readyState: number;
  firstFrameMs: number | null;
}

type Views = {
  __wg: {
    playbackViews: Set<{
      cameraId: number;
      now: number | null;
      state: string;
      firstFrameMs: number | null;
      video: HTMLVideoElement;
    }>;
  };
};

/** The point the cameras look at (grid T5 of the tiny town). */
const POINT = { lon: 120.015, lat: 30.015 };
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('web app: playback of recorded footage (回放) in chromium', function () {
  this.timeout(60_000);
  let t: TestApi;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const saved = process.env['RECORDINGS_DIR'];
  const cameraIds: number[] = [];
  /** A whole minute of town time: cameras 1–3 have footage from 20 s before it, camera 4 from 4 s after. */
  let minute: number;
  let t0: number;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wangge-playback-'));
    process.env['RECORDINGS_DIR'] = dir;
    [t, browser] = await Promise.all([startWebApi('web-playback'), launchBrowser()]);
    const townId = await publishTinyTown(t);
    const sealed = t.api.services.box.seal('pw');
    for (let i = 1; i <= 4; i++) {
      const { rows } = await t.api.services.db.query<{ id: number }>(
        `INSERT INTO cameras (town_id, name, host, port, username, password_enc, main_stream_uri, sub_stream_uri)
         VALUES ($1, $2, '127.0.0.1', $3, 'u', $4, 'rtsp://127.0.0.1:1/main', 'rtsp://127.0.0.1:1/sub') RETURNING id`,
        [townId, `回放机位 ${i}`, 31000 + i, sealed],
      );
      cameraIds.push(rows[0]!.id);
      // All four look all around from some 80 m off the point (off it: a click there finds the grid).
      const [dx, dy] = [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ][i - 1]!;
      const placed = await t.admin.put(`/api/cameras/${rows[0]!.id}/placement`, {
        lon: POINT.lon + 0.0008 * dx!,
        lat: POINT.lat + 0.0008 * dy!,
        hfovDeg: 360,
        rangeM: 200,
      });
      expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
    }
    // Ten minutes ago, away from the town's midnight (16:00 UTC) so the footage is one day.
    minute = Math.floor((Date.now() - 10 * MINUTE) / MINUTE) * MINUTE;
    if (Math.abs((minute % 86_400_000) - 16 * 3_600_000) < 2 * MINUTE) minute -= 5 * MINUTE;
    t0 = minute - 20_000;
    for (const id of cameraIds.slice(0, 3)) await addFootage(t.api.services.db, dir, id, t0);
    await addFootage(t.api.services.db, dir, cameraIds[3]!, minute + 4000);
    const operator = await createAccount(t, ['operator'], [townId]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, operator, '#/playback');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    if (saved === undefined) delete process.env['RECORDINGS_DIR'];
    else process.env['RECORDINGS_DIR'] = saved;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const looks = (): Promise<ViewLook[]> =>
    page.evaluate(() =>
      [...(window as unknown as Views).__wg.playbackViews].map((v) => ({
        cameraId: v.cameraId,
        now: v.now,
        state: v.state,
        rate: v.video.playbackRate,
        time: v.video.currentTime,
        paused: v.video.paused,
        readyState: v.video.readyState,
        firstFrameMs: v.firstFrameMs,
      })),
    );
  const single = async () => (await looks())[0]!;

  /** Polls `fn(arg)` in the page until it is truthy; its value. */
  async function until<A, T>(fn: (arg: A) => T | false, arg: A, timeoutMs: number): Promise<T> {
    const handle = await page.waitForFunction(fn as (arg: unknown) => T | false, arg, {
      timeout: timeoutMs,
      polling: 100,
    });
    return (await handle.jsonValue()) as T;
  }

  /** Clicks the single view's timeline at instant `at` (ms); returns the instant the view read from the click. */
  async function clickTimeline(at: number): Promise<number> {
    const bar = (await page.$('#playback-main .playback-bar'))!;
    const box = (await bar.boundingBox())!;
    const from = Number(await bar.getAttribute('data-from'));
    const span = Number(await bar.getAttribute('data-span'));
    await page.mouse.click(box.x + ((at - from) / span) * box.width, box.y + box.height / 2);
    return Number(await page.getAttribute('#playback-main .playback-view', 'data-picked'));
  }

  /** Waits for a first frame after a click and returns the browser's own measure of it. */
  async function firstFrame(): Promise<number> {
    await page.waitForFunction(
      () => {
        const v = [...(window as unknown as Views).__wg.playbackViews][0];
        return v && v.firstFrameMs !== null && v.video.readyState >= 2;
      },
      undefined,
      { timeout: 10_000, polling: 50 },
    );
    return (await single()).firstFrameMs!;
  }

  it('says in words when there is no footage at the instant asked', async () => {
    await page.click(`#playback-cameras li[data-camera="${cameraIds[0]}"] .name`);
    // A new view starts a minute ago: nothing was recorded then.
    await page.waitForSelector('#playback-main .playback-view[data-state="no_footage"]');
    expect(await page.textContent('#playback-main .playback-info')).to.contain('没有录像');
    expect((await single()).paused).to.equal(true);
  });

  it('plays from a click on the timeline: first frame within 1.5 s, the instant clicked, frames advancing', async () => {
    const clicked = await clickTimeline(t0 + 10_000);
    const ms = await firstFrame();
    console.log(`      click → first frame: ${ms} ms (load ${os.loadavg()[0]!.toFixed(1)})`);
    expect(ms, 'click → first frame, ms').to.be.lessThan(1500);
    const look = await single();
    expect(look.readyState).to.be.at.least(2);
    expect(look.state).to.equal('playing');
    // The segment's first frame is where playing starts; a frame or two later by now.
    expect(look.now! - clicked, 'shown instant − clicked instant, ms').to.be.within(-150, 800);
    await sleep(600);
    expect((await single()).time).to.be.greaterThan(look.time);
    expect(await page.textContent('#playback-main .playback-info')).to.match(/\d\d:\d\d:\d\d/);
  });

  it('seeks within the footage, plays at 2× and 4×, and steps one frame at a time', async () => {
    for (const speed of [2, 4]) {
      await page.click(`#playback-main .playback-controls [data-speed="${speed}"]`);
      const a = await single();
      const began = Date.now();
      await sleep(1500);
      const b = await single();
      expect(b.rate).to.equal(speed);
      const ratio = (b.time - a.time) / ((Date.now() - began) / 1000);
      console.log(`      ${speed}×: ${ratio.toFixed(2)} s of footage per second`);
      expect(ratio, `${speed}× plays faster than 1×`).to.be.greaterThan(speed * 0.6);
    }
    await page.click('#playback-main .playback-controls [data-speed="1"]');
    const target = await clickTimeline(t0 + 40_000);
    const ms = await firstFrame();
    console.log(`      seek → first frame: ${ms} ms`);
    expect(ms).to.be.lessThan(1500);
    expect((await single()).now! - target, 'shown instant − clicked instant, ms').to.be.within(-150, 800);
    await sleep(500); // a few frames at 1× teach the view the frame interval
    await page.click('#playback-main [data-action="step"]');
    await page.waitForFunction(() => [...(window as unknown as Views).__wg.playbackViews][0]!.video.paused);
    await sleep(300);
    const a = await single();
    await page.click('#playback-main [data-action="step"]');
    await sleep(300);
    const b = await single();
    expect(b.paused).to.equal(true);
    expect(b.time - a.time, 'one frame at 10 fps').to.be.closeTo(0.1, 0.02);
    await page.click('#playback-main [data-action="step-back"]');
    await sleep(300);
    expect((await single()).time - b.time).to.be.closeTo(-0.1, 0.02);
  });

  it('plays four cameras in step: one clock, the others follow and are pulled back when they drift', async () => {
    for (const id of cameraIds) await page.check(`#playback-cameras input[data-sync="${id}"]`);
    expect(await page.textContent('#playback-sync-open')).to.contain('4/4');
    // From the single view's instant, where every camera has footage.
    await clickTimeline(t0 + 30_000);
    await firstFrame();
    await page.click('#playback-sync-open');
    await page.waitForSelector('#playback-sync');
    const inStep = async (within: number) =>
      until(
        (ms: number) => {
          const vs = [...(window as unknown as Views).__wg.playbackViews];
          if (vs.length !== 4 || vs.some((v) => v.state !== 'playing' || v.now === null)) return false;
          const nows = vs.map((v) => v.now!);
          return Math.max(...nows) - Math.min(...nows) <= ms ? Math.max(...nows) - Math.min(...nows) : false;
        },
        within,
        15_000,
      );
    console.log(`      4 cameras in step: ${await inStep(350)} ms apart`);
    // One camera jumps 3 s ahead: it is sought back to the clock.
    await page.evaluate(() => ([...(window as unknown as Views).__wg.playbackViews][2]!.video.currentTime += 3));
    expect(await inStep(350)).to.be.at.most(350);
    // A small drift is taken up by playing a little slower, not by a jump.
    await page.evaluate(() => ([...(window as unknown as Views).__wg.playbackViews][1]!.video.currentTime += 0.5));
    await sleep(400);
    const nudged = (await looks())[1]!;
    expect(nudged.rate, 'a camera ahead plays slower').to.be.lessThan(1);
    // Each camera is held within 80 ms of the clock (closer, it plays at the clock's rate),
    // so two may be 160 ms apart, plus up to a frame each (100 ms at 10 fps) of reading.
    expect(await inStep(350)).to.be.at.most(350);
    // Paused, every picture stands on the same instant.
    await page.click('#playback-sync [data-action="pause"]');
    await page.waitForFunction(() => [...(window as unknown as Views).__wg.playbackViews].every((v) => v.video.paused));
    await sleep(800);
    const still = await looks();
    const nows = still.map((v) => v.now!);
    expect(Math.max(...nows) - Math.min(...nows), 'paused, ms apart').to.be.at.most(120);
  });

  it('from the map: the cameras that saw a point at a minute, played there in step', async () => {
    await page.click('a[data-nav="map"]');
    // The map page is built on its first visit: wait until it is shown.
    await page.waitForSelector('section[data-page="map"]:not([hidden]) #main-map');
    await page.waitForFunction(() => !!(window as unknown as { __wg?: { map?: unknown } }).__wg?.map);
    // Close enough that the point is not under a camera's dot.
    const point = await page.evaluate(async (p) => {
      const map = (
        window as unknown as {
          __wg: {
            map: {
              jumpTo(o: unknown): void;
              once(e: string, f: () => void): void;
              project(p: [number, number]): { x: number; y: number };
            };
          };
        }
      ).__wg.map;
      const idle = new Promise<void>((resolve) => map.once('idle', resolve));
      map.jumpTo({ center: [p.lon, p.lat], zoom: 17 });
      await idle;
      return map.project([p.lon, p.lat]);
    }, POINT);
    const origin = (await (await page.$('#main-map'))!.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.click('.maplibregl-popup [data-action="look-back"]');
    const local = new Date(minute + 8 * 3_600_000).toISOString().slice(0, 16);
    await page.fill('#look-back-at', local);
    await page.click('[data-action="look-back-find"]');
    await page.waitForSelector('#look-back-cameras li[data-camera]');
    const listed = await page.$$eval('#look-back-cameras li[data-camera]', (lis) =>
      lis.map((li) => Number((li as HTMLElement).dataset['camera'])),
    );
    expect(listed.sort()).to.deep.equal([...cameraIds].sort());
    expect(await page.textContent('#look-back-cameras')).to.contain(' m · ');
    await page.click('#look-back-cameras [data-action="play-all"]');
    await page.waitForSelector('section[data-page="playback"]:not([hidden]) #playback-sync');
    // Cameras 1–3 play that minute; camera 4 has nothing yet and says so …
    const first = await until(
      (want: number) => {
        const vs = [...(window as unknown as Views).__wg.playbackViews];
        const playing = vs.filter((v) => v.state === 'playing' && v.now !== null);
        const none = vs.filter((v) => v.state === 'no_footage');
        return playing.length === 3 && none.length === 1 && none[0]!.cameraId === want
          ? playing.map((v) => v.now!)
          : false;
      },
      cameraIds[3]!,
      10_000,
    );
    for (const now of first) expect(Math.abs(now - minute), 'plays the minute asked').to.be.lessThan(3000);
    expect(
      await page.textContent(`#playback-sync .sync-cell[data-camera="${cameraIds[3]}"] .playback-info`),
    ).to.contain('没有录像');
    // … and joins, in step, once the clock reaches its footage (4 s later).
    await until(
      () => {
        const vs = [...(window as unknown as Views).__wg.playbackViews];
        const nows = vs.map((v) => v.now);
        return (
          vs.length === 4 &&
          vs.every((v) => v.state === 'playing') &&
          Math.max(...(nows as number[])) - Math.min(...(nows as number[])) <= 300
        );
      },
      null,
      15_000,
    );
  });
});
