// Map files as planners have them, made at test time by the real ogr2ogr and read by the
// real GDAL into the real PostGIS: a GBK Shapefile without .cpg in a Gauss-Krüger zone
// with the zone prefix, one without the prefix, a GeoPackage in CGCS2000, KML and KMZ,
// a MapInfo TAB in Xian 1980, Beijing 1954, GeoJSON with a crs member, GCJ-02 — each
// lands within 1 m of where the grids are. Bad files get a 4xx naming the problem and
// change nothing; exports come back in the same place with the same attribute names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import gcoordModule from 'gcoord';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpAnswer, HttpClient } from '../helpers/http.js';
import { GBK_STEM, metres, ogrFiles, plannersGeoJson, zip, zipped } from '../helpers/map-files.js';
import { tinyTownAreas, tinyTownGrids, TOWN, WEST } from '../helpers/tiny-town.js';

const gcoord = gcoordModule as unknown as { transform<T>(input: T, from: string, to: string): T };
const OCTETS = { 'content-type': 'application/octet-stream' };
type Ring = number[][];

describe('map files: import, preview and export through GDAL', function () {
  this.timeout(60_000);
  let t: TestApi;
  let planner: HttpClient;

  before(async () => {
    t = await startTestApi('map-files', { MAP_FILE_MAX_MB: '2' });
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const town = (await t.admin.get(`/api/areas/${TOWN}`)).body;
    planner = await t.login(['planner'], [town.id]);
  });
  after(() => t.close());

  async function draft(): Promise<number> {
    const res = await planner.post('/api/plans', { scopeCode: TOWN, title: 'map file' });
    expect(res.status).to.equal(201);
    return res.body.id;
  }

  const preview = (plan: number, file: Buffer, query = '') =>
    planner.post(`/api/plans/${plan}/map-file/preview?${query}`, file, OCTETS);
  const importFile = (plan: number, file: Buffer, query = '') =>
    planner.post(`/api/plans/${plan}/map-file?${query}`, file, OCTETS);

  /** Every corner of every grid lies within 1 m of where the tiny town has it. */
  async function expectTinyTown(plan: number, codePrefix = '3308'): Promise<void> {
    const grids = (await planner.get(`/api/plans/${plan}/grids`)).body.features as {
      properties: { code: string };
      geometry: { type: string; coordinates: unknown };
    }[];
    const expected = tinyTownGrids().features;
    expect(grids.map((g) => g.properties.code).sort()).to.deep.equal(
      expected.map((f) => codePrefix + f.properties.code).sort(),
    );
    let worst = 0;
    for (const f of expected) {
      const got = grids.find((g) => g.properties.code === codePrefix + f.properties.code)!;
      const ring =
        got.geometry.type === 'MultiPolygon'
          ? (got.geometry.coordinates as Ring[][])[0]![0]!
          : (got.geometry.coordinates as Ring[])[0]!;
      for (const corner of f.geometry.coordinates[0]!)
        worst = Math.max(worst, Math.min(...ring.map((p) => metres(corner, p))));
    }
    expect(worst, `worst corner ${worst.toFixed(3)} m away`).to.be.below(1);
  }

  function expectError(res: HttpAnswer, status: number, code: string, words: RegExp): void {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error.code).to.equal(code);
    expect(res.body.error.message).to.match(words);
  }

  describe('formats and coordinate systems', () => {
    it('previews a GBK Shapefile without .cpg in CGCS2000 zone 40 (with prefix): CRS, encoding, extent, attributes, mapping', async () => {
      const files = ogrFiles(plannersGeoJson(), 'grids.shp', [
        '-f',
        'ESRI Shapefile',
        '-t_srs',
        'EPSG:4528',
        '-lco',
        'ENCODING=CP936',
      ]);
      const dbf = files.get('grids.dbf')!;
      dbf[29] = 0; // no language byte either, as old tools write it
      const plan = await draft();
      const res = await preview(plan, zipped(files, GBK_STEM, ['.cpg']), 'filename=网格.zip');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ format: 'ESRI Shapefile', features: 9, layer: '网格' });
      expect(res.body.crs).to.deep.include({ id: 'EPSG:4528', from: 'file' });
      expect(res.body.crs.name).to.match(/CGCS2000.*zone 40/);
      expect(res.body.encoding).to.match(/CP936/);
      const [w, s, e, n] = res.body.extent as number[];
      expect(metres([w!, s!], [120, 30])).to.be.below(1);
      expect(metres([e!, n!], [120.03, 30.03])).to.be.below(1);
      const attrs = res.body.attributes as { name: string; samples: unknown[] }[];
      expect(attrs.map((a) => a.name)).to.deep.equal(['网格编码', '网格名称', '所属村社', 'OBJECTID', 'Shape_Area']);
      expect(attrs[1]!.samples).to.include('测试网格1');
      expect(res.body.mapping).to.deep.equal({ code: '网格编码', name: '网格名称', village: '所属村社', kind: null });
      expect(res.body.villages).to.deep.equal({ matched: 2, unmatched: [], byLocation: false });
      expect(res.body.outline.features).to.have.length(9);
      // Nothing changed: the draft is still the (empty) published map.
      expect((await planner.get(`/api/plans/${plan}`)).body.gridCount).to.equal(0);
    });

    it('imports that Shapefile into a validated draft, within 1 m, with the other attributes kept', async () => {
      const files = ogrFiles(plannersGeoJson(), 'grids.shp', [
        '-f',
        'ESRI Shapefile',
        '-t_srs',
        'EPSG:4528',
        '-lco',
        'ENCODING=CP936',
      ]);
      files.get('grids.dbf')![29] = 0;
      const plan = await draft();
      const res = await importFile(plan, zipped(files, GBK_STEM, ['.cpg']));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.imported).to.equal(9);
      expect(res.body.validation).to.include({ ok: true, errors: 0 });
      await expectTinyTown(plan);
      const grids = (await planner.get(`/api/plans/${plan}/grids`)).body.features;
      const t1 = grids.find((g: { properties: { code: string } }) => g.properties.code === '3308T1');
      expect(t1.properties).to.include({ name: '测试网格1', village_code: WEST, kind: 'residential' });
      expect(t1.properties.attributes).to.deep.equal({ OBJECTID: 1, Shape_Area: 1_000_000 });
    });

    const cases: { what: string; make: () => Buffer; query?: string }[] = [
      {
        what: 'a UTF-8 Shapefile with .cpg in a zone without prefix (CGCS2000 CM 120E)',
        make: () =>
          zipped(
            ogrFiles(plannersGeoJson('pinyin'), 'grids.shp', [
              '-f',
              'ESRI Shapefile',
              '-t_srs',
              'EPSG:4549',
              '-lco',
              'ENCODING=UTF-8',
            ]),
          ),
      },
      {
        what: 'a GeoPackage in CGCS2000 degrees',
        make: () => ogrFiles(plannersGeoJson(), 'grids.gpkg', ['-f', 'GPKG', '-t_srs', 'EPSG:4490']).get('grids.gpkg')!,
      },
      { what: 'a KML', make: () => ogrFiles(plannersGeoJson(), 'grids.kml', ['-f', 'KML']).get('grids.kml')! },
      {
        what: 'a KMZ',
        make: () =>
          zip([{ name: 'doc.kml', data: ogrFiles(plannersGeoJson(), 'grids.kml', ['-f', 'KML']).get('grids.kml')! }]),
        query: 'filename=grids.kmz',
      },
      {
        what: 'a MapInfo TAB in CGCS2000 zone 40 (GBK)',
        // A TAB stores integers within its bounds: MapInfo's default bounds for a zone are too coarse for 1 m.
        make: () =>
          zipped(
            ogrFiles(plannersGeoJson('pinyin'), 'grids.tab', [
              '-f',
              'MapInfo File',
              '-t_srs',
              'EPSG:4528',
              '-lco',
              'ENCODING=CP936',
              '-lco',
              'BOUNDS=40000000,3000000,41000000,4000000',
            ]),
          ),
      },
      {
        what: 'a Shapefile in Xian 1980 zone 40 (with prefix)',
        make: () =>
          zipped(
            ogrFiles(plannersGeoJson(), 'grids.shp', [
              '-f',
              'ESRI Shapefile',
              '-t_srs',
              'EPSG:2364',
              '-lco',
              'ENCODING=CP936',
            ]),
          ),
      },
      {
        what: 'a Shapefile in Beijing 1954 zone 40 (CM 120E)',
        make: () =>
          zipped(
            ogrFiles(plannersGeoJson(), 'grids.shp', [
              '-f',
              'ESRI Shapefile',
              '-t_srs',
              'EPSG:2436',
              '-lco',
              'ENCODING=CP936',
            ]),
          ),
      },
      {
        what: 'a GeoJSON with a crs member (CGCS2000 zone 40)',
        make: () =>
          ogrFiles(plannersGeoJson(), 'grids.geojson', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4528']).get('grids.geojson')!,
      },
    ];
    for (const c of cases) {
      it(`imports ${c.what}`, async () => {
        const plan = await draft();
        const res = await importFile(plan, c.make(), c.query);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.imported).to.equal(9);
        await expectTinyTown(plan);
      });
    }

    it('reads the polygon layer of a GeoPackage with several, or the one named', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wgtest-layers-'));
      try {
        const path = join(dir, 'two.gpkg');
        const points = {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { 名称: '村委会' },
              geometry: { type: 'Point', coordinates: [120.005, 30.005] },
            },
          ],
        };
        writeFileSync(join(dir, 'p.geojson'), JSON.stringify(points));
        writeFileSync(join(dir, 'g.geojson'), JSON.stringify(plannersGeoJson()));
        execFileSync('ogr2ogr', ['-f', 'GPKG', path, join(dir, 'p.geojson'), '-nln', '村委会']);
        execFileSync('ogr2ogr', [
          '-f',
          'GPKG',
          '-update',
          path,
          join(dir, 'g.geojson'),
          '-nln',
          '网格',
          '-t_srs',
          'EPSG:4490',
        ]);
        const file = readFileSync(path);
        const plan = await draft();
        const res = await preview(plan, file);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.layer).to.equal('网格');
        expect(res.body.layers.map((l: { name: string }) => l.name)).to.have.members(['村委会', '网格']);
        expectError(await preview(plan, file, `layer=${encodeURIComponent('村委会')}`), 422, 'not_polygons', /1 Point/);
        expectError(await preview(plan, file, 'layer=nope'), 400, 'unknown_layer', /no layer nope/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('asks for the CRS of a Shapefile without .prj (with the choices), then imports it in the one named', async () => {
      const files = ogrFiles(plannersGeoJson(), 'grids.shp', [
        '-f',
        'ESRI Shapefile',
        '-t_srs',
        'EPSG:4528',
        '-lco',
        'ENCODING=CP936',
      ]);
      const plan = await draft();
      const res = await preview(plan, zipped(files, '网格', ['.prj']));
      expectError(res, 422, 'crs_required', /coordinate system/);
      expect(res.body.error.details.choices.map((c: { id: string }) => c.id)).to.include.members([
        'EPSG:4490',
        'EPSG:4528',
        'EPSG:4549',
        'GCJ02',
      ]);
      const ok = await importFile(plan, zipped(files, '网格', ['.prj']), 'crs=EPSG:4528');
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      await expectTinyTown(plan);
    });

    it('asks for the CRS of a GeoJSON without crs whose coordinates are metres', async () => {
      const metresJson = JSON.parse(
        ogrFiles(plannersGeoJson(), 'g.geojson', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4528']).get('g.geojson')!.toString(),
      );
      delete metresJson.crs;
      const res = await preview(await draft(), Buffer.from(JSON.stringify(metresJson)));
      expectError(res, 422, 'crs_required', /not degrees/);
    });

    it('reads GCJ-02 coordinates when the planner says so', async () => {
      const shifted = plannersGeoJson();
      for (const f of shifted.features) f.geometry = gcoord.transform(f.geometry, 'WGS84', 'GCJ02');
      const plan = await draft();
      const res = await importFile(plan, Buffer.from(JSON.stringify(shifted)), 'crs=GCJ02');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      await expectTinyTown(plan);
    });

    it('takes an edited mapping, and a village by location when no attribute names it', async () => {
      const renamed = plannersGeoJson();
      for (const f of renamed.features) {
        const p = f.properties as Record<string, unknown>;
        p['编号X'] = p['网格编码'];
        delete p['网格编码'];
        delete p['所属村社'];
      }
      const plan = await draft();
      const guessed = await preview(plan, Buffer.from(JSON.stringify(renamed)));
      expect(guessed.body.mapping).to.include({ code: null, village: null });
      expectError(
        await importFile(plan, Buffer.from(JSON.stringify(renamed))),
        422,
        'code_field_required',
        /grid code/,
      );
      const res = await importFile(
        plan,
        Buffer.from(JSON.stringify(renamed)),
        `codeField=${encodeURIComponent('编号X')}`,
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.validation.ok).to.equal(true);
      const grids = (await planner.get(`/api/plans/${plan}/grids`)).body.features;
      expect(
        grids.find((g: { properties: { code: string } }) => g.properties.code === '3308T1').properties.village_code,
      ).to.equal(WEST);
    });

    it('keeps extra properties and honours a crs member in the GeoJSON draft import (PUT)', async () => {
      const grids = tinyTownGrids();
      const projected = JSON.parse(
        ogrFiles(grids, 'g.geojson', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4549']).get('g.geojson')!.toString(),
      );
      projected.features.forEach((f: { properties: Record<string, unknown> }, i: number) =>
        Object.assign(f.properties, { OBJECTID: i + 1, Shape_Area: 99.5 }),
      );
      expect(projected.crs.properties.name).to.match(/4549/);
      const plan = await draft();
      const res = await planner.put(`/api/plans/${plan}/grids`, projected);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      await expectTinyTown(plan, '');
      const t1 = (await planner.get(`/api/plans/${plan}/grids`)).body.features.find(
        (g: { properties: { code: string } }) => g.properties.code === 'T1',
      );
      expect(t1.properties.attributes).to.deep.equal({ OBJECTID: 1, Shape_Area: 99.5 });
    });
  });

  describe('bad files', () => {
    let plan: number;
    let before: unknown;
    const shp = () =>
      ogrFiles(plannersGeoJson(), 'grids.shp', [
        '-f',
        'ESRI Shapefile',
        '-t_srs',
        'EPSG:4528',
        '-lco',
        'ENCODING=UTF-8',
      ]);

    beforeEach(async () => {
      // A draft with grids in it: a refused file must leave them as they were.
      plan = await draft();
      expect((await planner.put(`/api/plans/${plan}/grids`, tinyTownGrids())).status).to.equal(200);
      before = (await planner.get(`/api/plans/${plan}/grids`)).body;
    });
    afterEach(async () => {
      expect((await planner.get(`/api/plans/${plan}/grids`)).body).to.deep.equal(before);
      // Nor is anything left on disk: every read's temporary directory is gone.
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith('wangge-map-'))).to.deep.equal([]);
    });

    it('a damaged zip', async () => {
      const whole = zipped(shp());
      expectError(await importFile(plan, whole.subarray(0, whole.length - 40)), 400, 'corrupt_zip', /damaged/);
      const flipped = Buffer.from(whole);
      flipped[60] = flipped[60]! ^ 0xff;
      expect((await importFile(plan, flipped)).status).to.be.within(400, 499);
    });

    it('a password-protected zip', async () => {
      const res = await importFile(
        plan,
        zip([...shp().entries()].map(([name, data]) => ({ name, data, encrypted: true }))),
      );
      expectError(res, 422, 'encrypted_zip', /password/);
    });

    it('a zip bomb: too large unpacked, too high a ratio, and a header that understates the size', async () => {
      // MAP_FILE_MAX_MB is 2 here: at most 10 MB unpacked, and 100× the zip.
      expectError(
        await importFile(plan, zip([{ name: 'a.geojson', data: Buffer.alloc(30 * 1_048_576, 0x20) }])),
        413,
        'zip_bomb',
        /unpacks/,
      );
      const ratio = await importFile(plan, zip([{ name: 'a.geojson', data: Buffer.alloc(5 * 1_048_576, 0x20) }]));
      expectError(ratio, 413, 'zip_bomb', /100×/);
      expectError(
        await importFile(plan, zip([{ name: 'a.geojson', data: Buffer.alloc(200_000, 0x20), declaredSize: 1000 }])),
        413,
        'zip_bomb',
        /unpacks/,
      );
    });

    it('a Shapefile without its .dbf or without its .shp, and a lone .shp', async () => {
      expectError(await importFile(plan, zipped(shp(), '网格', ['.dbf'])), 400, 'shapefile_incomplete', /no \.dbf/);
      expectError(await importFile(plan, zipped(shp(), '网格', ['.shp'])), 400, 'shapefile_incomplete', /no \.shp/);
      expectError(await importFile(plan, shp().get('grids.shp')!), 400, 'shapefile_not_zipped', /zip them/);
    });

    it('mixed and non-polygon geometry', async () => {
      const mixed = plannersGeoJson() as { features: { geometry: unknown }[] };
      mixed.features[4]!.geometry = {
        type: 'LineString',
        coordinates: [
          [120, 30],
          [120.01, 30.01],
        ],
      };
      expectError(
        await importFile(plan, Buffer.from(JSON.stringify(mixed))),
        422,
        'mixed_geometry',
        /8 polygons and 1 LineString \(feature 5\)/,
      );
      const points = {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: 'P1' }, geometry: { type: 'Point', coordinates: [120.01, 30.01] } },
        ],
      };
      expectError(await importFile(plan, Buffer.from(JSON.stringify(points))), 422, 'not_polygons', /1 Point/);
    });

    it('empty geometries', async () => {
      const empty = plannersGeoJson() as { features: { geometry: unknown }[] };
      empty.features[2]!.geometry = null;
      expectError(await importFile(plan, Buffer.from(JSON.stringify(empty))), 422, 'empty_geometry', /feature 3/);
    });

    it('a virtual dataset pointing at a server file, whatever it is called', async () => {
      const vrt = Buffer.from(
        '<OGRVRTDataSource><OGRVRTLayer name="l"><SrcDataSource>/etc/hostname</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>',
      );
      const asKml = await preview(plan, vrt, 'filename=grids.kml');
      expect(asKml.status).to.be.within(400, 499);
      const inZip = await preview(plan, zip([{ name: 'grids.geojson', data: vrt }]));
      expectError(inZip, 422, 'unreadable_file', /GDAL cannot read/);
      expect(JSON.stringify([asKml.body, inZip.body])).not.to.contain('hostname');
    });

    it('a file over the limit', async () => {
      const res = await importFile(plan, Buffer.alloc(3 * 1_048_576, 0x20));
      expect(res.status).to.equal(413);
    });

    it('village values that name no village, and codes that are not codes', async () => {
      const odd = plannersGeoJson();
      odd.features[0]!.properties.所属村社 = '北村';
      expectError(await importFile(plan, Buffer.from(JSON.stringify(odd))), 400, 'unknown_village', /北村/);
      const badCode = plannersGeoJson();
      badCode.features[1]!.properties.网格编码 = '网格 2';
      expectError(await importFile(plan, Buffer.from(JSON.stringify(badCode))), 400, 'bad_attribute', /Feature 2/);
    });
  });

  it('drops Z values with a warning', async () => {
    const z = plannersGeoJson() as { features: { geometry: { coordinates: number[][][] } }[] };
    for (const f of z.features)
      f.geometry.coordinates = f.geometry.coordinates.map((r) => r.map(([x, y]) => [x!, y!, 42]));
    const plan = await draft();
    const res = await preview(plan, Buffer.from(JSON.stringify(z)));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.warnings.join(' ')).to.match(/Z values.*dropped/);
    expect((await importFile(plan, Buffer.from(JSON.stringify(z)))).status).to.equal(200);
    await expectTinyTown(plan);
  });

  it('describes the file routes in OpenAPI: the body is the file, the mapping and CRS are query parameters', async () => {
    const doc = (await t.anonymous.get('/api/openapi.json')).body;
    const op = doc.paths['/api/plans/{id}/map-file'].post;
    expect(Object.keys(op.requestBody.content)).to.include.members(['application/zip', 'application/octet-stream']);
    expect(op.parameters.map((p: { name: string }) => p.name)).to.include.members([
      'crs',
      'codeField',
      'nameField',
      'villageField',
      'layer',
      'allowInvalid',
    ]);
    expect(
      doc.paths['/api/towns/{code}/grids/export'].get.parameters.map((p: { name: string }) => p.name),
    ).to.include.members(['format', 'crs']);
  });

  describe('export', () => {
    let plan: number;
    before(async () => {
      plan = await draft();
      const files = ogrFiles(plannersGeoJson(), 'grids.shp', [
        '-f',
        'ESRI Shapefile',
        '-t_srs',
        'EPSG:4528',
        '-lco',
        'ENCODING=CP936',
      ]);
      expect((await importFile(plan, zipped(files))).status).to.equal(200);
      expect((await planner.post(`/api/plans/${plan}/publish`)).status).to.equal(200);
    });

    /** What ogrinfo says of an exported file. */
    function describeFile(body: Buffer, name: string): string {
      const dir = mkdtempSync(join(tmpdir(), 'wgtest-export-'));
      try {
        writeFileSync(join(dir, name), body);
        const path = name.endsWith('.zip') ? `/vsizip/${join(dir, name)}` : join(dir, name);
        return execFileSync('ogrinfo', ['-ro', '-al', '-so', path], { encoding: 'utf8' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    for (const [format, crs, name] of [
      ['shp', 'CGCS2000', 'x.zip'],
      ['gpkg', 'WGS84', 'x.gpkg'],
      ['kml', 'WGS84', 'x.kml'],
    ] as const) {
      it(`exports the published grids as ${format} in ${crs} and imports them back unchanged`, async () => {
        const res = await planner.get(`/api/towns/${TOWN}/grids/export?format=${format}&crs=${crs}`);
        expect(res.status, res.raw.toString().slice(0, 300)).to.equal(200);
        expect(res.headers.get('content-disposition')).to.match(new RegExp(`grids-${TOWN}-${crs}`));
        const info = describeFile(res.raw, name);
        expect(info).to.match(/Feature Count: 9/);
        expect(info).to.match(crs === 'CGCS2000' ? /China Geodetic Coordinate System 2000/ : /WGS 84/);
        expect(info)
          .to.match(/OBJECTID/)
          .and.match(/Shape_Area/);
        const again = await draft();
        const back = await importFile(again, res.raw, `filename=${name}`);
        expect(back.status, JSON.stringify(back.body)).to.equal(200);
        expect(back.body.validation.ok).to.equal(true);
        await expectTinyTown(again);
        const t1 = (await planner.get(`/api/plans/${again}/grids`)).body.features.find(
          (g: { properties: { code: string } }) => g.properties.code === '3308T1',
        );
        expect(t1.properties).to.include({ name: '测试网格1', village_code: WEST });
        expect(t1.properties.attributes).to.include({ OBJECTID: 1, Shape_Area: 1_000_000 });
        expect((await planner.get(`/api/plans/${again}/diff`)).body).to.deep.include({ added: [], removed: [] });
      });
    }

    it('exports a draft, and refuses KML in CGCS2000', async () => {
      const res = await planner.get(`/api/plans/${plan}/export?format=gpkg`);
      expect(res.status).to.equal(200);
      expect(describeFile(res.raw, 'p.gpkg')).to.match(/Feature Count: 9/);
      expectError(
        await planner.get(`/api/plans/${plan}/export?format=kml&crs=CGCS2000`),
        400,
        'kml_is_wgs84',
        /WGS-84/,
      );
    });
  });
});
