// What an attacker finds on the api port: security headers on every answer, tokens in
// URLs only where a header cannot be sent, bodies read only after authentication and
// bounded per route, geometries bounded in vertices, live streams bounded per account,
// relays bounded per instance.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { tinyTownWithPeople } from '../helpers/roster.js';
import { ORIGIN, STEP, TOWN } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { RelayManager } from '../../video/relay/relay-manager.js';
import { AppError } from '../../platform/errors.js';

describe('http hardening: headers, tokens, body limits and caps', function () {
  this.timeout(60_000);
  let t: TestApi;
  let token: string;

  before(async () => {
    t = await startTestApi('hardening', {
      SSE_PER_ACCOUNT: '2',
      MAX_POLYGON_VERTICES: '500',
      JSON_BODY_LIMIT: '20kb',
      BODY_LIMIT: '2mb',
    });
    await tinyTownWithPeople(t, 1);
    token = t.admin.token!;
  });
  after(() => t.close());

  it('sends the security headers on answers of every kind', async () => {
    const answers = await Promise.all([
      t.anonymous.get('/api/openapi.json'),
      t.anonymous.get('/api/nothing-here'),
      t.anonymous.get('/api/areas'),
      t.admin.get(`/api/areas/${TOWN}`),
      t.anonymous.get('/livez'),
      t.anonymous.get('/tiles/grids/10/843/427.mvt'),
    ]);
    for (const res of answers) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.include("frame-ancestors 'none'");
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.not.match(/script-src[^;]*unsafe/);
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
    }
    const osm = await fetch(`${t.api.osmandUrl}/?id=nobody&lat=1&lon=1`);
    expect(osm.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it('takes ?access_token= only on SSE and HLS routes', async () => {
    const areas = await t.anonymous.get(`/api/areas/${TOWN}?access_token=${token}`);
    expect(areas.status).to.equal(401);
    expect(areas.body.error.message).to.match(/access_token.*only on live streams/);
    expect((await t.anonymous.get(`/healthz?access_token=${token}`)).status).to.equal(401);
    const controller = new AbortController();
    const live = await fetch(`${t.api.url}/api/live?access_token=${token}`, { signal: controller.signal });
    expect(live.status).to.equal(200);
    expect(live.headers.get('content-type')).to.match(/event-stream/);
    controller.abort();
    // The header still works everywhere.
    expect((await t.admin.get(`/api/areas/${TOWN}`)).status).to.equal(200);
  });

  it('reads no body before authentication, and bounds bodies per route', async () => {
    // 1.5 MB to an upload route, without a token: 401, not parsed.
    const huge = JSON.stringify({ type: 'FeatureCollection', features: [], name: 'x'.repeat(1_500_000) });
    const anon = await t.anonymous.request('POST', '/api/areas/import', huge, { 'content-type': 'application/json' });
    expect(anon.status).to.equal(401);
    // Malformed JSON without a token: 401 too (the parser never ran).
    expect(
      (await t.anonymous.request('POST', '/api/accounts', '{"x":', { 'content-type': 'application/json' })).status,
    ).to.equal(401);
    // An ordinary route: the small limit (20 kB here).
    const big = await t.admin.post('/api/accounts', {
      username: 'abc',
      displayName: 'x'.repeat(30_000),
      password: 'longenough',
      roles: ['planner'],
    });
    expect(big.status).to.equal(413);
    expect(big.body.error.code).to.equal('payload_too_large');
    // The upload route takes the same 30 kB (and its schema judges it).
    const upload = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [],
      name: 'x'.repeat(30_000),
    });
    expect(upload.status).to.not.equal(413);
    // Beyond BODY_LIMIT: 413 there too.
    expect(
      (
        await t.admin.request('POST', '/api/areas/import', huge.replace('x'.repeat(1_500_000), 'x'.repeat(2_200_000)), {
          'content-type': 'application/json',
        })
      ).status,
    ).to.equal(413);
  });

  it('refuses a polygon with too many vertices with 413 naming it', async () => {
    const plan = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'vertices' })).body.id as number;
    const n = 800;
    const ring = Array.from({ length: n }, (_, i) => {
      const a = (2 * Math.PI * i) / n;
      return [ORIGIN.lon + STEP * (1.5 + 0.4 * Math.cos(a)), ORIGIN.lat + STEP * (1.5 + 0.4 * Math.sin(a))];
    });
    ring.push(ring[0]!);
    const feature = {
      type: 'Feature',
      properties: { code: 'V1', name: '多边形', kind: 'urban' },
      geometry: { type: 'Polygon', coordinates: [ring] },
    };
    const res = await t.admin.post(`/api/plans/${plan}/grids`, feature);
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('too_many_vertices');
    expect(res.body.error.details).to.deep.include({ path: 'body.geometry.coordinates', vertices: n + 1, limit: 500 });
  });

  it('caps the live streams one account keeps open with 429, and frees a place when one closes', async () => {
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${t.api.url}/api/live`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      return { res, close: () => controller.abort() };
    };
    const a = await open();
    const b = await open();
    expect([a.res.status, b.res.status]).to.deep.equal([200, 200]);
    const c = await open();
    expect(c.res.status).to.equal(429);
    expect(((await c.res.json()) as { error: { code: string } }).error.code).to.equal('too_many_streams');
    // Another account is not affected.
    const other = await t.login(['operator'], [], true);
    const theirs = await fetch(`${t.api.url}/api/live`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(theirs.status).to.equal(200);
    await theirs.body?.cancel();
    a.close();
    const d = await (async () => {
      for (let i = 0; i < 20; i++) {
        const next = await open();
        if (next.res.status === 200) return next;
        next.close();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no place freed');
    })();
    b.close();
    d.close();
  });
});

describe('relay cap: one instance runs at most RELAYS_MAX ffmpeg relays', function () {
  this.timeout(60_000);
  let camera: SimulatedCamera;
  let manager: RelayManager;
  let redis: Redis;
  let root: string;

  before(async () => {
    root = await mkdtemp('/dev/shm/wangge-hls-cap-');
    redis = new Redis('redis://127.0.0.1:6379/15', { maxRetriesPerRequest: 2 });
    camera = await SimulatedCamera.start({
      name: 'cap-cam',
      onvifPort: 0,
      rtspPort: 0,
      username: 'admin',
      password: 'pw',
      ptz: false,
      discovery: false,
    });
    manager = new RelayManager({
      redis,
      instanceId: `cap-${process.pid}`,
      baseUrl: 'http://127.0.0.1:1',
      keyPrefix: `wangge-test:cap:${process.pid}`,
      idleMs: 60_000,
      relay: { hlsRoot: root },
      maxRelays: 1,
    });
  });
  after(async () => {
    await manager.stopAll();
    await camera.stop();
    redis.disconnect();
    await rm(root, { recursive: true, force: true });
  });

  it('answers 429 for one relay more, and starts it once a place is free', async () => {
    const sub = { sourceId: 'cap-cam', stream: 'sub' };
    const main = { sourceId: 'cap-cam', stream: 'main' };
    await manager.watch(sub, camera.rtspUrl('sub', true));
    // Joining the running one is fine.
    await manager.watch(sub, camera.rtspUrl('sub', true));
    const refused = await manager.watch(main, camera.rtspUrl('main', true)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(AppError);
    expect((refused as AppError).status).to.equal(429);
    expect((refused as AppError).code).to.equal('too_many_relays');
    await manager.stop(sub);
    await manager.watch(main, camera.rtspUrl('main', true));
  });
});
