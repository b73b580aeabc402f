import { expect } from 'chai';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { tileOf } from '../helpers/tiles.js';
import { ORIGIN, STEP, TOWN, tinyTownAreas, tinyTownGrids } from '../helpers/tiny-town.js';

describe('vector tiles of towns, villages and grids', () => {
  let t: TestApi;
  const { z, x, y } = tileOf(ORIGIN.lon + 1.5 * STEP, ORIGIN.lat + 1.5 * STEP, 12);
  const path = `/tiles/grids/${z}/${x}/${y}.mvt`;

  before(async () => {
    t = await startTestApi('tiles');
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const id = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'grids' })).body.id;
    await t.admin.put(`/api/plans/${id}/grids`, tinyTownGrids());
    await t.admin.post(`/api/plans/${id}/publish`);
  });
  after(() => t.close());

  function decode(raw: Buffer): VectorTile {
    return new VectorTile(new PbfReader(raw));
  }

  function names(tile: VectorTile, layer: string): string[] {
    const l = tile.layers[layer];
    if (!l) return [];
    return Array.from({ length: l.length }, (_, i) => String(l.feature(i).properties['code'])).sort();
  }

  it('serves the grids, villages and the town of a z12 tile with their codes and ids', async () => {
    const res = await t.admin.get(path);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.contain('application/vnd.mapbox-vector-tile');
    const tile = decode(res.raw);
    expect(names(tile, 'grids')).to.deep.equal(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9']);
    expect(names(tile, 'villages')).to.have.length(2);
    expect(names(tile, 'towns')).to.deep.equal([TOWN]);
    const grid = tile.layers['grids']!.feature(0);
    expect(grid.id).to.be.a('number').and.greaterThan(0);
    expect(grid.properties).to.include.keys('name', 'kind', 'village_code', 'version');
  });

  it('answers a repeat with the cached tile and 304 for a matching ETag', async () => {
    const first = await t.admin.get(path);
    const etag = first.headers.get('etag')!;
    const second = await t.admin.get(path);
    expect(second.raw.equals(first.raw)).to.equal(true);
    const revalidated = await t.admin.get(path, { 'if-none-match': etag });
    expect(revalidated.status).to.equal(304);
  });

  it('shows a publish at once: the ETag and the content change', async () => {
    const before = await t.admin.get(path);
    const id = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'merge' })).body.id;
    await t.admin.post(`/api/plans/${id}/merge`, { codes: ['T1', 'T2'], into: { code: 'T1', name: '合并网格' } });
    expect((await t.admin.post(`/api/plans/${id}/publish`)).status).to.equal(200);
    const after = await t.admin.get(path, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).to.equal(200);
    expect(names(decode(after.raw), 'grids')).to.not.include('T2');
  });

  it('needs a login, and refuses a tile that does not exist', async () => {
    expect((await t.anonymous.get(path)).status).to.equal(401);
    expect((await t.admin.get('/tiles/grids/2/9/1.mvt')).status).to.equal(400);
    expect((await t.admin.get('/tiles/grids/30/1/1.mvt')).status).to.equal(400);
  });

  it('serves an empty tile far from any town', async () => {
    const res = await t.admin.get('/tiles/grids/12/0/0.mvt');
    expect(res.status).to.equal(200);
    expect(Object.keys(decode(res.raw).layers)).to.deep.equal([]);
  });
});
