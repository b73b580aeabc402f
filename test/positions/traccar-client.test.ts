// A phone that behaves exactly like Traccar Client (scripts/simulators/traccar-client):
// oldest first, one at a time, the same position again after any non-200. Driven
// through a 2-day outage, a car ride, a GPS jump and a clock an hour ahead, every
// position it recorded must arrive, and the trace, the grid events and the coverage
// must be what really happened.
import { expect } from 'chai';
import pg from 'pg';
import { TraccarClient, type PhonePosition } from '../../scripts/simulators/traccar-client/traccar-client.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';
import { STEP } from '../helpers/tiny-town.js';

const M_PER_DEG_LAT = 110_850;
const M_PER_DEG_LON = 96_490; // at 30° N
const MIN = 60_000;
const HOUR = 60 * MIN;
/** The calendar day of an instant in the towns' time zone (UTC+8). */
const townDay = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
const whole = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Positions every `stepS` seconds at `speed` m/s along a polyline of { lat, lon }. */
function drive(from: number, stepS: number, speed: number, path: { lat: number; lon: number }[]): PhonePosition[] {
  const out: PhonePosition[] = [];
  let t = from;
  let leg = 0;
  let along = 0;
  for (;;) {
    const a = path[leg]!;
    const b = path[leg + 1]!;
    const len = Math.hypot((b.lat - a.lat) * M_PER_DEG_LAT, (b.lon - a.lon) * M_PER_DEG_LON);
    const f = Math.min(1, along / len);
    out.push({
      time: t,
      lat: a.lat + (b.lat - a.lat) * f,
      lon: a.lon + (b.lon - a.lon) * f,
      speedMps: speed,
      accuracy: 5,
    });
    if (f >= 1 && leg === path.length - 2) return out;
    t += stepS * 1000;
    along += speed * stepS;
    if (along >= len && leg < path.length - 2) {
      along -= len;
      leg++;
    } else if (along > len) along = len;
  }
}

describe('a phone running Traccar Client: every position arrives, and the track is right', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;
  let db: pg.Pool;
  let phone: TraccarClient;
  const now = whole(Date.now());

  before(async () => {
    // The default rate limit (a burst of 30, then 2 a second): a buffer sent back one
    // position at a time is a catch-up, not a flood.
    t = await startTestApi('traccar-client');
    town = await tinyTownWithPeople(t, 2);
    db = new pg.Pool({ connectionString: t.db.url, max: 2 });
    // The town's grids were published long before the phone's outage.
    await db.query(`UPDATE grid_versions SET valid_from = valid_from - interval '5 days'`);
    await t.api.services.gridMap.refresh(true);
    phone = new TraccarClient({ serverUrl: `${t.api.osmandUrl}/`, deviceId: town.phones[0]!.identifier, retryMs: 50 });
  });
  after(async () => {
    await phone.stop();
    await db.end();
    await t.close();
  });

  const personId = () => town.phones[0]!.personId;
  const stored = async () =>
    (
      await db.query<{
        fix_time: Date;
        device_time: Date | null;
        flags: number;
        lat: number;
        lon: number;
        grid: string | null;
      }>(
        `SELECT p.fix_time, p.device_time, p.flags, p.lat, p.lon, g.code AS grid FROM positions p LEFT JOIN grid_versions g ON g.id = p.grid_version_id
         WHERE p.person_id = $1 ORDER BY p.fix_time`,
        [personId()],
      )
    ).rows;
  const current = async () =>
    (await db.query('SELECT fix_time, lat, lon FROM current_positions WHERE person_id = $1', [personId()])).rows[0];
  const coverage = async (grid: string, day: string) =>
    (await t.admin.get(`/api/grids/${grid}/coverage?day=${day}`)).body;

  // 1. Two days ago: half an hour of patrol in T5 with no network. The positions wait
  //    on the phone, and arrive two days late, oldest first.
  let outageStart = now - 49 * HOUR;
  if (townDay(outageStart) !== townDay(outageStart + 31 * MIN)) outageStart -= HOUR;
  const patrol = Array.from({ length: 61 }, (_, k): PhonePosition => {
    const row = Math.floor(k / 20);
    const col = row % 2 === 0 ? k % 20 : 19 - (k % 20);
    return {
      time: outageStart + k * 30_000,
      ...inGrid(1, 1, -0.0035 + 0.00035 * col, -0.003 + 0.002 * row),
      speedMps: 1.2,
      accuracy: 8,
    };
  });
  // 2. A quarter of an hour ago: a ride by car at 25 m/s from T1 through T2 and T3 up to T9.
  const ride = drive(now - 15 * MIN, 5, 25, [inGrid(0, 0), inGrid(2, 0), inGrid(2, 2)]);
  // 3. Walking in T9; the seventh fix jumps 1.9 km to T7 and back (GPS multipath).
  const walk = Array.from({ length: 13 }, (_, k): PhonePosition => ({
    time: now - 9 * MIN + k * 20_000,
    ...inGrid(2, 2, -0.00029 * k),
    speedMps: 1.4,
    accuracy: 6,
  }));
  walk[6] = { ...walk[6]!, ...inGrid(0, 2) };
  // 4. The last three minutes with the phone's clock an hour ahead (a wrong time zone),
  //    walking west out of T9 into T8.
  const west = STEP * 2 + 120;
  const skewed = Array.from({ length: 7 }, (_, k): PhonePosition => ({
    time: now - 3 * MIN + k * 20_000,
    lat: inGrid(2, 2).lat,
    lon: west + 0.0006 - 0.00029 * k,
    speedMps: 1.4,
    accuracy: 6,
  }));

  it('delivers two days of buffered positions after an outage, as history that never moves the current position', async () => {
    phone.online = false;
    for (const p of patrol) phone.record(p);
    await new Promise((r) => setTimeout(r, 200));
    expect(phone.pending).to.equal(61);
    expect(phone.attempts.every((a) => a.status === 0)).to.equal(true);
    phone.online = true;
    await phone.drained();
    expect(phone.delivered).to.have.length(61);
    const rows = await stored();
    expect(rows.map((r) => r.flags)).to.deep.equal(patrol.map(() => 1));
    expect(rows.map((r) => r.fix_time.getTime())).to.deep.equal(patrol.map((p) => p.time));
    expect(rows.every((r) => r.grid === 'T5')).to.equal(true);
    expect(await current()).to.equal(undefined);
    const day = await coverage('T5', townDay(outageStart));
    expect(day.people).to.deep.equal([{ personId: personId(), name: '网格员1', seconds: 1800, fixes: 61 }]);
    expect(day.coverageShare).to.be.greaterThan(0);
  });

  it('keeps a car ride whole: every fix stored as fast, the current position and the grid events follow it', async () => {
    for (const p of ride) phone.record(p);
    await phone.drained();
    const rows = (await stored()).filter((r) => r.fix_time.getTime() >= now - 15 * MIN);
    expect(rows).to.have.length(ride.length);
    expect(rows.every((r) => r.flags === 4)).to.equal(true);
    const last = ride.at(-1)!;
    expect(await current()).to.deep.include({ lat: last.lat, lon: last.lon });
  });

  it('stores a GPS jump as an outlier, and leaves it out of the current position, events, trace and coverage', async () => {
    for (const p of walk) phone.record(p);
    await phone.drained();
    const rows = (await stored()).filter((r) => r.fix_time.getTime() >= now - 9 * MIN);
    expect(rows.map((r) => r.flags)).to.deep.equal(walk.map((_, k) => (k === 6 ? 8 : 0)));
    expect(rows[6]!.grid).to.equal('T7');
    expect(await current()).to.deep.include({ lat: walk[12]!.lat, lon: walk[12]!.lon });
    const day = townDay(walk[6]!.time);
    expect((await coverage('T7', day)).people).to.deep.equal([]);
    expect((await coverage('T7', day)).coverageShare).to.equal(0);
    let seconds = 0;
    for (const d of new Set([townDay(walk[0]!.time), townDay(walk[12]!.time)])) {
      seconds +=
        (await coverage('T9', d)).people.find((p: { personId: number }) => p.personId === personId())?.seconds ?? 0;
    }
    expect(seconds).to.be.at.least(240);
  });

  it('stores positions from a clock an hour ahead at their receive time, keeping the phone time', async () => {
    phone.clockOffsetMs = HOUR;
    const before = Date.now();
    for (const p of skewed) phone.record(p);
    await phone.drained();
    const rows = (await stored()).filter((r) => r.fix_time.getTime() >= before - 1000);
    expect(rows).to.have.length(skewed.length);
    expect(rows.every((r) => r.flags === 2)).to.equal(true);
    expect(rows.map((r) => r.device_time!.getTime())).to.deep.equal(skewed.map((p) => p.time + HOUR));
    expect(rows.every((r) => r.fix_time.getTime() <= Date.now())).to.equal(true);
    expect(rows.map((r) => r.grid)).to.include.members(['T9', 'T8']);
    expect(await current()).to.deep.include({ lat: skewed.at(-1)!.lat, lon: skewed.at(-1)!.lon });
  });

  it('has delivered every position, resending after each non-200, and the whole track is right', async () => {
    const recorded = patrol.length + ride.length + walk.length + skewed.length;
    expect(phone.delivered).to.deep.equal(Array.from({ length: recorded }, (_, i) => i + 1));
    // Nothing but 200 once online: no refusal, and no 429 for a buffer sent back at the
    // speed of the round trip (with 30 s between retries, a 429 would hold the phone's
    // live position hours behind after an outage). The failures offline were resent.
    const statuses = new Set(phone.attempts.map((a) => a.status));
    expect([...statuses].sort(), [...statuses].join()).to.deep.equal([0, 200]);
    expect(phone.attempts.filter((a) => a.status === 0).length).to.be.greaterThan(1);
    expect((await stored()).length).to.equal(recorded);

    const from = new Date(now - 50 * HOUR).toISOString();
    const to = new Date(Date.now() + HOUR).toISOString();
    const events = (await t.admin.get(`/api/people/${personId()}/grid-events?from=${from}&to=${to}`)).body;
    expect(events.map((e: { kind: string; gridCode: string }) => `${e.kind} ${e.gridCode}`)).to.deep.equal([
      'enter T1',
      'exit T1',
      'enter T2',
      'exit T2',
      'enter T3',
      'exit T3',
      'enter T6',
      'exit T6',
      'enter T9',
      'exit T9',
      'enter T8',
    ]);
    const trace = (await t.admin.get(`/api/people/${personId()}/trace?from=${from}&to=${to}&simplify=0`)).body;
    expect(trace.properties).to.include({ points: recorded - 1, outliersLeftOut: 1 });
    const jump = walk[6]!;
    expect(trace.geometry.coordinates.some(([lon, lat]: number[]) => lon === jump.lon && lat === jump.lat)).to.equal(
      false,
    );

    await t.api.services.rejections.flush();
    const report = (await t.admin.get('/api/positions/rejections')).body;
    const mine = report.devices.find((d: { deviceRef: string }) => d.deviceRef === town.phones[0]!.identifier);
    expect(mine.reasons.clock_ahead).to.include({ count: skewed.length, kind: 'flagged' });
    // How far ahead depends on when this test ran after the file was loaded (`now`): the
    // detail must say what the phone time and the stored time say.
    const ahead = /^phone time (\S+) is (\d+) min ahead of the server; stored at (\S+)$/.exec(
      mine.reasons.clock_ahead.lastDetail as string,
    );
    expect(ahead, mine.reasons.clock_ahead.lastDetail).to.not.equal(null);
    const [, phoneTime, minutesAhead, storedAt] = ahead!;
    expect(phoneTime).to.equal(new Date(skewed.at(-1)!.time + HOUR).toISOString());
    expect(Number(minutesAhead))
      .to.be.closeTo((Date.parse(phoneTime!) - Date.parse(storedAt!)) / MIN, 1)
      .and.to.be.greaterThan(10);
    expect(mine.reasons.late).to.include({ count: patrol.length });
    expect(mine.reasons.fast).to.include({ count: ride.length });
    expect(mine.reasons.outlier).to.include({ count: 1 });
  });

  it('keeps an unregistered phone waiting, and delivers its buffer once the device is registered', async () => {
    const spare = new TraccarClient({
      serverUrl: `${t.api.osmandUrl}/`,
      deviceId: 'spare-phone',
      retryMs: 50,
      protocol: 'json',
    });
    try {
      spare.record({ time: now - 2 * MIN, ...inGrid(1, 0), accuracy: 5 });
      spare.record({ time: now - MIN, ...inGrid(1, 0, 0.0002), accuracy: 5 });
      await new Promise((r) => setTimeout(r, 300));
      expect(spare.delivered).to.deep.equal([]);
      expect(spare.attempts.length).to.be.greaterThan(1);
      // The JSON form answers an unknown device 404; the same first position is asked again each time.
      expect(spare.attempts.every((a) => a.status === 404 && a.bufferId === 1)).to.equal(true);
      const res = await t.admin.post(`/api/people/${town.phones[1]!.personId}/devices`, {
        identifier: 'spare-phone',
        name: 'spare',
      });
      expect(res.status).to.equal(201);
      await spare.drained();
      expect(spare.delivered).to.deep.equal([1, 2]);
    } finally {
      await spare.stop();
    }
  });
});
