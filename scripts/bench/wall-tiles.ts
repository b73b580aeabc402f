// The video wall with many tiles in headless chromium: how busy the page's main thread
// is with 16, 25 and 36 tiles playing (each its own hls.js on the camera's sub stream;
// one relay shared by all, as on a wall of one camera group), by CDP TaskDuration.
import os from 'node:os';
import type { Browser } from 'playwright-core';
import { fmt } from './bench-db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function wallTiles(
  browser: Browser,
  baseUrl: string,
  token: string,
  town: string,
  cameraId: number,
  report: (what: string, figure: string) => void,
  seconds = 10,
): Promise<void> {
  for (const n of [16, 25, 36]) {
    // The wall as the operator left it: the server's copy wins over the browser's at login.
    const cameraIds = Array.from({ length: n }, () => cameraId);
    const res = await fetch(`${baseUrl}/api/walls/last`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ layout: String(n), cameraIds }),
    });
    if (!res.ok) throw new Error(`PUT /api/walls/last: ${res.status} ${await res.text()}`);
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await context.addInitScript(
      ([tk, tw, layout, cams]) => {
        localStorage.setItem('wg.token', tk!);
        localStorage.setItem('wg.town', tw!);
        localStorage.setItem('wg.wall.layout', layout!);
        localStorage.setItem('wg.wall.cameras', cams!);
      },
      [token, town, String(n), JSON.stringify(cameraIds)],
    );
    const page = await context.newPage();
    await page.goto(`${baseUrl}/?tiles=${n}#/video`);
    const started = performance.now();
    const playing = () => page.locator('.tile[data-state="playing"]').count();
    while ((await playing()) < n && performance.now() - started < 60_000) await sleep(500);
    const live = await playing();
    const states = await page.$$eval('.tile', (els) =>
      els.reduce<Record<string, number>>((acc, el) => {
        const k = (el as HTMLElement).dataset['state'] ?? 'empty';
        acc[k] = (acc[k] ?? 0) + 1;
        return acc;
      }, {}),
    );
    await sleep(2000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const task = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
    const t0 = await task();
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const busy = (await task()) - t0;
    const share = busy / ((performance.now() - w0) / 1000);
    report(
      `${n}-tile wall: main thread busy (${seconds} s, CDP TaskDuration) [load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}]`,
      `${fmt(share * 100)}% with ${live}/${n} tiles playing (${JSON.stringify(states)})${n === 16 ? ' (floor < 50 %)' : ''}`,
    );
    await context.close();
  }
}
