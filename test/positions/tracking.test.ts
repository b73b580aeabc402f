import { expect } from 'chai';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';
import { EAST, TOWN, WEST } from '../helpers/tiny-town.js';
import type { HttpClient } from '../helpers/http.js';
import { EventStream } from '../helpers/sse.js';

describe('tracking: on duty now, traces, coverage and the live stream', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;
  let start: number;

  before(async () => {
    t = await startTestApi('tracking');
    town = await tinyTownWithPeople(t, 3);
    start = Date.now() + 1000;
    // Person 1 walks a loop inside T1 for 500 s, a fix every 25 s (the server takes fixes up to 10 min ahead).
    const fixes = Array.from({ length: 21 }, (_, i) => {
      const angle = (i / 20) * 2 * Math.PI;
      return {
        time: start + i * 25_000,
        ...inGrid(0, 0, 0.003 * Math.cos(angle), 0.003 * Math.sin(angle)),
        accuracy: 5,
      };
    });
    const res = await t.anonymous.as(town.phones[0]!.token).post('/api/positions/batch', { fixes });
    expect(res.body.accepted).to.equal(21);
  });
  after(() => t.close());

  it('lists everyone on duty in the town with their position, its age and grid', async () => {
    await t.admin.put(`/api/people/${town.phones[2]!.personId}/duty`, { status: 'off_duty' });
    const res = await t.admin.get(`/api/towns/${TOWN}/on-duty`);
    expect(res.status).to.equal(200);
    expect(res.body.count).to.equal(2);
    const walker = res.body.people.find((p: { personId: number }) => p.personId === town.phones[0]!.personId);
    expect(walker).to.include({ gridCode: 'T1', dutyStatus: 'on_duty' });
    expect(walker.ageSeconds).to.be.a('number');
    const idle = res.body.people.find((p: { personId: number }) => p.personId === town.phones[1]!.personId);
    expect(idle).to.include({ lat: null, gridCode: null });
  });

  it("draws a person's trace as a GeoJSON LineString, simplified on request", async () => {
    const range = `from=${new Date(start - 1000).toISOString()}&to=${new Date(start + 3_600_000).toISOString()}`;
    const full = (await t.admin.get(`/api/people/${town.phones[0]!.personId}/trace?${range}&simplify=0`)).body;
    expect(full.type).to.equal('Feature');
    expect(full.geometry.type).to.equal('LineString');
    expect(full.geometry.coordinates).to.have.length(21);
    expect(full.properties.points).to.equal(21);
    // A circle of radius ~290 m: the path is close to 2πr ≈ 1.8 km.
    expect(full.properties.lengthM).to.be.within(1500, 2000);
    const coarse = (await t.admin.get(`/api/people/${town.phones[0]!.personId}/trace?${range}&simplify=200`)).body;
    expect(coarse.geometry.coordinates.length).to.be.lessThan(21).and.greaterThan(2);
    expect(
      (await t.admin.get(`/api/people/${town.phones[0]!.personId}/trace?from=2026-01-02&to=2026-01-01`)).status,
    ).to.equal(400);
  });

  it('measures patrol time in a grid and the share of it within 50 m of a trace', async () => {
    const day = new Date(start + 8 * 3_600_000).toISOString().slice(0, 10);
    const res = await t.admin.get(`/api/grids/T1/coverage?day=${day}`);
    expect(res.status).to.equal(200);
    expect(res.body.patrolSeconds).to.equal(500);
    expect(res.body.people[0]).to.include({ personId: town.phones[0]!.personId, seconds: 500, fixes: 21 });
    expect(res.body.basis).to.equal('area');
    // Ring of radius 290–390 m band ±50 m around a circle of r≈300 m in a 1.1 km × 0.96 km grid: 15–25%.
    expect(res.body.coverageShare).to.be.within(0.12, 0.25);
    const other = (await t.admin.get(`/api/grids/T5/coverage?day=${day}`)).body;
    expect(other).to.include({ patrolSeconds: 0, coverageShare: 0 });
  });

  it('uses the streets of a grid when it has some', async () => {
    const db = new pg.Pool({ connectionString: t.db.url, max: 1 });
    try {
      // One street through the middle of T1 (east–west), the loop crosses it twice.
      const mid = inGrid(0, 0);
      await db.query(
        `INSERT INTO roads (name, class, geom) VALUES ('测试路', 'street', ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $2), ST_MakePoint($3, $2)), 4326))`,
        [mid.lon - 0.005, mid.lat, mid.lon + 0.005],
      );
    } finally {
      await db.end();
    }
    const day = new Date(start + 8 * 3_600_000).toISOString().slice(0, 10);
    const res = (await t.admin.get(`/api/grids/T1/coverage?day=${day}`)).body;
    expect(res.basis).to.equal('streets');
    expect(res.streetsM).to.be.within(960, 980);
    // The loop crosses the street at x = ±~290 m: two stretches of about 100 m each are within 50 m.
    expect(res.coverageShare).to.be.within(0.15, 0.3);
  });

  it('streams position updates and grid events live, only to callers of that town', async () => {
    const outsider = await t.login(['operator'], []);
    const outsiderToken = outsider.token!;
    const operator: HttpClient = await t.login(['operator'], [town.townId]);
    const live = new EventStream(`${t.api.url}/api/live?topics=positions,grid_events`, operator.token!).collect(
      3,
      3000,
    );
    const blind = new EventStream(`${t.api.url}/api/live`, outsiderToken).collect(1, 1500);
    await new Promise((r) => setTimeout(r, 200));
    const phone = town.phones[1]!;
    const res = await t.anonymous.as(phone.token).post('/api/positions/batch', {
      fixes: [
        { time: start + 520_000, ...inGrid(0, 0) },
        { time: start + 590_000, ...inGrid(1, 0) },
      ],
    });
    expect(res.body.accepted).to.equal(2);
    const events = await live;
    const kinds = events.map((e) => e.event);
    expect(kinds).to.include('positions');
    const positions = events.find((e) => e.event === 'positions')!.data as {
      items: { personId: number; gridCode: string }[];
    };
    expect(positions.items).to.deep.include.members([
      { ...positions.items[0]!, personId: phone.personId, gridCode: 'T2' },
    ]);
    const gridEvents = events
      .filter((e) => e.event === 'grid_events')
      .map((e) => `${(e.data as { kind: string }).kind} ${(e.data as { gridCode: string }).gridCode}`);
    expect(gridEvents).to.deep.equal(['enter T1', 'exit T1', 'enter T2'].slice(0, gridEvents.length));
    expect(await blind).to.deep.equal([]);
  });

  it('answers on duty with every field, in person order, each age as of "at", and follows a new fix at once', async () => {
    const first = await t.admin.get(`/api/towns/${TOWN}/on-duty`);
    expect(first.headers.get('content-type')).to.match(/^application\/json/);
    const ids = first.body.people.map((p: { personId: number }) => p.personId);
    expect(ids).to.deep.equal([...ids].sort((a: number, b: number) => a - b));
    for (const p of first.body.people) {
      expect(Object.keys(p)).to.deep.equal([
        'personId',
        'name',
        'roles',
        'dutyStatus',
        'lon',
        'lat',
        'fixTime',
        'ageSeconds',
        'gridCode',
        'accuracy',
        'battery',
        'speedMps',
      ]);
    }
    const walker = first.body.people.find((p: { personId: number }) => p.personId === town.phones[0]!.personId);
    expect(walker.ageSeconds).to.equal(
      Math.max(0, Math.round((Date.parse(first.body.at) - Date.parse(walker.fixTime)) / 1000)),
    );

    // A new fix: the next answer carries it (the person's kept encoding was dropped).
    const p = inGrid(1, 0, 0.001);
    const time = start + 600_000;
    const sent = await t.anonymous
      .as(town.phones[1]!.token)
      .post('/api/positions/batch', { fixes: [{ time, ...p, accuracy: 7, battery: 55 }] });
    expect(sent.body.accepted).to.equal(1);
    const after = await t.admin.get(`/api/towns/${TOWN}/on-duty`);
    const idle = after.body.people.find((q: { personId: number }) => q.personId === town.phones[1]!.personId);
    expect(idle).to.include({
      lat: p.lat,
      lon: p.lon,
      fixTime: new Date(time).toISOString(),
      gridCode: 'T2',
      accuracy: 7,
      battery: 55,
    });
  });

  describe('people', () => {
    it('lets a gridworker set their own duty status but not a colleague’s', async () => {
      const account = await t.admin.post('/api/accounts', {
        username: 'gw-self',
        displayName: '自己',
        password: 'password-123',
        roles: ['gridworker'],
        townIds: [town.townId],
      });
      const me = await t.admin.post('/api/people', {
        name: '自己',
        phone: '13900000000',
        roles: ['parttime_gridworker'],
        villageCode: WEST,
        gridCodes: ['T4'],
        accountId: account.body.id,
      });
      const token = (await t.anonymous.post('/api/auth/login', { username: 'gw-self', password: 'password-123' })).body
        .token;
      const gw = t.anonymous.as(token);
      expect((await gw.get('/api/people/me')).body.id).to.equal(me.body[0].id);
      expect((await gw.put(`/api/people/${me.body[0].id}/duty`, { status: 'on_duty' })).body.dutyStatus).to.equal(
        'on_duty',
      );
      expect((await gw.put(`/api/people/${town.phones[0]!.personId}/duty`, { status: 'off_duty' })).status).to.equal(
        403,
      );
    });

    it('refuses a grid of another town, an unknown village and a taken device id', async () => {
      const badGrid = await t.admin.post('/api/people', {
        name: 'x',
        phone: '13900000001',
        roles: ['grid_head'],
        villageCode: EAST,
        gridCodes: ['NOPE'],
      });
      expect(badGrid.status).to.equal(400);
      expect(badGrid.body.error.message).to.contain('NOPE');
      const badVillage = await t.admin.post('/api/people', {
        name: 'x',
        phone: '13900000001',
        roles: ['grid_head'],
        villageCode: '000',
        gridCodes: [],
      });
      expect(badVillage.status).to.equal(400);
      const taken = await t.admin.post(`/api/people/${town.phones[0]!.personId}/devices`, {
        identifier: town.phones[1]!.identifier,
      });
      expect(taken.status).to.equal(409);
    });

    it('refuses fixes from a disabled phone', async () => {
      const person = (await t.admin.get(`/api/people/${town.phones[2]!.personId}`)).body;
      expect((await t.admin.delete(`/api/devices/${person.devices[0].id}`)).status).to.equal(204);
      const res = await town.osmand({ id: town.phones[2]!.identifier, lat: inGrid(2, 0).lat, lon: inGrid(2, 0).lon });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('device_disabled');
    });
  });
});
