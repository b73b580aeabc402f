import { expect } from 'chai';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { currentOf, inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';
import { ORIGIN, STEP, square } from '../helpers/tiny-town.js';

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
// The grids begin when the test town is published, so fixes are timed after that
// (the server accepts up to 10 minutes ahead of its clock).
let setupDone = 0;
const at = (seconds: number) => new Date(setupDone + seconds * 1000);

describe('positions in: OsmAnd, Traccar JSON and the batch API', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;
  let db: pg.Pool;

  before(async () => {
    t = await startTestApi('ingest');
    town = await tinyTownWithPeople(t, 4);
    setupDone = Date.now() + 1000;
    db = new pg.Pool({ connectionString: t.db.url, max: 2 });
  });
  after(async () => {
    await db.end();
    await t.close();
  });

  async function stored(deviceRef: string) {
    const { rows } = await db.query(
      `SELECT p.fix_time, p.lat, p.lon, p.speed_mps, p.heading, p.battery, p.attributes, p.source, g.code AS grid
       FROM positions p JOIN devices d ON d.id = p.device_id LEFT JOIN grid_versions g ON g.id = p.grid_version_id
       WHERE d.identifier = $1 ORDER BY p.fix_time`,
      [deviceRef],
    );
    return rows;
  }

  describe('OsmAnd port', () => {
    it('stores a GET fix with its grid and moves the current position', async () => {
      const phone = town.phones[0]!;
      const p = inGrid(1, 1); // T5
      const res = await town.osmand({
        id: phone.identifier,
        lat: p.lat,
        lon: p.lon,
        timestamp: epoch(at(5)),
        speed: 2,
        bearing: 45,
        batt: 77,
        accuracy: 6,
      });
      expect(res.status).to.equal(200);
      const rows = await stored(phone.identifier);
      expect(rows).to.have.length(1);
      expect(rows[0]).to.deep.include({ grid: 'T5', source: 'osmand', heading: 45, battery: 77 });
      expect(rows[0].speed_mps).to.be.closeTo(1.029, 0.001);
      const now = await currentOf(t.admin, phone.personId);
      expect(now).to.deep.include({ gridCode: 'T5', lat: p.lat, lon: p.lon });
    });

    it('accepts the same fix as a form POST and the Traccar Client JSON POST', async () => {
      const phone = town.phones[1]!;
      const p = inGrid(0, 0);
      const form = await fetch(`${t.api.osmandUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          deviceid: phone.identifier,
          location: `${p.lat},${p.lon}`,
          timestamp: at(10).toISOString().slice(0, 19).replace('T', ' '),
        }).toString(),
      });
      expect(form.status).to.equal(200);
      const json = await fetch(`${t.api.osmandUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          location: {
            timestamp: at(20).toISOString(),
            coords: { latitude: p.lat + 0.0001, longitude: p.lon, speed: 1.2, heading: -1, accuracy: 5 },
            battery: { level: 0.4, is_charging: true },
            is_moving: true,
          },
          device_id: phone.identifier,
        }),
      });
      expect(json.status).to.equal(200);
      const rows = await stored(phone.identifier);
      expect(rows.map((r) => r.source)).to.deep.equal(['osmand', 'traccar-json']);
      expect(rows[1]).to.deep.include({ battery: 40, heading: null, grid: 'T1' });
      expect(rows[1].attributes).to.deep.include({ is_moving: true, charge: true });
    });

    it('answers an unknown device 400 on the query form and 404 on the JSON form', async () => {
      expect((await town.osmand({ id: 'nobody', lat: 30, lon: 120 })).status).to.equal(400);
      const json = await fetch(`${t.api.osmandUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device_id: 'nobody', location: { coords: { latitude: 30, longitude: 120 } } }),
      });
      expect(json.status).to.equal(404);
      expect((await town.osmand({ lat: 30, lon: 120 })).status).to.equal(400);
    });

    it('refuses only what cannot be read, answers 200 to every readable fix and keeps it flagged', async () => {
      const phone = town.phones[2]!;
      for (const [query, reason] of [
        [{ id: phone.identifier, lat: 95, lon: 120 }, 'coordinates_out_of_range'],
        [{ id: phone.identifier, lat: 'NaN', lon: 120 }, 'malformed'],
      ] as const) {
        const res = await town.osmand(query);
        expect(res.status, reason).to.equal(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.equal(reason);
      }
      const garbage = await fetch(`${t.api.osmandUrl}/?${'%%%&&=='.repeat(10)}`);
      expect(garbage.status).to.equal(400);
      // What the landed code answered 400 to, and so froze Traccar Client on: all 200 now.
      const p = inGrid(2, 0);
      const dayAhead = new Date(Date.now() + 86_400_000);
      const flaggedCases: [Record<string, string | number>, string][] = [
        [{ id: phone.identifier, lat: p.lat, lon: p.lon, timestamp: epoch(dayAhead) }, 'clock_ahead'],
        [{ id: phone.identifier, lat: p.lat, lon: p.lon + 0.0001, timestamp: epoch(at(20)), speed: 80 }, 'fast'],
        [{ id: phone.identifier, lat: 0, lon: 0, timestamp: epoch(at(21)) }, 'no_fix'],
        [{ id: phone.identifier, lat: p.lat, lon: p.lon, timestamp: epoch(at(22)), valid: 'false' }, 'marked_invalid'],
      ];
      for (const [query, reason] of flaggedCases) expect((await town.osmand(query)).status, reason).to.equal(200);
      const rows = await db.query(
        `SELECT p.flags, p.fix_time, p.device_time FROM positions p JOIN devices d ON d.id = p.device_id WHERE d.identifier = $1 ORDER BY p.received_at`,
        [phone.identifier],
      );
      // Stored: the clock-ahead fix at the receive time (its own time kept) and the fast one; 0,0 and invalid counted only.
      expect(rows.rows.map((r) => r.flags)).to.deep.equal([2, 4]);
      expect(rows.rows[0].device_time.getTime()).to.equal(epoch(dayAhead) * 1000);
      expect(rows.rows[0].fix_time.getTime()).to.be.closeTo(Date.now(), 10_000);
      await t.api.services.rejections.flush();
      const report = (await t.admin.get('/api/positions/rejections')).body;
      const mine = report.devices.find((d: { deviceRef: string }) => d.deviceRef === phone.identifier);
      expect(mine).to.include({ personId: phone.personId, townId: town.townId });
      for (const reason of ['coordinates_out_of_range', 'malformed', ...flaggedCases.map((c) => c[1])])
        expect(mine.reasons[reason], reason).to.include({ count: 1 });
      expect(mine.reasons.clock_ahead).to.include({ kind: 'flagged' });
      expect(mine.reasons.clock_ahead.lastDetail).to.match(/1440 min ahead/);
      expect(mine.reasons.clock_ahead.lastExample).to.include({
        deviceTime: new Date(epoch(dayAhead) * 1000).toISOString(),
        lat: p.lat,
      });
      expect(mine.reasons.no_fix).to.include({ kind: 'counted' });
      expect(mine.reasons.malformed).to.include({ kind: 'refused' });
      expect(mine.advice.join(' ')).to.match(/clock is ahead/);
      expect(
        report.devices.some(
          (d: { deviceRef: string; reasons: Record<string, unknown> }) =>
            d.deviceRef === 'nobody' && d.reasons['unknown_device'],
        ),
      ).to.equal(true);
    });

    it('shows each caller only the devices of its own towns', async () => {
      await t.admin.post('/api/areas/import', {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { code: '990101002', name: '别镇', level: 'town', parent_code: '990101' },
            geometry: square(120.1, 30.1, 0.02, 0.02),
          },
        ],
      });
      const otherTown = (await t.admin.get('/api/areas/990101002')).body.id;
      await t.api.services.rejections.flush();
      // An installer of the town: identifiers are shown to those who set phones up.
      const own = await (await t.login(['installer'], [town.townId])).get('/api/positions/rejections');
      expect(own.status).to.equal(200);
      expect(own.body.devices.map((d: { deviceRef: string }) => d.deviceRef)).to.include(town.phones[2]!.identifier);
      // Refs of no known device belong to no town, and the process-wide totals cover every town.
      expect(own.body.devices.map((d: { deviceRef: string }) => d.deviceRef)).not.to.include('nobody');
      expect(own.body).not.to.have.property('sinceStart');
      const other = await (await t.login(['dispatcher'], [otherTown])).get('/api/positions/rejections');
      expect(other.body.devices).to.deep.equal([]);
      expect((await (await t.login(['planner'], [town.townId])).get('/api/positions/rejections')).status).to.equal(403);
    });

    it('keeps a late fix in the history without moving the current position back', async () => {
      const phone = town.phones[0]!;
      const newest = at(100);
      const p = inGrid(1, 1, 0.0003);
      expect(
        (await town.osmand({ id: phone.identifier, lat: p.lat, lon: p.lon, timestamp: epoch(newest) })).status,
      ).to.equal(200);
      const late = inGrid(1, 1, -0.0003);
      expect(
        (await town.osmand({ id: phone.identifier, lat: late.lat, lon: late.lon, timestamp: epoch(newest) - 40 }))
          .status,
      ).to.equal(200);
      const now = await currentOf(t.admin, phone.personId);
      expect(new Date(now!.fixTime).getTime()).to.equal(epoch(newest) * 1000);
      expect(now!.lon).to.equal(p.lon);
      expect((await stored(phone.identifier)).length).to.equal(3);
    });

    it('answers a flood from one device with 429 and counts it', async () => {
      const phone = town.phones[2]!;
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          town.osmand({
            id: phone.identifier,
            lat: inGrid(2, 0).lat,
            lon: inGrid(2, 0).lon,
            timestamp: epoch(at(10)) + i,
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 429).length).to.be.greaterThan(20);
      expect(statuses.filter((s) => s === 200).length).to.be.within(25, 35);
      expect(answers.find((a) => a.status === 429)!.headers.get('retry-after')).to.equal('1');
    });
  });

  describe('batch API', () => {
    it('stores many fixes at once and is idempotent on (device, time)', async () => {
      const phone = town.phones[1]!;
      const start = at(30).getTime();
      const fixes = Array.from({ length: 20 }, (_, i) => ({
        time: new Date(start + i * 5_000).toISOString(),
        ...inGrid(0, 0, i * 0.00005),
        accuracy: 5,
      }));
      const client = t.anonymous.as(phone.token);
      const first = await client.post('/api/positions/batch', { fixes });
      expect(first.status).to.equal(200);
      expect(first.body).to.deep.equal({ accepted: 20, duplicates: 0, rejected: [], flagged: [] });
      const again = await client.post('/api/positions/batch', {
        fixes: [...fixes, { time: start + 101_000, ...inGrid(0, 0) }],
      });
      expect(again.body).to.deep.equal({ accepted: 1, duplicates: 20, rejected: [], flagged: [] });
    });

    it('reports each unreadable fix by its index, and the flags of each kept fix', async () => {
      const phone = town.phones[1]!;
      const res = await t.anonymous.as(phone.token).post('/api/positions/batch', {
        fixes: [
          { time: at(200).getTime(), ...inGrid(0, 0) },
          { time: at(201).getTime(), lat: -91, lon: 120 },
          { time: Date.now() + 7_200_000, ...inGrid(0, 0, 0.0001) },
          { time: at(202).getTime(), lat: 0, lon: 0 },
          { time: Date.now() - 3 * 86_400_000, ...inGrid(0, 0), speed: 25 },
        ],
      });
      expect(res.status).to.equal(200);
      expect(res.body.accepted).to.equal(3);
      expect(res.body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).to.deep.equal([
        [1, 'coordinates_out_of_range'],
      ]);
      expect(
        res.body.flagged.map((f: { index: number; flags: string[]; stored: boolean }) => [
          f.index,
          f.flags.join('+'),
          f.stored,
        ]),
      ).to.deep.equal([
        [2, 'clock_ahead', true],
        [3, 'no_fix', false],
        [4, 'late+fast', true],
      ]);
    });

    it('needs the device token', async () => {
      const body = { fixes: [{ time: Date.now(), ...inGrid(0, 0) }] };
      expect((await t.anonymous.post('/api/positions/batch', body)).status).to.equal(401);
      expect((await t.anonymous.as('dev_wrong').post('/api/positions/batch', body)).status).to.equal(401);
      const tooMany = await t.anonymous
        .as(town.phones[1]!.token)
        .post('/api/positions/batch', { fixes: Array.from({ length: 1001 }, () => body.fixes[0]) });
      expect(tooMany.status).to.equal(400);
    });
  });

  describe('grids at boundaries and enter / exit events', () => {
    it('assigns a fix on a shared edge to the lowest code, and a hair across to the neighbour', async () => {
      const phone = town.phones[3]!;
      const base = at(60).getTime();
      const edge = ORIGIN.lon + 2 * STEP;
      const lat = ORIGIN.lat + 0.5 * STEP;
      const res = await t.anonymous.as(phone.token).post('/api/positions/batch', {
        fixes: [
          { time: base, lon: edge, lat },
          { time: base + 10_000, lon: edge + 1e-9, lat },
          { time: base + 20_000, lon: edge - 1e-9, lat },
        ],
      });
      expect(res.body.accepted).to.equal(3);
      const rows = (await stored(phone.identifier)).filter((r) => r.fix_time.getTime() >= base);
      expect(rows.map((r) => r.grid)).to.deep.equal(['T2', 'T3', 'T2']);
    });

    it('starts the events of a batch that mixes late, repeated and newer fixes from the stored position', async () => {
      const phone = town.phones[3]!;
      const client = t.anonymous.as(phone.token);
      const t0 = at(300).getTime();
      expect(
        (await client.post('/api/positions/batch', { fixes: [{ time: t0, ...inGrid(0, 0) }] })).body.accepted,
      ).to.equal(1);
      const res = await client.post('/api/positions/batch', {
        fixes: [
          { time: t0 + 240_000, ...inGrid(1, 0, 0.001) },
          { time: t0 - 30_000, ...inGrid(2, 2) },
          { time: t0, ...inGrid(0, 0) },
          { time: t0 + 120_000, ...inGrid(1, 0) },
        ],
      });
      expect(res.body).to.deep.equal({ accepted: 3, duplicates: 1, rejected: [], flagged: [] });
      const events = async (from: number, to: number) =>
        (
          await t.admin.get(
            `/api/people/${phone.personId}/grid-events?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
          )
        ).body.map(
          (e: { kind: string; gridCode: string; at: string }) =>
            `${e.kind} ${e.gridCode} +${(Date.parse(e.at) - t0) / 1000}`,
        );
      expect(await events(t0 + 1, t0 + 600_000)).to.deep.equal(['exit T1 +120', 'enter T2 +120']);
      expect(await events(t0 - 60_000, t0)).to.deep.equal([]);
      const now = await currentOf(t.admin, phone.personId);
      expect(now).to.include({ fixTime: new Date(t0 + 240_000).toISOString(), gridCode: 'T2' });
      expect((await stored(phone.identifier)).map((r) => r.grid).slice(-4)).to.deep.equal(['T9', 'T1', 'T2', 'T2']);
    });

    it('leaves a jump out until the next fixes confirm it, then gives it its place in the events', async () => {
      const phone = town.phones[1]!;
      const t0 = new Date(epoch(at(300)) * 1000);
      const send = (seconds: number, p: { lat: number; lon: number }) =>
        town.osmand({ id: phone.identifier, ...p, timestamp: epoch(at(seconds)), accuracy: 5 });
      const flags = async () =>
        (
          await db.query(
            `SELECT p.flags FROM positions p JOIN devices d ON d.id = p.device_id WHERE d.identifier = $1 AND p.fix_time >= $2 ORDER BY p.fix_time`,
            [phone.identifier, t0],
          )
        ).rows.map((r) => r.flags);
      const events = async () =>
        (
          await t.admin.get(
            `/api/people/${phone.personId}/grid-events?from=${t0.toISOString()}&to=${at(600).toISOString()}`,
          )
        ).body.map(
          (e: { kind: string; gridCode: string; at: string }) =>
            `${e.kind} ${e.gridCode} +${(Date.parse(e.at) - t0.getTime()) / 1000}`,
        );
      expect((await send(300, inGrid(0, 0))).status).to.equal(200);
      // 2.8 km in 10 s: a jump. So is the next fix, measured from T1; it agrees with the jump only.
      expect((await send(310, inGrid(2, 2))).status).to.equal(200);
      // Its resend (a lost 200) is the same fix, not a second one agreeing with it.
      expect((await send(310, inGrid(2, 2))).status).to.equal(200);
      expect((await send(320, inGrid(2, 2, 0.0002))).status).to.equal(200);
      expect(await flags()).to.deep.equal([0, 8, 8]);
      expect(await events()).to.deep.equal([]);
      expect(await currentOf(t.admin, phone.personId)).to.include({ gridCode: 'T1' });
      // A second fix agreeing with them: the phone really is in T9 (the T1 fix was the bad one, or it was carried).
      expect((await send(330, inGrid(2, 2, 0.0004))).status).to.equal(200);
      expect(await flags()).to.deep.equal([0, 0, 0, 0]);
      expect(await events()).to.deep.equal(['exit T1 +10', 'enter T9 +10']);
      expect(await currentOf(t.admin, phone.personId)).to.include({
        gridCode: 'T9',
        fixTime: new Date(t0.getTime() + 30_000).toISOString(),
      });
    });

    it('records exits and enters as a gridworker walks from grid to grid', async () => {
      const phone = town.phones[0]!;
      const start = at(150).getTime();
      const path = [inGrid(1, 1), inGrid(1, 1, 0.004), inGrid(2, 1, -0.004), inGrid(2, 1), inGrid(2, 2, 0, -0.004)];
      const res = await t.anonymous.as(phone.token).post('/api/positions/batch', {
        fixes: path.map((p, i) => ({ time: start + i * 60_000, ...p })),
      });
      expect(res.body.accepted).to.equal(5);
      const events = await t.admin.get(
        `/api/people/${phone.personId}/grid-events?from=${new Date(start).toISOString()}&to=${at(3600).toISOString()}`,
      );
      expect(events.body.map((e: { kind: string; gridCode: string }) => `${e.kind} ${e.gridCode}`)).to.deep.equal([
        'exit T5',
        'enter T6',
        'exit T6',
        'enter T9',
      ]);
    });
  });
});
