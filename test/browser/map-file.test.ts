// Importing a planner's map file on the planning page, in a real browser against real
// GDAL: a GBK Shapefile without .prj whose code column is not one the page can guess.
// The page asks for the coordinate system, previews the file (CRS, attributes with
// samples, its outline drawn beside the town), the planner picks the CRS and the code
// attribute, imports, and the draft holds the file's grids where they belong, validated.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApi } from '../helpers/api.js';
import { metres, ogrFiles, plannersGeoJson, zipped } from '../helpers/map-files.js';
import { tinyTownWithPeople } from '../helpers/roster.js';
import { tinyTownGrids, WEST } from '../helpers/tiny-town.js';
import {
  createAccount,
  echoPageErrors,
  launchBrowser,
  loginThroughForm,
  screenshotOnFailure,
  startWebApi,
} from './browser.js';

type MapHandle = {
  queryRenderedFeatures(a: unknown): unknown[];
  getBounds(): { getWest(): number; getEast(): number };
};

describe('web app: importing a map file on the planning page', function () {
  this.timeout(60_000);
  let t: TestApi;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    [t, browser] = await Promise.all([startWebApi('web-map-file'), launchBrowser()]);
    const town = await tinyTownWithPeople(t, 1);
    const planner = await createAccount(t, ['planner'], [town.townId]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, planner, '#/plan');
    dir = mkdtempSync(join(tmpdir(), 'wgtest-web-mapfile-'));
  });
  afterEach(async function () {
    await screenshotOnFailure(this, page);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await browser?.close();
    await t?.close();
  });

  it('asks for the CRS, previews with an edited mapping, and imports into a validated draft', async () => {
    await page.waitForSelector('#plan-new');
    await page.click('#plan-new');
    await page.waitForFunction(() => /#\d+ · 9 /.test(document.querySelector('#plan-summary')?.textContent ?? ''));
    const planId = Number(/#(\d+)/.exec((await page.textContent('#plan-summary'))!)![1]);

    // The office's file: 编号X is its code column, in CGCS2000 zone 40, with no .prj.
    const geojson = plannersGeoJson();
    for (const f of geojson.features) {
      f.properties['编号X'] = f.properties['网格编码']!;
      delete f.properties['网格编码'];
    }
    const files = ogrFiles(geojson, 'grids.shp', [
      '-f',
      'ESRI Shapefile',
      '-t_srs',
      'EPSG:4528',
      '-lco',
      'ENCODING=CP936',
    ]);
    const path = join(dir, '网格.zip');
    writeFileSync(path, zipped(files, '网格', ['.prj']));

    await page.setInputFiles('#mapfile-input', path);
    await page.waitForSelector('#mapfile-error:not([hidden])');
    expect(await page.textContent('#mapfile-error')).to.match(/coordinate system/);
    await page.waitForFunction(() => (document.querySelector('#mapfile-crs') as HTMLSelectElement).options.length > 50);
    await page.selectOption('#mapfile-crs', 'EPSG:4528');

    await page.waitForSelector('#mapfile-crs-found');
    expect(await page.textContent('#mapfile-crs-found')).to.match(/zone 40.*EPSG:4528/);
    expect(await page.textContent('#mapfile-preview'))
      .to.match(/ESRI Shapefile · 网格 · 9/)
      .and.match(/CP936/);
    expect(await page.textContent('#mapfile-villages')).to.contain('2');
    // The guesses: name and village found, the code not; the samples show in the choices.
    expect(await page.inputValue('#mapfile-name')).to.equal('网格名称');
    expect(await page.inputValue('#mapfile-village')).to.equal('所属村社');
    expect(await page.inputValue('#mapfile-code')).to.equal('');
    expect(await page.textContent('#mapfile-code')).to.contain('编号X (3308T1, 3308T2, 3308T3)');
    // The outline is drawn and in view beside the town.
    await page.waitForFunction(
      () =>
        (window as unknown as { __wg: { planMap: MapHandle } }).__wg.planMap.queryRenderedFeatures({
          layers: ['mapfile-fill'],
        }).length >= 9,
    );

    await page.selectOption('#mapfile-code', '编号X');
    await page.click('#mapfile-import');
    // Imported: the preview is cleared, and the draft drawn is the file's (its codes), validated.
    await page.waitForSelector('#mapfile-crs-found', { state: 'detached', timeout: 20_000 });
    await page.waitForFunction(() =>
      (
        window as unknown as {
          __wg: { planMap: { queryRenderedFeatures(a: unknown): { properties: { code: string } }[] } };
        }
      ).__wg.planMap
        .queryRenderedFeatures({ layers: ['draft-fill'] })
        .some((f) => f.properties.code === '3308T5'),
    );
    await page.waitForFunction(() => document.querySelector('#validate-result')?.textContent?.includes('检查通过'));
    expect(await page.textContent('#plan-summary')).to.match(/· 9 /);

    const grids = (await t.admin.get(`/api/plans/${planId}/grids`)).body.features as {
      properties: { code: string; name: string; village_code: string; attributes: Record<string, unknown> };
      geometry: { coordinates: number[][][][] };
    }[];
    expect(grids.map((g) => g.properties.code).sort()).to.deep.equal(
      tinyTownGrids()
        .features.map((f) => `3308${f.properties.code}`)
        .sort(),
    );
    const t1 = grids.find((g) => g.properties.code === '3308T1')!;
    expect(t1.properties).to.include({ name: '测试网格1', village_code: WEST });
    expect(t1.properties.attributes).to.deep.equal({ OBJECTID: 1, Shape_Area: 1_000_000 });
    const corner = t1.geometry.coordinates[0]![0]!.reduce((a, b) => (b[0]! + b[1]! < a[0]! + a[1]! ? b : a));
    expect(metres(corner, [120, 30])).to.be.below(1);
  });

  it('exports the published grids as a GeoPackage in CGCS2000, and the draft as a zipped Shapefile', async () => {
    await page.selectOption('#export-what', 'published');
    await page.selectOption('#export-format', 'gpkg');
    await page.selectOption('#export-crs', 'CGCS2000');
    const [published] = await Promise.all([page.waitForEvent('download'), page.click('#export-draft')]);
    expect(published.suggestedFilename()).to.match(/^grids-\d+-CGCS2000\.gpkg$/);
    const gpkg = join(dir, 'published.gpkg');
    await published.saveAs(gpkg);
    const info = execFileSync('ogrinfo', ['-ro', '-so', '-al', gpkg], { encoding: 'utf8' });
    expect(info)
      .to.match(/Feature Count: 9/)
      .and.match(/China Geodetic Coordinate System 2000/);

    await page.selectOption('#export-what', 'draft');
    await page.selectOption('#export-format', 'shp');
    await page.selectOption('#export-crs', 'WGS84');
    const [draft] = await Promise.all([page.waitForEvent('download'), page.click('#export-draft')]);
    expect(draft.suggestedFilename()).to.match(/^plan-\d+-WGS84\.zip$/);
    const shp = join(dir, 'draft.zip');
    await draft.saveAs(shp);
    // The draft is the imported file: its codes and attribute names come back.
    const fields = execFileSync('ogrinfo', ['-ro', '-al', `/vsizip/${shp}`], { encoding: 'utf8' });
    expect(fields)
      .to.match(/Feature Count: 9/)
      .and.match(/code \(String\) = 3308T1/)
      .and.match(/OBJECTID/);
  });
});
