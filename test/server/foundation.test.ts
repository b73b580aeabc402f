import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { tinyTownAreas } from '../helpers/tiny-town.js';

describe('foundation: health, OpenAPI, accounts and errors', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi('foundation', { BODY_LIMIT: '64kb' });
  });
  after(() => t.close());

  it('reports PostgreSQL, PostGIS and Redis as up on /healthz, with versions only to admins', async () => {
    const anonymous = await t.anonymous.get('/healthz');
    expect(anonymous.status).to.equal(200);
    expect(anonymous.body).to.deep.equal({ status: 'ok' });
    const res = await t.admin.get('/healthz');
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('ok');
    expect(res.body.checks.postgres.ok).to.equal(true);
    expect(res.body.checks.postgis.version).to.match(/^3\./);
    expect(res.body.checks.redis.ok).to.equal(true);
  });

  it('publishes an OpenAPI 3 document generated from the request schemas', async () => {
    const res = await t.anonymous.get('/api/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.match(/^3\./);
    const login = res.body.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.required).to.include.members(['username', 'password']);
    const lookup = res.body.paths['/api/grids/at'].get;
    expect(lookup.parameters.map((p: { name: string }) => p.name)).to.include.members(['lon', 'lat', 'at', 'crs']);
    expect(res.body.paths['/api/plans/{id}/publish'].post).to.have.property('summary');
  });

  it('refuses a wrong password with 401 and never says which part was wrong', async () => {
    const res = await t.anonymous.post('/api/auth/login', { username: 'admin', password: 'nope' });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.deep.include({ code: 'unauthorized', message: 'Wrong username or password' });
    const unknown = await t.anonymous.post('/api/auth/login', { username: 'ghost', password: 'nope' });
    expect(unknown.body).to.deep.equal(res.body);
  });

  it('answers 401 without a token and 403 for the wrong role', async () => {
    expect((await t.anonymous.post('/api/plans', { scopeCode: 'x', title: 'x' })).status).to.equal(401);
    const operator = await t.login(['operator']);
    const res = await operator.post('/api/plans', { scopeCode: 'x', title: 'x' });
    expect(res.status).to.equal(403);
    expect(res.body.error.message).to.contain('planner');
    expect((await operator.get('/api/accounts')).status).to.equal(403);
  });

  it('scopes accounts to towns: a planner of another town is refused', async () => {
    await t.admin.post('/api/areas/import', tinyTownAreas());
    const towns = (await t.admin.get('/api/areas?level=town')).body as { id: number; code: string }[];
    const elsewhere = await t.login(['planner'], []);
    const res = await elsewhere.post('/api/plans', { scopeCode: towns[0]!.code, title: 'not mine' });
    expect(res.status).to.equal(403);
    const mine = await t.login(['planner'], [towns[0]!.id]);
    expect((await mine.post('/api/plans', { scopeCode: towns[0]!.code, title: 'mine' })).status).to.equal(201);
  });

  it('ends a session on logout', async () => {
    const client = await t.login(['operator']);
    expect((await client.get('/api/auth/me')).status).to.equal(200);
    expect((await client.post('/api/auth/logout')).status).to.equal(204);
    expect((await client.get('/api/auth/me')).status).to.equal(401);
  });

  it('turns malformed JSON into a 400 that says so', async () => {
    const res = await t.admin.request('POST', '/api/accounts', '{"username": "x",', {
      'content-type': 'application/json',
    });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('malformed_json');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [],
      name: 'x'.repeat(100_000),
    });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('names unknown fields and wrong types with their path', async () => {
    const res = await t.admin.post('/api/accounts', {
      username: 'abc',
      displayName: 'x',
      password: 'longenough',
      roles: ['pilot'],
      colour: 'red',
    });
    expect(res.status).to.equal(400);
    const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).to.include('body.roles[0]');
    expect(res.body.error.details.problems.some((p: { message: string }) => p.message.includes('colour'))).to.equal(
      true,
    );
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await t.admin.get('/api/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
  });
});
