// Dispatch in a real browser: a gridworker's report chimes on whatever page is shown
// and joins the queue; the dispatcher sees the candidates' duty state and sends the
// nearest from the card, the simulated phone (the gridworker simulator's task
// responder) hears the offer and accepts, and the card follows live. Closed incidents
// on demand, an incident's card opened from elsewhere, a distinct call for an
// escalation, a photo added from the card (and a text file refused with the server's
// reason), a manual merge from the card, an upload and a half-typed note kept while a live
// change draws the card again, and no other town's incidents for an account
// of two towns.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { TaskResponder } from '../../scripts/simulators/gridworkers/task-responder.js';
import { square, TOWN } from '../helpers/tiny-town.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

type Wg = { __wg: { dispatch: { chimes(): number; attentions(): number }; openIncident(id: number): void } };
const chimes = (page: Page) => page.evaluate(() => (window as unknown as Wg).__wg.dispatch.chimes());
const attentions = (page: Page) => page.evaluate(() => (window as unknown as Wg).__wg.dispatch.attentions());
const OTHER_TOWN = '990101002';

describe('web app: dispatch', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let browser: Browser;
  let page: Page;
  let responder: TaskResponder;
  let incidentId: number;
  let closedId: number;
  /** The page of the two-town account, when that test runs. */
  let second: Page | undefined;
  /** A real JPEG (ffmpeg) and a text file, for the card's 添加照片. */
  let files: string;

  before(async () => {
    [t, browser] = await Promise.all([
      startWebApi('web-dispatch', { FIX_MAX_SPEED_MPS: '100000', FIX_MAX_JUMP_SPEED_MPS: '100000' }),
      launchBrowser(),
    ]);
    town = await incidentTown(t, 3);
    for (let i = 0; i < 3; i++) await town.place(i, inGrid(i, 0));
    responder = new TaskResponder({
      apiUrl: t.api.url,
      tokens: new Map([[town.phones[0]!.identifier, town.phones[0]!.token]]),
      // The phone accepts at once, then goes on to `start` only workMs/3 later (10 min):
      // the incident stays 已接单 for the whole file however slowly it runs.
      acceptShare: 1,
      answerAfterMs: [200, 400],
      workMs: [1_800_000, 1_800_000],
    });
    responder.start();
    files = mkdtempSync(join(tmpdir(), 'wg-dispatch-'));
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=orange:s=64x48',
      '-frames:v',
      '1',
      '-y',
      join(files, 'scene.jpg'),
    ]);
    writeFileSync(join(files, 'notes.txt'), '现场情况说明，不是照片\n');
    // Settled on the spot before the page opens: closed, so only a closed-incidents load shows it.
    const settled = await town.dispatcher.post('/api/incidents', {
      subcategory: 'services.paperwork',
      description: '当场解答代办',
      ...inGrid(0, 0, -0.002, 0.003),
      settledOnSpot: true,
    });
    expect(settled.status, JSON.stringify(settled.body)).to.equal(201);
    closedId = (settled.body.incident ?? settled.body).id;
    expect((settled.body.incident ?? settled.body).state).to.equal('closed');
    const dispatcher = await createAccount(t, ['dispatcher'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    echoPageErrors(page);
    // The map is the first page: the dispatch page is not built until 调度 is opened.
    await loginThroughForm(page, t.api.url, dispatcher);
    await page.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, second ?? page);
  });
  after(async () => {
    await responder?.stop();
    await browser?.close();
    await t?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('chimes for a new report while the dispatcher is on the map (调度 never opened); the queue shows it with its deadline', async () => {
    await page.waitForSelector('#main-map');
    expect(await page.$('[data-page="dispatch"]')).to.equal(null);
    expect(await chimes(page)).to.equal(0);
    const res = await town.phone(1).post('/api/phone/incidents', {
      subcategory: 'environment.garbage',
      description: '河边垃圾成堆',
      ...inGrid(0, 0, 0.001, 0),
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    incidentId = (res.body.incident ?? res.body).id;
    await page.waitForFunction(() => (window as unknown as Wg).__wg.dispatch.chimes() === 1);
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('新事件'));
    expect(await page.$('[data-page="dispatch"]')).to.equal(null);
    await page.click('[data-nav="dispatch"]');
    await page.waitForSelector(`#queue-rows tr[data-incident="${incidentId}"]`);
    expect(await page.textContent(`#queue-rows tr[data-incident="${incidentId}"]`)).to.contain('河边垃圾成堆');
    expect(await page.textContent(`#queue-rows tr[data-incident="${incidentId}"] td[data-due]`)).to.match(/受理 \d/);
    // The settled one is closed: not in the open queue.
    expect(await page.$(`#queue-rows tr[data-incident="${closedId}"]`)).to.equal(null);
  });

  it("shows each candidate gridworker's duty state", async () => {
    const offDuty = town.phones[2]!.personId;
    expect((await t.admin.put(`/api/people/${offDuty}/duty`, { status: 'off_duty' })).status).to.equal(200);
    await page.click(`#queue-rows tr[data-incident="${incidentId}"]`);
    await page.waitForSelector(`#candidates tr[data-person="${offDuty}"]`);
    expect(await page.textContent(`#candidates tr[data-person="${town.phones[0]!.personId}"] [data-duty]`)).to.equal(
      '在岗',
    );
    expect(await page.textContent(`#candidates tr[data-person="${offDuty}"] [data-duty]`)).to.equal('离岗');
  });

  it('sends the nearest gridworker from the card; the simulated phone accepts and the card follows', async () => {
    await page.click(`#queue-rows tr[data-incident="${incidentId}"]`);
    await page.waitForSelector('#candidates tr');
    const first = await page.getAttribute('#candidates tr', 'data-person');
    expect(Number(first)).to.equal(town.phones[0]!.personId);
    await page.click(`[data-dispatch="${town.phones[0]!.personId}"]`);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`#queue-rows tr[data-incident="${id}"] td[data-state]`)?.getAttribute('data-state') ===
        'accepted',
      incidentId,
      { timeout: 15_000 },
    );
    expect(responder.counts.accepted).to.equal(1);
    await page.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已接单');
    expect(await page.textContent('#timeline')).to.contain('网格员1');
  });

  it('shows closed incidents when "open only" is unticked', async () => {
    expect(await page.$(`#queue-rows tr[data-incident="${closedId}"]`)).to.equal(null);
    await page.uncheck('#queue-open');
    await page.waitForSelector(`#queue-rows tr[data-incident="${closedId}"]`);
    expect(await page.textContent(`#queue-rows tr[data-incident="${closedId}"] td[data-state]`)).to.equal('已办结');
    expect(await page.textContent(`#queue-rows tr[data-incident="${closedId}"]`)).to.contain('当场解答代办');
    await page.check('#queue-open');
    await page.waitForSelector(`#queue-rows tr[data-incident="${closedId}"]`, { state: 'detached' });
  });

  it('counts the incidents on the statistics page, with its charts', async () => {
    await page.click('[data-nav="stats"]');
    // The garbage report and the one settled on the spot, both in T1.
    await page.waitForFunction(() => document.querySelector('[data-kpi="received"] .kpi-value')?.textContent === '2');
    expect(await page.textContent('[data-kpi="closed"] .kpi-value')).to.equal('1');
    expect(await page.$$('#chart-closure svg rect')).to.have.length(1);
    expect(await page.textContent('#chart-closure')).to.contain('测试网格1');
    expect(await page.textContent('#chart-categories')).to.not.equal('');
  });

  it('puts the open incident on the map and shades its grid', async () => {
    await page.click('[data-nav="map"]');
    const gridId = (await t.admin.get(`/api/incidents/${incidentId}`)).body.incident.gridId as number;
    const load = await page.waitForFunction((id) => {
      const map = (
        window as unknown as {
          __wg?: {
            map?: {
              getSource(s: string): unknown;
              querySourceFeatures(s: string): unknown[];
              getFeatureState(f: unknown): { load?: number };
            };
          };
        }
      ).__wg?.map;
      if (!map?.getSource('incidents') || map.querySourceFeatures('incidents').length === 0) return null;
      return map.getFeatureState({ source: 'base', sourceLayer: 'grids', id }).load ?? null;
    }, gridId);
    expect(await load.jsonValue()).to.equal(1);
  });

  it('reports an incident from a point on the map; it joins the queue', async () => {
    const point = await page.evaluate(() =>
      (
        window as unknown as { __wg: { map: { project(p: [number, number]): { x: number; y: number } } } }
      ).__wg.map.project([120.015, 30.015]),
    );
    const origin = (await (await page.$('#main-map'))!.boundingBox())!;
    await page.mouse.click(origin.x + point.x, origin.y + point.y);
    await page.click('[data-card="grid"] [data-action="report"]');
    await page.selectOption('#report-type', 'traffic.road_damage');
    await page.fill('#report-description', '路面塌陷一米见方');
    await page.click('#report-submit');
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('已上报'));
    const listed = (await t.admin.get(`/api/incidents?town=${'990101001'}&open=true`)).body.items as {
      description: string;
      gridCode: string;
    }[];
    expect(listed.find((i) => i.description === '路面塌陷一米见方')?.gridCode).to.equal('T5');
    await page.click('[data-nav="dispatch"]');
    await page.waitForFunction(() => document.querySelector('#queue-rows')?.textContent?.includes('路面塌陷一米见方'));
  });

  it("opens an incident's card from another page (ctx.openIncident, and the #/dispatch?incident= link)", async () => {
    await page.click('[data-nav="map"]');
    await page.waitForSelector('[data-page="dispatch"]', { state: 'hidden' });
    await page.evaluate((id) => (window as unknown as Wg).__wg.openIncident(id), closedId);
    await page.waitForSelector('[data-page="dispatch"]', { state: 'visible' });
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      closedId,
    );
    expect(await page.textContent('#card-state')).to.equal('已办结');
    expect(await page.getAttribute('[data-nav="dispatch"]', 'class')).to.contain('active');
    await page.click('[data-nav="map"]');
    await page.evaluate((id) => (location.hash = `#/dispatch?incident=${id}`), incidentId);
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      incidentId,
    );
    expect(await page.textContent('#incident-card')).to.contain('河边垃圾成堆');
  });

  it('calls with a distinct tone when an incident is escalated by someone else', async () => {
    const before = await chimes(page);
    const res = await town
      .phone(1)
      .post('/api/phone/incidents', { subcategory: 'fire.outbreak', description: '柴堆冒烟', ...inGrid(2, 2) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const id = (res.body.incident ?? res.body).id as number;
    await page.waitForSelector(`#queue-rows tr[data-incident="${id}"]`);
    // The new one's chime comes once the shell has gathered what arrived together (300 ms).
    await page.waitForFunction((n) => (window as unknown as Wg).__wg.dispatch.chimes() === n + 1, before);
    const [chimed, called] = [await chimes(page), await attentions(page)];
    const escalated = await town.dispatcher.post(`/api/incidents/${id}/actions`, {
      action: 'escalate',
      note: '需镇里处置',
    });
    expect(escalated.status, JSON.stringify(escalated.body)).to.equal(200);
    await page.waitForFunction((n) => (window as unknown as Wg).__wg.dispatch.attentions() === n + 1, called);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`#queue-rows tr[data-incident="${id}"] td[data-state]`)?.getAttribute('data-state') ===
        'escalated',
      id,
    );
    expect(await page.textContent('#toasts')).to.contain(`已上报: `);
    expect(await chimes(page)).to.equal(chimed);
  });

  it('adds a photo from the card: it uploads with the session and shows in the card and the incident', async () => {
    const jpeg = readFileSync(join(files, 'scene.jpg'));
    expect([...jpeg.subarray(0, 3)]).to.deep.equal([0xff, 0xd8, 0xff]);
    const before = (await t.admin.get(`/api/incidents/${incidentId}`)).body.media as { id: number }[];
    await page.click('[data-nav="dispatch"]');
    await page.click(`#queue-rows tr[data-incident="${incidentId}"]`);
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      incidentId,
    );
    expect(await page.textContent('#media-add')).to.equal('添加照片');
    expect(await page.getAttribute('#media-file', 'accept')).to.equal('image/*');
    await page.setInputFiles('#media-file', join(files, 'scene.jpg'));
    // Said by a toast: the card itself is drawn again with the new photo.
    await page.waitForFunction(() => document.querySelector('#toasts')?.textContent?.includes('照片已添加'));
    const after = (await t.admin.get(`/api/incidents/${incidentId}`)).body.media as {
      id: number;
      kind: string;
      contentType: string;
      bytes: number;
    }[];
    expect(after).to.have.length(before.length + 1);
    const added = after.find((m) => !before.some((b) => b.id === m.id))!;
    expect(added).to.include({ kind: 'photo', contentType: 'image/jpeg', bytes: jpeg.length });
    // The card shows the picture itself, decoded (64×48), fetched with the token.
    const size = await page.waitForFunction((id) => {
      const img = document.querySelector<HTMLImageElement>(`#incident-media [data-media="${id}"] img`);
      return img?.complete && img.naturalWidth > 0 ? `${img.naturalWidth}x${img.naturalHeight}` : null;
    }, added.id);
    expect(await size.jsonValue()).to.equal('64x48');
    expect(await page.isEnabled('#media-file')).to.equal(true);
    expect(await page.isHidden('#media-error')).to.equal(true);
    expect(await page.textContent('#timeline')).to.contain('添加照片 → 已接单');
  });

  it("refuses a file that is not a picture with the server's reason", async () => {
    const before = ((await t.admin.get(`/api/incidents/${incidentId}`)).body.media as unknown[]).length;
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      incidentId,
    );
    await page.setInputFiles('#media-file', join(files, 'notes.txt'));
    await page.waitForSelector('#media-error', { state: 'visible' });
    const shown = await page.textContent('#media-error');
    expect(shown).to.contain('未能添加');
    expect(shown).to.contain('Send a photo or video as image/jpeg, image/png');
    expect(await page.isEnabled('#media-file')).to.equal(true);
    expect(await page.textContent('#media-status')).to.equal('');
    expect(((await t.admin.get(`/api/incidents/${incidentId}`)).body.media as unknown[]).length).to.equal(before);
  });

  it("merges incident B into A from B's card, chosen among the town's open incidents nearest first", async () => {
    // Different subcategories, so the intake does not merge them by itself; about 48 m apart.
    const a = await town.dispatcher.post('/api/incidents', {
      subcategory: 'fire.blocked_exit',
      description: '楼道堆物堵住消防通道',
      ...inGrid(2, 0),
    });
    expect(a.status, JSON.stringify(a.body)).to.equal(201);
    const aId = (a.body.incident ?? a.body).id as number;
    const b = await town.dispatcher.post('/api/incidents', {
      subcategory: 'fire.equipment',
      description: '同一楼道灭火器被挪走',
      ...inGrid(2, 0, 0.0005, 0),
    });
    expect(b.status, JSON.stringify(b.body)).to.equal(201);
    const bId = (b.body.incident ?? b.body).id as number;
    expect(bId).to.not.equal(aId);
    await page.waitForSelector(`#queue-rows tr[data-incident="${bId}"]`);
    await page.click(`#queue-rows tr[data-incident="${bId}"]`);
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      bId,
    );
    expect(await page.textContent('#merge-open')).to.equal('合并到…');
    await page.click('#merge-open');
    await page.waitForSelector('#merge-targets [data-merge-target]');
    const rows = await page.$$eval('#merge-targets [data-merge-target]', (els) =>
      els.map((el) => ({
        id: Number(el.getAttribute('data-merge-target')),
        distance: Number(el.querySelector('[data-distance]')!.getAttribute('data-distance')),
        text: el.textContent ?? '',
      })),
    );
    // A first (nearest), B itself not offered, the others farther, in order.
    expect(rows[0]!.id).to.equal(aId);
    expect(rows[0]!.text).to.contain('消防通道堵塞').and.contain(`#${aId}`).and.match(/4\d m/);
    expect(rows[0]!.distance).to.be.within(40, 56);
    expect(rows.map((r) => r.id)).to.not.include(bId);
    expect(rows.map((r) => r.id)).to.include(incidentId);
    const distances = rows.map((r) => r.distance);
    expect(distances).to.deep.equal([...distances].sort((x, y) => x - y));
    expect(await page.isDisabled('#merge-confirm')).to.equal(true);
    await page.check(`#merge-targets [data-merge-target="${aId}"] input`);
    expect(await page.textContent('#merge-question'))
      .to.contain(`#${bId}`)
      .and.contain(`#${aId}`);
    await page.click('#merge-confirm');
    await page.waitForFunction(() => document.querySelector('#card-state')?.textContent === '已合并');
    expect(await page.textContent('#card-merged-into')).to.contain(`#${aId}`);
    expect(await page.$('#merge-open')).to.equal(null);
    // B leaves the open queue; A stays.
    await page.waitForSelector(`#queue-rows tr[data-incident="${bId}"]`, { state: 'detached' });
    expect(await page.$(`#queue-rows tr[data-incident="${aId}"]`)).to.not.equal(null);
    const merged = (await t.admin.get(`/api/incidents/${bId}`)).body;
    expect(merged.incident.state).to.equal('merged');
    expect(merged.incident.mergedInto).to.equal(aId);
    const target = (await t.admin.get(`/api/incidents/${aId}`)).body;
    expect(target.mergedFrom).to.deep.equal([bId]);
    expect(target.incident.reportCount).to.equal(2);
    // A's card names the incident merged into it.
    await page.click(`#card-merged-into button`);
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      aId,
    );
    expect(await page.textContent('#card-merged-from')).to.contain(`#${bId}`);
  });

  it('keeps a photo upload in flight and a half-typed note when a live change draws the card again', async () => {
    const c = await town.dispatcher.post('/api/incidents', {
      subcategory: 'market.unlicensed',
      description: '路边无证摊点',
      ...inGrid(1, 1),
    });
    expect(c.status, JSON.stringify(c.body)).to.equal(201);
    const cId = (c.body.incident ?? c.body).id as number;
    await page.waitForSelector(`#queue-rows tr[data-incident="${cId}"]`);
    await page.click(`#queue-rows tr[data-incident="${cId}"]`);
    await page.waitForFunction(
      (id) => document.querySelector('#incident-card .card-title')?.textContent?.includes(`#${id}`),
      cId,
    );
    // The upload is held at the browser's edge until the live change has been drawn.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached = false;
    const upload = `**/api/incidents/${cId}/media`;
    await page.route(upload, async (route) => {
      reached = true;
      await held;
      await route.continue();
    });
    const note = '已电话联系摊主，明早';
    try {
      await page.fill('#action-note', note);
      await page.setInputFiles('#media-file', join(files, 'scene.jpg'));
      for (let i = 0; !reached && i < 100; i++) await page.waitForTimeout(50);
      expect(reached, 'the upload reached the network').to.equal(true);
      expect(await page.isDisabled('#media-file')).to.equal(true);
      // Someone else sends a gridworker meanwhile: the push stream draws the card again.
      const sent = await town.dispatcher.post(`/api/incidents/${cId}/dispatch`, { personId: town.phones[1]!.personId });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
      await page.waitForFunction(() => document.querySelector('#timeline')?.textContent?.includes('指定派给'));
      expect(await page.inputValue('#action-note')).to.equal(note);
      // Still the one uploader, busy, showing its progress: no second upload is offered.
      expect(await page.$$('#media-file')).to.have.length(1);
      expect(await page.isDisabled('#media-file')).to.equal(true);
      expect(await page.isVisible('#media-progress')).to.equal(true);
      expect(await page.textContent('#media-status')).to.contain('上传中');
    } finally {
      release();
    }
    // The answer reaches the card on screen: the photo is drawn in it (the toast of the earlier photo may still be up).
    await page.waitForSelector('#incident-media [data-media] img', { timeout: 15_000 });
    const media = (await t.admin.get(`/api/incidents/${cId}`)).body.media as { id: number }[];
    expect(media).to.have.length(1);
    const size = await page.waitForFunction((id) => {
      const img = document.querySelector<HTMLImageElement>(`#incident-media [data-media="${id}"] img`);
      return img?.complete && img.naturalWidth > 0 ? `${img.naturalWidth}x${img.naturalHeight}` : null;
    }, media[0]!.id);
    expect(await size.jsonValue()).to.equal('64x48');
    expect(await page.isEnabled('#media-file')).to.equal(true);
    expect(await page.isHidden('#media-error')).to.equal(true);
    expect(await page.inputValue('#action-note')).to.equal(note);
    await page.unroute(upload);
  });

  it("keeps another town's incidents out of the queue of an account of two towns", async () => {
    const imported = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: OTHER_TOWN, name: '邻镇', level: 'town', parent_code: '990101', synthetic: true },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
        {
          type: 'Feature',
          properties: {
            code: `${OTHER_TOWN}201`,
            name: '邻村',
            level: 'village',
            parent_code: OTHER_TOWN,
            synthetic: true,
          },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
      ],
    });
    expect(imported.status, JSON.stringify(imported.body)).to.be.oneOf([200, 201]);
    const plan = (await t.admin.post('/api/plans', { scopeCode: OTHER_TOWN, title: 'grids' })).body.id;
    await t.admin.put(`/api/plans/${plan}/grids`, {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: 'U1', name: '邻镇网格1', kind: 'residential', village_code: `${OTHER_TOWN}201` },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
      ],
    });
    expect((await t.admin.post(`/api/plans/${plan}/publish`)).status).to.equal(200);
    const otherTownId = (await t.admin.get(`/api/areas/${OTHER_TOWN}`)).body.id as number;
    const both = await createAccount(t, ['dispatcher'], [town.townId, otherTownId]);
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    await context.addInitScript((code) => localStorage.setItem('wg.town', code), TOWN);
    second = await context.newPage();
    echoPageErrors(second);
    await loginThroughForm(second, t.api.url, both, '#/dispatch');
    await second.waitForFunction(() => document.querySelector('#live-state')?.getAttribute('data-state') === 'open');
    expect(await second.inputValue('#town-select')).to.equal(TOWN);
    await second.waitForSelector(`#queue-rows tr[data-incident="${incidentId}"]`);
    // Every queue row and toast the page ever shows from here on.
    await second.evaluate(() => {
      const seen = { rows: new Set<string>(), toasts: new Set<string>() };
      (window as unknown as { __seen: typeof seen }).__seen = seen;
      new MutationObserver(() => {
        for (const row of Array.from(document.querySelectorAll('#queue-rows tr[data-incident]')))
          seen.rows.add(row.getAttribute('data-incident')!);
        for (const toast of Array.from(document.querySelectorAll('#toasts .toast')))
          seen.toasts.add(toast.textContent ?? '');
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    const neighbour = await t.login(['dispatcher'], [otherTownId]);
    const there = await neighbour.post('/api/incidents', {
      subcategory: 'environment.garbage',
      description: '邻镇垃圾',
      lon: 120.065,
      lat: 30.015,
    });
    expect(there.status, JSON.stringify(there.body)).to.equal(201);
    const thereId = (there.body.incident ?? there.body).id as number;
    // One of our town after it: once it is shown, the other town's would have come first.
    const here = await town.phone(1).post('/api/phone/incidents', {
      subcategory: 'traffic.road_damage',
      description: '本镇路面破损',
      ...inGrid(2, 1),
    });
    expect(here.status, JSON.stringify(here.body)).to.equal(201);
    const hereIncident = here.body.incident ?? here.body;
    await second.waitForSelector(`#queue-rows tr[data-incident="${hereIncident.id}"]`);
    expect(await second.$(`#queue-rows tr[data-incident="${thereId}"]`)).to.equal(null);
    expect(await second.textContent('#queue-rows')).to.not.contain('邻镇垃圾');
    // The chime's toast names our town's alone. Had the other's leaked, it would have come
    // in the same 300 ms the shell gathers (still one chime), as "新事件: 2 起".
    await second.waitForFunction(() => (window as unknown as Wg).__wg.dispatch.chimes() >= 1);
    await second.waitForTimeout(600);
    const seen = await second.evaluate(() => {
      const s = (window as unknown as { __seen: { rows: Set<string>; toasts: Set<string> } }).__seen;
      return { rows: [...s.rows], toasts: [...s.toasts] };
    });
    expect(seen.rows).to.include(String(hereIncident.id)).and.not.include(String(thereId));
    const news = seen.toasts.filter((x) => x.startsWith('新事件'));
    expect(news, JSON.stringify(seen.toasts)).to.deep.equal([
      `新事件: ${hereIncident.subcategoryName} · ${hereIncident.gridCode}`,
    ]);
    expect(await chimes(second)).to.equal(1);
  });
});
