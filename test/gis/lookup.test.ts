import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { ORIGIN, STEP, TOWN, square, tinyTownAreas, tinyTownGrids } from '../helpers/tiny-town.js';

interface Hit {
  code: string;
  versionId: number;
}

/** Points on and a hair's breadth around every shared vertex and edge of the tiny town. */
function pointsAroundEdges(): { lon: number; lat: number }[] {
  const points: { lon: number; lat: number }[] = [];
  const offsets = [0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-7, -1e-7];
  for (let i = 0; i <= 3; i++) {
    for (let j = 0; j <= 3; j++) {
      const lon = Math.round((ORIGIN.lon + i * STEP) * 1e9) / 1e9;
      const lat = Math.round((ORIGIN.lat + j * STEP) * 1e9) / 1e9;
      for (const dx of offsets) for (const dy of offsets) points.push({ lon: lon + dx, lat: lat + dy });
      // Along the edges, between vertices.
      for (const f of [0.25, 0.5, 0.77]) {
        for (const d of offsets) {
          points.push({ lon: lon + d, lat: lat + f * STEP }, { lon: lon + f * STEP, lat: lat + d });
        }
      }
    }
  }
  return points;
}

describe('point → grid lookups: the in-process index and PostGIS agree', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi('lookup');
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const id = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'grids' })).body.id;
    await t.admin.put(`/api/plans/${id}/grids`, tinyTownGrids());
    expect((await t.admin.post(`/api/plans/${id}/publish`)).status).to.equal(200);
  });
  after(() => t.close());

  async function both(points: { lon: number; lat: number }[]): Promise<[(Hit | null)[], (Hit | null)[]]> {
    const index = await t.admin.post('/api/grids/lookup', { points, source: 'index' });
    const postgis = await t.admin.post('/api/grids/lookup', { points, source: 'postgis' });
    expect(index.status).to.equal(200);
    expect(postgis.status).to.equal(200);
    return [index.body.grids, postgis.body.grids];
  }

  it('agrees on every point on and near shared edges and vertices', async () => {
    const points = pointsAroundEdges();
    const [index, postgis] = await both(points);
    const disagreements = points
      .map((p, i) => ({ p, index: index[i]?.code ?? null, postgis: postgis[i]?.code ?? null }))
      .filter((d) => d.index !== d.postgis);
    expect(disagreements, JSON.stringify(disagreements.slice(0, 5))).to.deep.equal([]);
    // Sanity: the sample really straddles grids and the town's outside.
    expect(new Set(index.map((h) => h?.code ?? null)).size).to.equal(10);
  });

  it('gives a point on a shared edge to one grid, the lowest code', async () => {
    const [index, postgis] = await both([
      { lon: ORIGIN.lon + STEP, lat: ORIGIN.lat + STEP / 2 },
      { lon: ORIGIN.lon + STEP, lat: ORIGIN.lat + STEP },
    ]);
    expect(index.map((h) => h?.code)).to.deep.equal(['T1', 'T1']);
    expect(postgis.map((h) => h?.code)).to.deep.equal(['T1', 'T1']);
  });

  it('answers null outside every town and 404 for a single point there', async () => {
    const [index, postgis] = await both([{ lon: 121, lat: 31 }]);
    expect(index).to.deep.equal([null]);
    expect(postgis).to.deep.equal([null]);
    const single = await t.admin.get('/api/grids/at?lon=121&lat=31');
    expect(single.status).to.equal(404);
  });

  it('refuses out-of-range and malformed points', async () => {
    expect((await t.admin.get('/api/grids/at?lon=181&lat=30')).status).to.equal(400);
    expect((await t.admin.get('/api/grids/at?lon=abc&lat=30')).status).to.equal(400);
    const batch = await t.admin.post('/api/grids/lookup', { points: [{ lon: 120, lat: 95 }] });
    expect(batch.status).to.equal(400);
    expect(batch.body.error.message).to.contain('body.points[0].lat');
  });

  it('refreshes the index on another API instance when a plan is published', async () => {
    const other = await startTestApi('lookup-b', {}, t);
    try {
      const lon = ORIGIN.lon + STEP + 0.001;
      const lat = ORIGIN.lat + STEP / 2;
      expect((await other.admin.get(`/api/grids/at?lon=${lon}&lat=${lat}`)).body.code).to.equal('T2');
      const id = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'move border' })).body.id;
      await t.admin.patch(`/api/plans/${id}/grids/T1`, {
        geometry: square(ORIGIN.lon, ORIGIN.lat, STEP + 0.002, STEP),
      });
      await t.admin.patch(`/api/plans/${id}/grids/T2`, {
        geometry: square(ORIGIN.lon + STEP + 0.002, ORIGIN.lat, STEP - 0.002, STEP),
      });
      expect((await t.admin.post(`/api/plans/${id}/publish`)).status).to.equal(200);
      let code = '';
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        code = (await other.admin.get(`/api/grids/at?lon=${lon}&lat=${lat}`)).body.code;
        if (code === 'T1') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(code).to.equal('T1');
    } finally {
      await other.close();
    }
  });
});
