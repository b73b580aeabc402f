import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { EventStream } from '../helpers/sse.js';
import {
  cell,
  square,
  tinyTownAreas,
  tinyTownGrid,
  tinyTownGrids,
  ORIGIN,
  STEP,
  TOWN,
  WEST,
} from '../helpers/tiny-town.js';

describe('grid plans: draft, validate, publish', () => {
  let t: TestApi;
  let planner: HttpClient;

  before(async () => {
    t = await startTestApi('plans');
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const town = (await t.admin.get(`/api/areas/${TOWN}`)).body;
    planner = await t.login(['planner'], [town.id]);
  });
  after(() => t.close());

  async function draft(): Promise<number> {
    const res = await planner.post('/api/plans', { scopeCode: TOWN, title: 'test draft' });
    expect(res.status).to.equal(201);
    return res.body.id;
  }

  async function publishTinyTown(): Promise<number> {
    const id = await draft();
    expect((await planner.put(`/api/plans/${id}/grids`, tinyTownGrids())).status).to.equal(200);
    const res = await planner.post(`/api/plans/${id}/publish`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return id;
  }

  const kinds = (report: { issues: { kind: string; severity: string }[] }) =>
    report.issues.map((i) => `${i.severity}:${i.kind}`);

  describe('validation', () => {
    it('passes a town tiled exactly by its grids', async () => {
      const id = await draft();
      await planner.put(`/api/plans/${id}/grids`, tinyTownGrids());
      const res = await planner.post(`/api/plans/${id}/validate`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ ok: true, errors: 0, warnings: 0, gridCount: 9 });
    });

    it('reports an overlap with its area in m², both grids and the overlapping geometry', async () => {
      const id = await draft();
      const grids = tinyTownGrids();
      // T1 grows 0.002° east into T2: about 0.002° × 0.01° ≈ 193 m × 1,112 m.
      grids.features[0]!.geometry = square(ORIGIN.lon, ORIGIN.lat, STEP + 0.002, STEP);
      await planner.put(`/api/plans/${id}/grids`, grids);
      const report = (await planner.post(`/api/plans/${id}/validate`)).body;
      expect(report.ok).to.equal(false);
      const overlap = report.issues.find((i: { kind: string }) => i.kind === 'overlap');
      expect(overlap.grids).to.deep.equal(['T1', 'T2']);
      expect(overlap.areaM2).to.be.within(
        0.002 * 0.01 * 111_320 * 96_490 * 0.95,
        0.002 * 0.01 * 111_320 * 96_490 * 1.05,
      );
      expect(overlap.geometry.type).to.match(/Polygon/);
      expect(overlap.severity).to.equal('error');
    });

    it('reports a gap inside the town and names the grids around it', async () => {
      const id = await draft();
      const grids = tinyTownGrids();
      grids.features = grids.features.filter((f) => f.properties.code !== 'T5');
      await planner.put(`/api/plans/${id}/grids`, grids);
      const report = (await planner.post(`/api/plans/${id}/validate`)).body;
      const gap = report.issues.find((i: { kind: string }) => i.kind === 'gap');
      expect(gap.severity).to.equal('error');
      expect(gap.grids).to.include.members(['T2', 'T4', 'T6', 'T8']);
      expect(gap.areaM2).to.be.greaterThan(1_000_000);
    });

    it('reports grid area outside the town boundary', async () => {
      const id = await draft();
      const grids = tinyTownGrids();
      grids.features[0]!.geometry = square(ORIGIN.lon - 0.005, ORIGIN.lat, STEP + 0.005, STEP);
      await planner.put(`/api/plans/${id}/grids`, grids);
      const report = (await planner.post(`/api/plans/${id}/validate`)).body;
      const spill = report.issues.find((i: { kind: string }) => i.kind === 'outside_scope');
      expect(spill).to.include({ severity: 'error' });
      expect(spill.grids).to.deep.equal(['T1']);
    });

    it('makes a tiny sliver a warning, not an error', async () => {
      const id = await draft();
      const grids = tinyTownGrids();
      // A 1e-7° strip (about 1 cm × 1.1 km ≈ 11 m²) left uncovered along the east edge of T3.
      grids.features[2]!.geometry = square(ORIGIN.lon + 2 * STEP, ORIGIN.lat, STEP - 1e-7, STEP);
      await planner.put(`/api/plans/${id}/grids`, grids);
      const t2 = await startTestApi('plans-sliver', { GRID_SLIVER_M2: '50' });
      try {
        await t2.admin.post('/api/areas/import', tinyTownAreas());
        const p2 = (await t2.admin.post('/api/plans', { scopeCode: TOWN, title: 'sliver' })).body.id;
        await t2.admin.put(`/api/plans/${p2}/grids`, grids);
        const report = (await t2.admin.post(`/api/plans/${p2}/validate`)).body;
        expect(kinds(report)).to.deep.equal(['warning:gap']);
        expect(report.ok).to.equal(true);
      } finally {
        await t2.close();
      }
      // With the default 1 m² threshold the same strip is an error.
      const strict = (await planner.post(`/api/plans/${id}/validate`)).body;
      expect(kinds(strict)).to.deep.equal(['error:gap']);
    });

    it('reports a self-intersecting polygon kept in a draft with PostGIS reason and location', async () => {
      const id = await draft();
      const grids = tinyTownGrids();
      const [x0, y0, x1, y1] = [ORIGIN.lon, ORIGIN.lat, ORIGIN.lon + STEP, ORIGIN.lat + STEP];
      grids.features[0]!.geometry = {
        type: 'Polygon',
        coordinates: [
          [
            [x0, y0],
            [x1, y1],
            [x1, y0],
            [x0, y1],
            [x0, y0],
          ],
        ],
      };
      const refused = await planner.put(`/api/plans/${id}/grids`, grids);
      expect(refused.status).to.equal(422);
      expect(refused.body.error.code).to.equal('invalid_geometry');
      expect(refused.body.error.message).to.contain('T1').and.to.contain('Self-intersection');
      expect((await planner.get(`/api/plans/${id}/grids`)).body.features).to.have.length(0);

      expect((await planner.request('PUT', `/api/plans/${id}/grids?allowInvalid=true`, grids)).status).to.equal(200);
      const report = (await planner.post(`/api/plans/${id}/validate`)).body;
      const invalid = report.issues.find((i: { kind: string }) => i.kind === 'invalid_polygon');
      expect(invalid.grids).to.deep.equal(['T1']);
      expect(invalid.reason).to.match(/Self-intersection/);
      expect(invalid.location.coordinates[0]).to.be.closeTo(x0 + STEP / 2, 1e-9);
      const publish = await planner.post(`/api/plans/${id}/publish`);
      expect(publish.status).to.equal(422);
      expect(publish.body.error.code).to.equal('plan_has_errors');
      expect(publish.body.error.details.issues.length).to.be.greaterThan(0);
    });
  });

  describe('publishing and history', () => {
    let firstPublish: Date;

    it('publishes a valid plan, tells the open maps of the town, and refuses to publish it twice', async () => {
      // A map of the town open in a browser hears of the new grids on the push stream.
      const stream = new EventStream(`${t.api.url}/api/live?topics=grids&town=${TOWN}`, planner.token!);
      await stream.ready;
      let id: number;
      try {
        id = await publishTinyTown();
        const heard = await stream.next((e) => e.event === 'grids');
        expect(heard.data).to.deep.include({ action: 'published' });
        expect(heard.data.revision).to.be.a('number').above(0);
      } finally {
        stream.close();
      }
      const plan = (await planner.get(`/api/plans/${id}`)).body;
      expect(plan.status).to.equal('published');
      firstPublish = new Date(plan.publishedAt);
      const again = await planner.post(`/api/plans/${id}/publish`);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('plan_published');
    });

    it('keeps unchanged grids and versions changed ones at a single instant', async () => {
      const before = (await planner.get(`/api/towns/${TOWN}/map.geojson`)).body.features.filter(
        (f: { properties: { layer: string } }) => f.properties.layer === 'grid',
      );
      const id = await draft();
      // Move the T1/T2 border 0.002° east: both change, the other seven do not.
      const change1 = await planner.patch(`/api/plans/${id}/grids/T1`, {
        geometry: square(ORIGIN.lon, ORIGIN.lat, STEP + 0.002, STEP),
      });
      expect(change1.status).to.equal(200);
      await planner.patch(`/api/plans/${id}/grids/T2`, {
        geometry: square(ORIGIN.lon + STEP + 0.002, ORIGIN.lat, STEP - 0.002, STEP),
        name: '改名网格',
      });
      const diff = (await planner.get(`/api/plans/${id}/diff`)).body;
      expect(diff).to.deep.equal({ added: [], changed: ['T1', 'T2'], removed: [], unchanged: 7 });
      const res = await planner.post(`/api/plans/${id}/publish`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ added: 0, changed: 2, removed: 0, unchanged: 7 });

      const after = (await planner.get(`/api/towns/${TOWN}/map.geojson`)).body.features.filter(
        (f: { properties: { layer: string } }) => f.properties.layer === 'grid',
      );
      const byCode = (fs: { properties: Record<string, unknown> }[]) =>
        new Map(fs.map((f) => [f.properties['code'], f.properties]));
      const [b, a] = [byCode(before), byCode(after)];
      expect(a.get('T5')).to.deep.equal(b.get('T5'));
      expect(a.get('T1')!['grid_id']).to.equal(b.get('T1')!['grid_id']);
      expect(a.get('T1')!['version']).to.equal(2);
      expect(a.get('T2')!['name']).to.equal('改名网格');
      expect(a.get('T1')!['valid_from']).to.equal(a.get('T2')!['valid_from']);

      // The old versions ended at the very instant the new ones began.
      const then = (
        await planner.get(`/api/towns/${TOWN}/map.geojson?at=${encodeURIComponent(firstPublish.toISOString())}`)
      ).body.features;
      const oldT1 = then.find(
        (f: { properties: { code: string; layer: string } }) =>
          f.properties.code === 'T1' && f.properties.layer === 'grid',
      );
      expect(oldT1.properties.version).to.equal(1);
      expect(oldT1.properties.valid_to).to.equal(a.get('T1')!['valid_from']);
    });

    it('answers which grid covered a point at any time', async () => {
      // 0.001° east of the old border: T2 before the change, T1 after.
      const lon = ORIGIN.lon + STEP + 0.001;
      const lat = ORIGIN.lat + STEP / 2;
      for (const source of ['index', 'postgis']) {
        const now = await planner.get(`/api/grids/at?lon=${lon}&lat=${lat}&source=${source}`);
        expect(now.body.code, source).to.equal('T1');
        const past = await planner.get(
          `/api/grids/at?lon=${lon}&lat=${lat}&source=${source}&at=${encodeURIComponent(firstPublish.toISOString())}`,
        );
        expect(past.body).to.include({ code: 'T2', version: 1 });
        const before = await planner.get(
          `/api/grids/at?lon=${lon}&lat=${lat}&source=${source}&at=2000-01-01T00:00:00Z`,
        );
        expect(before.status).to.equal(404);
      }
    });

    it('refuses to publish a draft made before another publish of the same town', async () => {
      const stale = await draft();
      const fresh = await draft();
      await planner.patch(`/api/plans/${fresh}/grids/T9`, { name: '新名字' });
      expect((await planner.post(`/api/plans/${fresh}/publish`)).status).to.equal(200);
      const res = await planner.post(`/api/plans/${stale}/publish`);
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('stale_plan');
    });

    it('splits a grid along a line: the piece with the old code keeps its identity', async () => {
      const id = await draft();
      const t3 = (await planner.get(`/api/towns/${TOWN}/map.geojson`)).body.features.find(
        (f: { properties: { code: string } }) => f.properties.code === 'T3',
      );
      const x = ORIGIN.lon + 2 * STEP + STEP / 2;
      const line = {
        type: 'LineString',
        coordinates: [
          [x, ORIGIN.lat - 0.001],
          [x, ORIGIN.lat + STEP + 0.001],
        ],
      };
      const res = await planner.post(`/api/plans/${id}/grids/T3/split`, {
        line,
        parts: [
          { code: 'T3', name: '东三甲' },
          { code: 'T10', name: '东三乙' },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect((await planner.post(`/api/plans/${id}/validate`)).body.ok).to.equal(true);
      const pub = (await planner.post(`/api/plans/${id}/publish`)).body;
      expect(pub).to.include({ added: 1, changed: 1 });
      const after = (await planner.get(`/api/towns/${TOWN}/map.geojson`)).body.features;
      const t3After = after.find((f: { properties: { code: string } }) => f.properties.code === 'T3');
      expect(t3After.properties.grid_id).to.equal(t3.properties.grid_id);
      expect(after.some((f: { properties: { code: string } }) => f.properties.code === 'T10')).to.equal(true);
    });

    it('merges touching grids and deletes a grid in a draft', async () => {
      const id = await draft();
      const merged = await planner.post(`/api/plans/${id}/merge`, {
        codes: ['T3', 'T10'],
        into: { code: 'T3', name: '东三' },
      });
      expect(merged.status).to.equal(200);
      const notTouching = await planner.post(`/api/plans/${id}/merge`, {
        codes: ['T4', 'T6'],
        into: { code: 'T4', name: 'x', village_code: WEST },
      });
      expect(notTouching.status).to.equal(422);
      expect((await planner.delete(`/api/plans/${id}/grids/T9`)).status).to.equal(200);
      const report = (await planner.post(`/api/plans/${id}/validate`)).body;
      expect(kinds(report)).to.deep.equal(['error:gap']);
      const diff = (await planner.get(`/api/plans/${id}/diff`)).body;
      expect(diff.removed).to.deep.equal(['T10', 'T9']);
      expect(diff.changed).to.deep.equal(['T3']);
    });
  });

  describe('bad input', () => {
    let id: number;
    before(async () => {
      id = await draft();
    });

    it('refuses an unclosed ring and names where', async () => {
      const bad = tinyTownGrid(0, 0);
      bad.geometry.coordinates[0]!.pop();
      bad.geometry.coordinates[0]!.push([ORIGIN.lon, ORIGIN.lat + 0.001]);
      const res = await planner.post(`/api/plans/${id}/grids`, bad);
      expect(res.status).to.equal(400);
      expect(res.body.error.message).to.contain('body.geometry.coordinates[0]').and.to.contain('not closed');
    });

    it('refuses coordinates out of range', async () => {
      const res = await planner.post(`/api/plans/${id}/grids`, {
        ...tinyTownGrid(0, 0),
        geometry: square(200, 30, 1, 1),
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.problems[0].message).to.contain('longitude 200');
    });

    it('refuses a wrong geometry type and a non-number coordinate', async () => {
      const point = await planner.post(`/api/plans/${id}/grids`, {
        ...tinyTownGrid(0, 0),
        geometry: { type: 'Point', coordinates: [120, 30] },
      });
      expect(point.status).to.equal(400);
      expect(point.body.error.message).to.contain('Polygon');
      const nan = await planner.request(
        'POST',
        `/api/plans/${id}/grids`,
        JSON.stringify(tinyTownGrid(0, 0)).replace('120', '"abc"'),
      );
      expect(nan.status).to.equal(400);
    });

    // Other properties (OBJECTID, Shape_Area) are kept, not refused: test/gis/map-files.test.ts.
    it('refuses an unknown village and a duplicate code, writing nothing', async () => {
      const before = (await planner.get(`/api/plans/${id}/grids`)).body.features.length;
      const fc = tinyTownGrids();
      fc.features[3]!.properties.village_code = '000000000000';
      const unknownVillage = await planner.put(`/api/plans/${id}/grids`, fc);
      expect(unknownVillage.status).to.equal(400);
      expect(unknownVillage.body.error.message).to.contain('000000000000');
      const dup = tinyTownGrids();
      dup.features[4]!.properties.code = 'T1';
      const duplicate = await planner.put(`/api/plans/${id}/grids`, dup);
      expect(duplicate.status).to.equal(400);
      expect(duplicate.body.error.message).to.contain('T1 appears twice');
      expect((await planner.get(`/api/plans/${id}/grids`)).body.features.length).to.equal(before);
    });

    it('answers 404 for a plan or grid that does not exist', async () => {
      expect((await planner.get('/api/plans/999999')).status).to.equal(404);
      expect((await planner.patch(`/api/plans/${id}/grids/NOPE`, { name: 'x' })).status).to.equal(404);
      expect((await planner.post('/api/plans', { scopeCode: '123', title: 'x' })).status).to.equal(404);
    });

    it('converts GCJ-02 input to WGS-84 on the way in', async () => {
      const g = tinyTownGrid(0, 0);
      const gcj = { ...g, properties: { ...g.properties, code: 'G1' } };
      // Shift the square by the GCJ-02 offset at this place, about +0.0046° lon, −0.0025° lat.
      const res = await planner.request('POST', `/api/plans/${id}/grids?crs=GCJ02`, { ...gcj, geometry: cell(0, 0) });
      expect(res.status).to.equal(201);
      const stored = (await planner.get(`/api/plans/${id}/grids`)).body.features.find(
        (f: { id: string }) => f.id === 'G1',
      );
      const [lon, lat] = stored.geometry.coordinates[0][0][0];
      expect(lon).to.be.closeTo(ORIGIN.lon - 0.0046, 0.001);
      expect(lat).to.be.closeTo(ORIGIN.lat + 0.0025, 0.001);
    });
  });
});
