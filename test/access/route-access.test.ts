// Every declared route × every role × own / other town, from the route declarations
// the OpenAPI document is made of, against the expectations in route-rules.ts.
import { expect } from 'chai';
import { ROLES, type Role } from '../../platform/auth/roles.js';
import type { AnyRoute } from '../../platform/http/route.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { FIXTURE_PASSWORD, twoTowns, type TownFixture, type TwoTowns } from '../helpers/two-towns.js';
import { fillPath, ROUTE_RULES, type Req, type RouteRule } from './route-rules.js';

interface Answer {
  status: number;
  text: string;
}

const keyOf = (r: AnyRoute) => `${r.method.toUpperCase()} ${r.path}`;
const allowed = (rule: RouteRule, role: Role) =>
  role === 'admin' ||
  rule.roles === 'all' ||
  (Array.isArray(rule.roles) && rule.roles.includes(role)) ||
  (rule.owner ?? []).includes(role);

/** A town's fixture as seen by a caller who owns none of it (same town, someone else's things). */
const notMine = (f: TownFixture): TownFixture => ({
  ...f,
  personId: f.otherPersonId,
  cameraId: f.otherCameraId,
  incidentId: f.otherIncidentId,
  mediaId: f.otherMediaId,
});

describe('route access: every route × every role × own and other town', function () {
  this.timeout(180_000);
  let t: TestApi;
  let towns: TwoTowns;
  let routes: AnyRoute[];

  before(async () => {
    t = await startTestApi('route-access', { CAMERA_TIMEOUT_MS: '500' });
    towns = await twoTowns(t);
    routes = t.api.routes;
  });
  after(async () => t?.close());

  async function call(token: string | null, route: AnyRoute, req: Req): Promise<Answer> {
    const url = new URL(t.api.url + (req.path ?? ''));
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = Buffer.isBuffer(req.body) ? (req.body as unknown as string) : JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const abort = new AbortController();
    const res = await fetch(url, { method: route.method.toUpperCase(), headers, body, signal: abort.signal });
    if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      abort.abort();
      return { status: res.status, text: '' };
    }
    return { status: res.status, text: await res.text() };
  }

  /** The request a rule describes for a town; writes get a probe that cannot succeed unless `real`. */
  function request(route: AnyRoute, rule: RouteRule, f: TownFixture, real: boolean): Req {
    const given = rule.req?.(f) ?? {};
    const req: Req = { ...given, path: given.path ?? fillPath(route.path, f) };
    if (route.method === 'get' || real) return req;
    // A probe: passes the role check, then fails validation or finds nothing, so walking
    // the roles writes nothing.
    if (route.body || req.body !== undefined)
      return { ...req, body: { 'not a field': true }, contentType: 'application/json' };
    return { ...req, path: req.path!.replace(/\/\d+(?=\/|$)/g, '/999999999') };
  }

  // Logout ends the session it is called with: it gets a session of its own. Logging out
  // everywhere and changing one's password end every session of the account: they get an
  // account of their own, of the same role and town.
  let throwaway = 0;
  async function tokenFor(f: TownFixture, role: Role, route: AnyRoute): Promise<string> {
    if (route.path === '/api/auth/logout') {
      return (
        await t.anonymous.post('/api/auth/login', { username: f.accounts[role].username, password: FIXTURE_PASSWORD })
      ).body.token as string;
    }
    if (route.path === '/api/auth/logout-everywhere' || route.path === '/api/auth/password') {
      const username = `${role}-${f.key}-throwaway-${++throwaway}-${process.pid}`;
      const made = await t.admin.post('/api/accounts', {
        username,
        displayName: username,
        password: FIXTURE_PASSWORD,
        roles: [role],
        townIds: [f.townId],
      });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      return (await t.anonymous.post('/api/auth/login', { username, password: FIXTURE_PASSWORD })).body.token as string;
    }
    return f.accounts[role].client.token!;
  }
  const tokenOf = (f: TownFixture, role: Role) => f.accounts[role].client.token!;

  it('has one expectation per declared route, and none for routes that are gone', () => {
    const declared = routes.map(keyOf);
    expect(
      declared.filter((k) => !ROUTE_RULES[k]),
      'routes with no line in test/access/route-rules.ts',
    ).to.deep.equal([]);
    expect(
      Object.keys(ROUTE_RULES).filter((k) => !declared.includes(k)),
      'lines for routes that do not exist',
    ).to.deep.equal([]);
    expect(declared.length).to.be.greaterThan(80);
  });

  it('says in the OpenAPI document who may call, owners included', async () => {
    const doc = (await t.anonymous.get('/api/openapi.json')).body;
    expect(doc.paths['/api/people/{id}/trace'].get.description).to.equal(
      'Roles: dispatcher (admin always); gridworker for their own only.',
    );
    expect(doc.paths['/api/cameras/{id}/snapshot.jpg'].get.description).to.include('installer for their own only');
    expect(doc.paths['/api/incidents'].get.description).to.equal(
      'Roles: operator, dispatcher, planner (admin always).',
    );
    // Phones call with their device token: a scheme of its own, not "public".
    expect(doc.components.securitySchemes.deviceToken).to.include({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [
      ['/api/positions/batch', 'post'],
      ['/api/phone/tasks', 'get'],
    ] as const)
      expect(doc.paths[path][method].security, `${method} ${path}`).to.deep.equal([{ deviceToken: [] }]);
  });

  it("lets in exactly the roles each route declares, in the caller's own town", async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const rule = ROUTE_RULES[keyOf(route)];
      if (!rule) continue;
      const { A } = towns;
      const anon = await call(null, route, request(route, rule, A, false));
      if (rule.roles === 'device' && anon.status !== 401)
        wrong.push(`${keyOf(route)} anonymous: ${anon.status}, want 401`);
      if (rule.roles === 'public' || rule.roles === 'device') {
        // A public route ignores sessions: every account gets what anybody gets (a device
        // route: the 401 anybody gets, since a session token is not a device's).
        for (const role of ROLES) {
          const res = await call(await tokenFor(A, role, route), route, request(route, rule, A, false));
          if (res.status !== anon.status)
            wrong.push(`${keyOf(route)} as ${role}: ${res.status}, anonymous ${anon.status}`);
        }
        continue;
      }
      if (anon.status !== 401) wrong.push(`${keyOf(route)} anonymous: ${anon.status}, want 401`);
      for (const role of ROLES) {
        const res = await call(
          await tokenFor(A, role, route),
          route,
          request(route, rule, A, rule.town === 'every-town'),
        );
        const want = rule.town === 'every-town' && role === 'admin' ? false : allowed(rule, role);
        // A camera nobody answers for (502), RTMP off in tests (503): the call got past the checks.
        const ok = want
          ? ![401, 403].includes(res.status) && (res.status < 500 || res.status === 502 || res.status === 503)
          : res.status === 403;
        if (!ok)
          wrong.push(
            `${keyOf(route)} as ${role} of its town: ${res.status} ${res.text.slice(0, 160)} (want ${want ? 'allowed' : '403'})`,
          );
        if (!want && res.status === 403 && !/roles|admin of every town/.test(res.text))
          wrong.push(`${keyOf(route)} as ${role}: 403 without saying who may: ${res.text}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("refuses another town's things to every role the route lets in", async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const rule = ROUTE_RULES[keyOf(route)];
      if (
        !rule ||
        rule.roles === 'public' ||
        rule.roles === 'device' ||
        rule.town === 'global' ||
        rule.town === 'every-town'
      )
        continue;
      const { A, B } = towns;
      for (const role of ROLES.filter((r) => allowed(rule, r))) {
        const res = await call(await tokenFor(B, role, route), route, request(route, rule, A, true));
        if (rule.town === 'scoped' && ![403, 404].includes(res.status)) {
          wrong.push(
            `${keyOf(route)} as ${role} of the other town: ${res.status} ${res.text.slice(0, 160)} (want 403 or 404)`,
          );
        }
        if (rule.town === 'list' && (res.status >= 400 || res.text.includes(A.mark))) {
          wrong.push(
            `${keyOf(route)} as ${role} of the other town: ${res.status}, ${res.text.includes(A.mark) ? `shows ${A.mark}` : res.text.slice(0, 160)}`,
          );
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('lets an owner role at its own things only', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const rule = ROUTE_RULES[keyOf(route)];
      if (!rule?.owner) continue;
      const { A } = towns;
      for (const role of rule.owner) {
        const mine = await call(tokenOf(A, role), route, request(route, rule, A, route.method === 'get'));
        if ([401, 403, 404].includes(mine.status))
          wrong.push(`${keyOf(route)} as ${role}, own: ${mine.status} ${mine.text.slice(0, 160)}`);
        const theirs = await call(tokenOf(A, role), route, request(route, rule, notMine(A), true));
        if (theirs.status !== 403)
          wrong.push(
            `${keyOf(route)} as ${role}, someone else's: ${theirs.status} ${theirs.text.slice(0, 160)} (want 403)`,
          );
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("shows a list's own-town rows to the roles let in (the fixture is really there)", async () => {
    const { A } = towns;
    for (const key of [
      'GET /api/incidents',
      'GET /api/people',
      'GET /api/cameras',
      'GET /api/accounts',
      'GET /api/open311/clients',
      'GET /api/plans',
      'GET /api/live-sources',
    ]) {
      const route = routes.find((r) => keyOf(r) === key)!;
      const rule = ROUTE_RULES[key]!;
      const role = (Array.isArray(rule.roles) ? rule.roles[0] : undefined) ?? 'admin';
      const res = await call(tokenOf(A, role), route, request(route, rule, A, false));
      expect(res.text, `${key} as ${role}`).to.include(A.mark);
    }
  });
});
