import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { bbox } from '@turf/bbox';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { loadFixture, readFixture, type FixtureFiles } from '../../gis/fixture-loader.js';
import { AuthContext } from '../../platform/auth/auth-context.js';
import { AccountsRepository } from '../../accounts/accounts.repository.js';

const HANGBU = '330802101';
const DIR = fileURLToPath(new URL('../../fixtures/hangbu', import.meta.url));

interface GridFeature {
  properties: { code: string; village_code: string; kind: string };
  geometry: { coordinates: number[][][] };
}

describe('the demo town 航埠镇 loads through a plan and the lookups agree on it', () => {
  let t: TestApi;
  let files: FixtureFiles;

  before(async function () {
    this.timeout(60_000);
    t = await startTestApi('demo');
    files = await readFixture(DIR);
    const admin = AuthContext.of((await new AccountsRepository(t.api.services.db).findByUsername('admin'))!);
    const result = await loadFixture(t.api.services, admin, files);
    expect(result.towns).to.have.length(1);
    expect(result.roads).to.be.greaterThan(100);
  });
  after(() => t.close());

  it('has the 33 official village-level units of Hangbu and 76 grids', async () => {
    const villages = (await t.admin.get(`/api/areas?level=village&parent=${HANGBU}`)).body;
    expect(villages).to.have.length(33);
    expect(villages.map((v: { code: string }) => v.code)).to.include.members([
      '330802101001',
      '330802101200',
      '330802101206',
    ]);
    expect(villages.every((v: { synthetic: boolean }) => v.synthetic)).to.equal(true);
    const map = (await t.admin.get(`/api/towns/${HANGBU}/map.geojson`)).body;
    const grids = map.features.filter((f: { properties: { layer: string } }) => f.properties.layer === 'grid');
    expect(grids).to.have.length(76);
    expect(
      grids.filter((g: { properties: { kind: string } }) => g.properties.kind === 'dedicated').length,
    ).to.be.at.least(2);
  });

  it('validates clean as a fresh draft: no overlaps, gaps or spill-over', async () => {
    const plan = (await t.admin.post('/api/plans', { scopeCode: HANGBU, title: 'check' })).body;
    const report = (await t.admin.post(`/api/plans/${plan.id}/validate`)).body;
    expect(report).to.include({ ok: true, errors: 0, warnings: 0, gridCount: 76 });
    expect((await t.admin.get(`/api/plans/${plan.id}/diff`)).body).to.deep.equal({
      added: [],
      changed: [],
      removed: [],
      unchanged: 76,
    });
  });

  it('gives the same grid from the index and from PostGIS on every vertex, near every vertex and at random', async () => {
    const grids = (files.grids as { features: GridFeature[] }).features;
    const points: { lon: number; lat: number }[] = [];
    const offsets = [0, 2e-8, -2e-8];
    for (const g of grids) {
      for (const [lon, lat] of g.geometry.coordinates[0]!) {
        for (const dx of offsets) for (const dy of offsets) points.push({ lon: lon! + dx, lat: lat! + dy });
      }
    }
    // Midpoints of edges, which are generally not representable exactly: both must still agree.
    for (const g of grids) {
      const ring = g.geometry.coordinates[0]!;
      for (let i = 0; i + 1 < ring.length; i++)
        points.push({ lon: (ring[i]![0]! + ring[i + 1]![0]!) / 2, lat: (ring[i]![1]! + ring[i + 1]![1]!) / 2 });
    }
    const [minX, minY, maxX, maxY] = bbox(files.grids as never);
    for (let i = 0; i < 3000; i++)
      points.push({ lon: minX + Math.random() * (maxX - minX), lat: minY + Math.random() * (maxY - minY) });
    const disagreements: unknown[] = [];
    for (let i = 0; i < points.length; i += 5000) {
      const chunk = points.slice(i, i + 5000);
      const a = (await t.admin.post('/api/grids/lookup', { points: chunk, source: 'index' })).body.grids;
      const b = (await t.admin.post('/api/grids/lookup', { points: chunk, source: 'postgis' })).body.grids;
      chunk.forEach((p, k) => {
        if ((a[k]?.code ?? null) !== (b[k]?.code ?? null))
          disagreements.push({ p, index: a[k]?.code, postgis: b[k]?.code });
      });
    }
    expect(points.length).to.be.greaterThan(5000);
    expect(disagreements, JSON.stringify(disagreements.slice(0, 3))).to.deep.equal([]);
  });
});
