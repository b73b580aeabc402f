// Hotline calls with an address and no point, through HTTP against the real server on
// the demo town 航埠镇: the landmark import (refused whole for a bad row), a call the
// gazetteer places (its grid, dispatched as usual), and a call it cannot place (待定位,
// the citizen told so) that the command room places on the map, after which it is
// dispatched to the gridworker there with its deadlines running.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { FAST_DISPATCH, runWorkers } from '../helpers/incidents.js';
import { loadFixture, readFixture } from '../../gis/fixture-loader.js';
import { AuthContext } from '../../platform/auth/auth-context.js';
import { AccountsRepository } from '../../accounts/accounts.repository.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';

const HANGBU = '330802101';
const DIR = fileURLToPath(new URL('../../fixtures/hangbu', import.meta.url));
const SCHOOL_GRID = '33080210100103'; // 航埠中学专属网格

describe('hotline calls with an address, not a point', () => {
  let t: TestApi;
  let dispatcher: HttpClient;
  let key: string;
  let workers: RunningIncidentWorkers;
  let phone: HttpClient;
  let personId: number;
  let landmarkCount: number;

  const open311 = async (fields: Record<string, string>) => {
    const res = await fetch(`${t.api.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key, ...fields }).toString(),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const request = async (id: string) =>
    ((await (await fetch(`${t.api.url}/open311/v2/requests/${id}.json`)).json()) as any[])[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const csv = (text: string) =>
    t.admin.request('POST', `/api/gazetteer/towns/${HANGBU}/landmarks`, text, { 'content-type': 'text/csv' });
  const count = async () =>
    (await t.admin.get(`/api/gazetteer/towns/${HANGBU}/landmarks?limit=1`)).body.total as number;

  before(async function () {
    this.timeout(90_000);
    t = await startTestApi('hotline', FAST_DISPATCH);
    const admin = AuthContext.of((await new AccountsRepository(t.api.services.db).findByUsername('admin'))!);
    await loadFixture(t.api.services, admin, await readFixture(DIR));
    const imported = await csv(await readFile(`${DIR}/landmarks.csv`, 'utf8'));
    expect(imported.status, JSON.stringify(imported.body)).to.equal(200);
    landmarkCount = imported.body.total;
    const townId = (await t.admin.get(`/api/areas/${HANGBU}`)).body.id;
    dispatcher = await t.login(['dispatcher', 'operator'], [townId]);
    key = (await t.admin.post('/api/open311/clients', { name: '12345热线', townCode: HANGBU })).body.apiKey;
    // The school grid's own gridworker, with a phone.
    const created = await t.admin.post('/api/people', [
      {
        name: '网格员王',
        phone: '13800000001',
        roles: ['fulltime_gridworker'],
        villageCode: '330802101001',
        gridCodes: [SCHOOL_GRID],
        dutyStatus: 'on_duty',
      },
    ]);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    personId = created.body[0].id;
    const device = await t.admin.post(`/api/people/${personId}/devices`, { identifier: 'phone-wang', name: 'Android' });
    phone = t.anonymous.as(device.body[0].token);
    workers = runWorkers(t);
  });
  after(async () => {
    await workers?.close();
    await t?.close();
  });

  const standAt = async (lon: number, lat: number) => {
    const res = await phone.post('/api/positions/batch', { fixes: [{ time: Date.now(), lon, lat, accuracy: 5 }] });
    expect(res.body.accepted, JSON.stringify(res.body)).to.equal(1);
  };
  const waitForState = async (id: string, state: string) => {
    for (let i = 0; i < 100; i++) {
      const card = await dispatcher.get(`/api/incidents/${id}`);
      if (card.body.incident.state === state) return card.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`incident ${id} never became ${state}`);
  };

  describe('the landmark import', () => {
    it('refuses a file with unreadable rows whole, naming each row (400), and keeps what was there', async () => {
      const res = await csv(
        'name,kind,lon,lat\n航埠新桥,bridge,118.78,28.97\n航埠城堡,castle,118.78,28.97\n航埠老街,landmark,abc,28.97\n',
      );
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('bad_file');
      expect(
        res.body.error.details.problems.map((p: { line: number; field: string }) => `${p.line}:${p.field}`),
      ).to.deep.equal(['3:kind', '4:lon']);
      expect(await count()).to.equal(landmarkCount);
    });

    it('refuses rows that do not fit the town (422): a point outside it, a village not its own', async () => {
      const res = await csv(
        'name,kind,lon,lat,village\n航埠新桥,bridge,118.78,28.97,\n远方学校,school,120.5,30.1,\n航埠小卖部,shop,118.78,28.97,东村\n',
      );
      expect(res.status).to.equal(422);
      expect(
        res.body.error.details.problems.map((p: { line: number; field: string }) => `${p.line}:${p.field}`),
      ).to.deep.equal(['3:lon', '4:village']);
      expect(await count()).to.equal(landmarkCount);
      expect((await dispatcher.post(`/api/gazetteer/towns/${HANGBU}/landmarks`, {})).status).to.equal(403);
    });

    it('appends GeoJSON points, and the index finds them at once', async () => {
      const school = (await t.admin.get(`/api/gazetteer/towns/${HANGBU}/landmarks?kind=school`)).body.items.find(
        (l: { name: string }) => l.name === '航埠中学',
      );
      const res = await t.admin.request(
        'POST',
        `/api/gazetteer/towns/${HANGBU}/landmarks?mode=append`,
        {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { name: '航埠中学小卖部', kind: 'shop', aliases: ['学校小卖部'] },
              geometry: { type: 'Point', coordinates: [school.lon + 0.0002, school.lat] },
            },
          ],
        },
        { 'content-type': 'application/geo+json' },
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ imported: 1, total: landmarkCount + 1, mode: 'append' });
      const located = await dispatcher.get(
        `/api/gazetteer/locate?address=${encodeURIComponent('航埠镇学校小卖部旁边')}`,
      );
      expect(located.body).to.include({ status: 'placed', by: 'landmark', place: '航埠中学小卖部' });
      expect(located.body.grid.code).to.equal(SCHOOL_GRID);
    });

    it('reads GIS point files through GDAL: a GeoPackage in a CGCS2000 Gauss-Krüger zone with Chinese and extra attributes, a zipped Shapefile without .prj (asks for the CRS)', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'wg-gpkg-'));
      try {
        const market = (await t.admin.get(`/api/gazetteer/towns/${HANGBU}/landmarks?kind=market`)).body.items[0];
        const at = [market.lon - 0.0003, market.lat + 0.0002];
        await writeFile(
          path.join(dir, 'in.geojson'),
          JSON.stringify({
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                properties: { 名称: '航埠水果批发部', 类型: '商店', 别名: '水果批发', OBJECTID: 7, Shape_Area: 0 },
                geometry: { type: 'Point', coordinates: at },
              },
            ],
          }),
        );
        // EPSG:4549: CGCS2000 / 3-degree Gauss-Kruger CM 120E, as a natural resources bureau hands it out.
        execFileSync('ogr2ogr', [
          '-f',
          'GPKG',
          path.join(dir, 'out.gpkg'),
          path.join(dir, 'in.geojson'),
          '-t_srs',
          'EPSG:4549',
        ]);
        const gpkg = await readFile(path.join(dir, 'out.gpkg'));
        const res = await t.admin.request('POST', `/api/gazetteer/towns/${HANGBU}/landmarks?mode=append`, gpkg, {
          'content-type': 'application/geopackage+sqlite3',
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.include({ imported: 1, encoding: 'gdal:gpkg' });
        const shop = (await t.admin.get(`/api/gazetteer/towns/${HANGBU}/landmarks?kind=shop`)).body.items.find(
          (l: { name: string }) => l.name === '航埠水果批发部',
        );
        expect(shop.lon).to.be.closeTo(at[0]!, 1e-6);
        expect(shop.lat).to.be.closeTo(at[1]!, 1e-6);
        expect(shop.aliases).to.deep.equal(['水果批发']);
        const located = await dispatcher.get(
          `/api/gazetteer/locate?address=${encodeURIComponent('航埠镇水果批发门口')}`,
        );
        expect(located.body).to.include({ status: 'placed', place: '航埠水果批发部' });
        // The same layer as a zipped Shapefile that lost its .prj: GDAL is asked for the CRS, then told it.
        execFileSync('ogr2ogr', [
          '-f',
          'ESRI Shapefile',
          path.join(dir, 'noprj.shp.zip'),
          path.join(dir, 'out.gpkg'),
          '-a_srs',
          'None',
          '-lco',
          'ENCODING=UTF-8',
        ]);
        const zip = await readFile(path.join(dir, 'noprj.shp.zip'));
        const noCrs = await t.admin.request('POST', `/api/gazetteer/towns/${HANGBU}/landmarks?mode=append`, zip, {
          'content-type': 'application/zip',
        });
        expect(noCrs.status).to.equal(400);
        expect(noCrs.body.error.code).to.equal('no_crs');
        const told = await t.admin.request(
          'POST',
          `/api/gazetteer/towns/${HANGBU}/landmarks?mode=append&crs=EPSG:4549`,
          zip,
          { 'content-type': 'application/zip' },
        );
        expect(told.status, JSON.stringify(told.body)).to.equal(200);
        expect(told.body).to.include({ imported: 1, encoding: 'gdal:zip', total: res.body.total });
        const broken = await t.admin.request(
          'POST',
          `/api/gazetteer/towns/${HANGBU}/landmarks?format=gpkg`,
          Buffer.from('not a geopackage at all'),
          { 'content-type': 'application/octet-stream' },
        );
        expect(broken.status).to.equal(400);
        expect(broken.body.error.message).to.match(/GDAL cannot read the file/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('describes the new routes in the OpenAPI document', async () => {
    const doc = (await t.anonymous.get('/api/openapi.json')).body;
    expect(doc.paths).to.include.keys(
      '/api/gazetteer/towns/{code}/landmarks',
      '/api/gazetteer/locate',
      '/api/incidents/unlocated',
      '/api/incidents/{id}/place',
    );
  });

  it('places a call that says where it is, and runs it as usual (grid, dispatch)', async () => {
    const school = (await dispatcher.get(`/api/gazetteer/locate?address=${encodeURIComponent('航埠中学')}`)).body;
    await standAt(school.lon + 0.0003, school.lat);
    const a = await open311({
      service_code: 'traffic.road_damage',
      description: '路面塌陷',
      address_string: '浙江省衢州市柯城区航埠镇航埠中学门口',
    });
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(a.body[0].service_notice).to.include('按地址定位：航埠中学');
    const id = a.body[0].service_request_id;
    const card = await waitForState(id, 'dispatched');
    expect(card.incident.gridCode).to.equal(SCHOOL_GRID);
    expect(card.offers[0].personId).to.equal(personId);
    const seen = await request(id);
    expect(seen.status).to.equal('open');
    expect(seen.lat).to.be.closeTo(school.lat, 1e-9);
    expect(seen.address).to.equal('浙江省衢州市柯城区航埠镇航埠中学门口');
  });

  it('opens 待定位 for an address that names no single place; placed on the map, it is dispatched', async () => {
    const a = await open311({
      service_code: 'services.streetlight',
      description: '路灯不亮',
      address_string: '航埠镇文化礼堂旁边',
    });
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(a.body[0].service_notice).to.include('正在确定位置');
    const id = a.body[0].service_request_id;
    // The same lamp called in again, written a little differently: one incident, two reports.
    const again = await open311({
      service_code: 'services.streetlight',
      description: '那盏路灯还是不亮',
      address_string: '航埠镇 文化礼堂 旁边',
    });
    expect(again.body[0].service_request_id).to.equal(id);
    expect(again.body[0].service_notice).to.include('已并入');

    const waiting = await request(id);
    expect(waiting).to.include({ status: 'open', lat: null, long: null, address: '航埠镇文化礼堂旁边' });
    expect(waiting.status_notes).to.include('正在确定位置');
    const list = (await dispatcher.get(`/api/incidents/unlocated?town=${HANGBU}`)).body.items;
    const item = list.find((i: { id: number }) => String(i.id) === id);
    expect(item.state).to.equal('unlocated');
    expect(item.gridCode).to.equal(null);
    expect(item.geocode.candidates).to.have.length(10);
    expect(item.geocode.reason).to.include('文化礼堂');
    // No dispatch, no deadlines while nobody knows where it is.
    await new Promise((r) => setTimeout(r, 500));
    const before = (await dispatcher.get(`/api/incidents/${id}`)).body;
    expect(before.offers).to.deep.equal([]);
    expect(before.deadlines).to.deep.equal([]);
    expect(before.actions).to.include('place');

    // The command room calls back and learns it is the school's hall: placed by the school.
    const school = (await dispatcher.get(`/api/gazetteer/locate?address=${encodeURIComponent('航埠中学')}`)).body;
    await standAt(school.lon - 0.0003, school.lat);
    const placed = await dispatcher.post(`/api/incidents/${id}/place`, {
      lon: school.lon + 0.0001,
      lat: school.lat,
      note: '回电确认在航埠中学',
    });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
    expect(placed.body).to.include({ state: 'reported', gridCode: SCHOOL_GRID });
    const card = await waitForState(id, 'dispatched');
    expect(card.offers[0].personId).to.equal(personId);
    expect(card.deadlines.map((d: { kind: string }) => d.kind).sort()).to.deep.equal(['accept', 'finish']);
    expect(card.timeline.map((e: { action: string }) => e.action)).to.include.ordered.members([
      'report',
      'unlocated',
      'report_merged',
      'place',
    ]);
    expect(card.incident.reportCount).to.equal(2);
    expect(card.reports.map((r: { lon: number }) => r.lon)).to.deep.equal([school.lon + 0.0001, school.lon + 0.0001]);
    const after = await request(id);
    expect(after.status_notes).to.match(/已确定位置|派/);
    expect(after.lat).to.be.closeTo(school.lat, 1e-9);

    // Once placed, it is not placed again; a point outside every grid, or a gridworker, is refused.
    expect((await dispatcher.post(`/api/incidents/${id}/place`, { lon: school.lon, lat: school.lat })).status).to.equal(
      409,
    );
    const other = await open311({
      service_code: 'services.streetlight',
      description: '路灯',
      address_string: '航埠镇村口',
    });
    const otherId = other.body[0].service_request_id;
    const outside = await dispatcher.post(`/api/incidents/${otherId}/place`, { lon: 120.5, lat: 30.1 });
    expect(outside.status).to.equal(422);
    expect(outside.body.error.code).to.equal('outside_towns');
    const gridworker = await t.login(['gridworker'], [card.incident.townId]);
    expect(
      (await gridworker.post(`/api/incidents/${otherId}/place`, { lon: school.lon, lat: school.lat })).status,
    ).to.equal(403);
  });
});
