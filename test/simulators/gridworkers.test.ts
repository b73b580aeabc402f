// The gridworkers' phone simulator against a stand-in OsmAnd receiver (a real
// node:http server on loopback that records every request and can answer 503, 400
// or reset the connection on demand). Geometry is checked with turf, independently
// of the simulator's own local-metre arithmetic.
import * as turf from '@turf/turf';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SimClock } from '../../scripts/simulators/gridworkers/clock.js';
import { GridShape, type Piece } from '../../scripts/simulators/gridworkers/geometry.js';
import { KNOTS_PER_MPS } from '../../scripts/simulators/gridworkers/protocol.js';
import { Rng } from '../../scripts/simulators/gridworkers/random.js';
import { fetchRoster, rosterFromGrids } from '../../scripts/simulators/gridworkers/roster.js';
import {
  GridworkerSimulator,
  type GridworkerSimulatorOptions,
  type WalkerView,
} from '../../scripts/simulators/gridworkers/simulator.js';
import { buildStreetGraph, StreetIndex } from '../../scripts/simulators/gridworkers/streets.js';
import type {
  FeatureCollectionLike,
  Fix,
  GridGeometry,
  RosterEntry,
} from '../../scripts/simulators/gridworkers/types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ---- A small town near 航埠, drawn in metres -------------------------------------------

const ORIGIN = [118.78, 28.97] as const;
const M_PER_DEG_LAT = 110_800;
const M_PER_DEG_LON = 111_320 * Math.cos((ORIGIN[1] * Math.PI) / 180);
const at = (x: number, y: number): [number, number] => [ORIGIN[0] + x / M_PER_DEG_LON, ORIGIN[1] + y / M_PER_DEG_LAT];
const ring = (pts: [number, number][]): [number, number][] => [...pts, pts[0]!].map(([x, y]) => at(x, y));
const square = (x: number, y: number, size: number): [number, number][] => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
];

/** An L-shaped (concave) grid: a walker cutting across the notch would leave it. */
const L_GRID: GridGeometry = {
  type: 'Polygon',
  coordinates: [
    ring([
      [0, 0],
      [600, 0],
      [600, 250],
      [250, 250],
      [250, 600],
      [0, 600],
    ]),
  ],
};
/** A grid with a pond in the middle (a hole). */
const HOLED_GRID: GridGeometry = {
  type: 'Polygon',
  coordinates: [ring(square(1000, 0, 500)), ring(square(1150, 150, 200))],
};
/** A grid in two pieces (a village with an exclave). */
const MULTI_GRID: GridGeometry = {
  type: 'MultiPolygon',
  coordinates: [[ring(square(2000, 0, 200))], [ring(square(2400, 0, 200))]],
};

const line = (pts: [number, number][]): FeatureCollectionLike['features'][number] => ({
  type: 'Feature',
  properties: {},
  geometry: { type: 'LineString', coordinates: pts.map(([x, y]) => at(x, y)) },
});
const STREET_LINES: [number, number][][] = [
  [
    [-100, 120],
    [700, 120],
  ], // 东西向, crosses the grid boundary twice
  [
    [120, -50],
    [120, 650],
  ], // 南北向, crossing the first
  [
    [300, 40],
    [550, 200],
  ], // a lane ending inside the grid
];
/** Drawn on the grid boundary (the notch): must not be walked. */
const BOUNDARY_STREET: [number, number][] = [
  [250, 600],
  [250, 250],
  [600, 250],
];
const STREETS: FeatureCollectionLike = {
  type: 'FeatureCollection',
  features: [...STREET_LINES, BOUNDARY_STREET].map(line),
};

function roster(grid: GridGeometry, code: string, n: number, prefix: string): RosterEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    deviceId: `${prefix}${i + 1}`,
    personName: `网格员${i + 1}`,
    gridCode: code,
    polygon: grid,
  }));
}

function metresOutside(grid: GridGeometry, lon: number, lat: number): number {
  const pt = turf.point([lon, lat]);
  if (turf.booleanPointInPolygon(pt, grid)) return 0;
  const rings = grid.type === 'Polygon' ? grid.coordinates : grid.coordinates.flat();
  return Math.min(
    ...rings.map((r) => turf.pointToLineDistance(pt, turf.lineString(r as number[][]), { units: 'meters' })),
  );
}

// ---- The stand-in OsmAnd receiver --------------------------------------------------------

interface Received {
  /** Simulated time when the request arrived. */
  arrivedSim: number;
  arrivedReal: number;
  method: string;
  url: URL;
  contentType: string | undefined;
  body: string;
  deviceId: string;
  /** The fix's timestamp, epoch ms. */
  time: number;
  status: number;
}

type Answer = { status: number; headers?: Record<string, string> } | 'reset';

class Receiver {
  readonly requests: Received[] = [];
  connections = 0;
  answer: (deviceId: string) => Answer = () => ({ status: 200 });
  simNow: () => number = () => NaN;
  private constructor(readonly server: http.Server) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    const r = new Receiver(server);
    server.on('connection', () => r.connections++);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://x');
        let deviceId = url.searchParams.get('id') ?? '';
        let time = Number(url.searchParams.get('timestamp')) * 1000;
        if (req.method === 'POST') {
          const json = JSON.parse(body) as { device_id: string; location: { timestamp: string } };
          deviceId = json.device_id;
          time = Date.parse(json.location.timestamp);
        }
        const arrivedSim = r.simNow();
        const answer = r.answer(deviceId);
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        r.requests.push({
          arrivedSim,
          arrivedReal: performance.now(),
          method: req.method ?? '',
          url,
          contentType: req.headers['content-type'],
          body,
          deviceId,
          time,
          status: answer.status,
        });
        res.writeHead(answer.status, answer.headers ?? {}).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  from(deviceId: string): Received[] {
    return this.requests.filter((q) => q.deviceId === deviceId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const open: { sims: GridworkerSimulator[]; receivers: Receiver[] } = { sims: [], receivers: [] };

/** A receiver and a simulator sending to it; both are closed after each test. */
async function setUp(
  options: Omit<GridworkerSimulatorOptions, 'osmandUrl'>,
  record = true,
): Promise<{ sim: GridworkerSimulator; rx: Receiver; fixes: { fix: Fix; view: WalkerView }[] }> {
  const rx = await Receiver.start();
  open.receivers.push(rx);
  const fixes: { fix: Fix; view: WalkerView }[] = [];
  const sim = new GridworkerSimulator({
    seed: 42,
    gapsPerHour: 0,
    clockFaultShare: 0,
    ...options,
    osmandUrl: rx.url,
    ...(record ? { onFix: (fix: Fix, view: WalkerView) => void fixes.push({ fix, view }) } : {}),
  });
  rx.simNow = () => sim.now();
  open.sims.push(sim);
  return { sim, rx, fixes };
}

/** Successive differences of a device's delivered timestamps must stay under 1.5 intervals. */
function expectContiguous(times: number[], intervalMs: number, label: string): void {
  for (let i = 1; i < times.length; i++) {
    expect(times[i]! - times[i - 1]!, `${label}: gap after fix ${i}`).to.be.within(1, 1.5 * intervalMs);
  }
}

describe('gridworker phone simulator', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await Promise.all(open.sims.splice(0).map((s) => s.stop()));
    await Promise.all(open.receivers.splice(0).map((r) => r.close()));
  });

  it('sends the OsmAnd GET form: epoch seconds, speed in knots, every field in range', async () => {
    const { sim, rx, fixes } = await setUp({ roster: roster(L_GRID, 'L', 20, 'get-'), jsonShare: 0, timeScale: 120 });
    sim.start();
    await waitFor('150 requests', () => rx.requests.length >= 150 && sim.stats().inFlight === 0);
    await sim.stop();

    const byKey = new Map(fixes.map(({ fix }) => [`${fix.deviceId}@${Math.floor(fix.time / 1000)}`, fix]));
    let movingKnots = 0;
    for (const q of rx.requests) {
      expect(q.method).to.equal('GET');
      expect(q.url.pathname).to.equal('/');
      expect([...q.url.searchParams.keys()].sort()).to.deep.equal([
        'accuracy',
        'altitude',
        'batt',
        'bearing',
        'id',
        'lat',
        'lon',
        'speed',
        'timestamp',
      ]);
      const p = Object.fromEntries(q.url.searchParams) as Record<string, string>;
      expect(p['timestamp']).to.match(/^\d{10}$/);
      const fix = byKey.get(`${p['id']}@${p['timestamp']}`);
      expect(fix, `a recorded fix for ${q.url.search}`).to.not.equal(undefined);
      expect(Number(p['speed'])).to.be.closeTo(fix!.speed * KNOTS_PER_MPS, 0.006);
      expect(Number(p['lat'])).to.be.closeTo(fix!.lat, 1e-7).and.within(-90, 90);
      expect(Number(p['lon'])).to.be.closeTo(fix!.lon, 1e-7).and.within(-180, 180);
      expect(Number(p['bearing'])).to.be.within(0, 360);
      expect(Number(p['accuracy'])).to.be.within(3, 200);
      expect(Number(p['batt'])).to.be.within(1, 100);
      expect(Number(p['altitude'])).to.satisfy(Number.isFinite);
      if (fix!.moving && fix!.activity === 'walking') {
        // 1.0–1.6 m/s is 1.94–3.11 knots; reported in m/s it would be below 1.8.
        expect(Number(p['speed'])).to.be.within(1.5, 3.6);
        movingKnots++;
      }
    }
    expect(movingKnots).to.be.greaterThan(50);
    const s = sim.stats();
    expect(s.delivered).to.equal(rx.requests.length);
    expect(s.sent).to.equal(rx.requests.length);
  });

  it('sends the JSON form of the current Traccar Client: well-formed, m/s, ISO time, motionchange', async () => {
    const { sim, rx, fixes } = await setUp({
      roster: roster(L_GRID, 'L', 20, 'json-'),
      jsonShare: 1,
      ebikeShare: 0,
      timeScale: 120,
      movement: { pausesPerHour: 60, pauseMs: [15_000, 40_000] },
    });
    sim.start();
    await waitFor('150 requests', () => rx.requests.length >= 150);
    await sim.stop();

    const body = z.strictObject({
      location: z.strictObject({
        timestamp: z.iso.datetime(),
        coords: z.strictObject({
          latitude: z.number().min(-90).max(90),
          longitude: z.number().min(-180).max(180),
          accuracy: z.number().positive(),
          speed: z.number().min(0),
          heading: z.number().min(0).max(360),
          altitude: z.number(),
        }),
        is_moving: z.boolean(),
        odometer: z.number().int().min(0),
        event: z.literal('motionchange').optional(),
        battery: z.strictObject({ level: z.number().min(0).max(1), is_charging: z.literal(false) }),
        activity: z.strictObject({ type: z.enum(['walking', 'on_bicycle', 'still']) }),
      }),
      device_id: z.string().regex(/^json-\d+$/),
    });
    const byKey = new Map(fixes.map(({ fix }) => [`${fix.deviceId}@${fix.time}`, fix]));
    const previous = new Map<string, boolean>();
    let changes = 0;
    for (const q of rx.requests) {
      expect(q.method).to.equal('POST');
      expect(q.contentType).to.equal('application/json');
      const { location: loc, device_id: id } = body.parse(JSON.parse(q.body));
      const fix = byKey.get(`${id}@${Date.parse(loc.timestamp)}`)!;
      expect(fix, 'a recorded fix').to.not.equal(undefined);
      expect(loc.coords.speed).to.be.closeTo(fix.speed, 0.006); // m/s, not knots
      expect(loc.battery.level).to.be.closeTo(fix.battery / 100, 0.006);
      expect(loc.activity.type).to.equal(loc.is_moving ? 'walking' : 'still');
      // Oldest first per device, so "motionchange" must mean a change since the last fix.
      const before = previous.get(id);
      if (loc.event) {
        expect(before, 'motionchange on a first fix').to.not.equal(undefined);
        expect(loc.is_moving).to.not.equal(before);
        changes++;
      } else if (before !== undefined) {
        expect(loc.is_moving).to.equal(before);
      }
      previous.set(id, loc.is_moving);
    }
    expect(changes).to.be.greaterThan(0);
  });

  it('keeps walkers inside their grids (holes and exclaves too) at walking or riding speed, with honest accuracy', async () => {
    const everyone = [
      ...roster(L_GRID, 'L', 30, 'l-'),
      ...roster(HOLED_GRID, 'H', 15, 'h-'),
      ...roster(MULTI_GRID, 'M', 15, 'm-'),
    ];
    const grids = new Map(everyone.map((e) => [e.deviceId, e.polygon]));
    const { sim, fixes } = await setUp({
      roster: everyone,
      streets: STREETS,
      ebikeShare: 0.2,
      timeScale: 240,
      seed: 7,
    });
    sim.start();
    await waitFor('40 fixes per walker', () => fixes.length >= 40 * everyone.length);
    await sim.stop();

    const views = new Map(fixes.map(({ view }) => [view.deviceId, view]));
    expect(views.get('l-1')!.onStreets).to.equal(true);
    expect(views.get('h-1')!.onStreets).to.equal(false);
    expect([...views.values()].filter((v) => v.mode === 'ebike').length).to.be.within(4, 22);

    let within = 0,
      honest = 0,
      nearStreet = 0,
      onL = 0;
    const streets = STREET_LINES.map((l) => turf.lineString(l.map(([x, y]) => at(x, y))));
    const track = new Map<string, Fix[]>();
    for (const { fix, view } of fixes) {
      const grid = grids.get(view.deviceId)!;
      expect(
        turf.booleanPointInPolygon(turf.point([fix.trueLon, fix.trueLat]), grid),
        `${view.deviceId} truly inside`,
      ).to.equal(true);
      // Only GPS error may take a reported position out of the grid.
      expect(metresOutside(grid, fix.lon, fix.lat), `${view.deviceId} reported`).to.be.at.most(4 * fix.accuracy);
      const error = turf.distance([fix.trueLon, fix.trueLat], [fix.lon, fix.lat], { units: 'meters' });
      if (fix.bad) {
        expect(fix.accuracy).to.be.within(50, 200);
      } else {
        expect(fix.accuracy).to.be.within(3 * 1.5 * 0.85, 8 * 1.52 * 1.2);
        within++;
        if (error <= fix.accuracy) honest++;
      }
      if (view.gridCode === 'L') {
        onL++;
        const d = Math.min(
          ...streets.map((s) => turf.pointToLineDistance([fix.trueLon, fix.trueLat], s, { units: 'meters' })),
        );
        if (d < 1.5) nearStreet++;
      }
      if (!track.has(view.deviceId)) track.set(view.deviceId, []);
      track.get(view.deviceId)!.push(fix);
    }
    // Android's accuracy is a 68 % radius.
    expect(honest / within).to.be.within(0.58, 0.78);
    expect(fixes.filter((f) => f.fix.bad).length).to.be.within(1, fixes.length * 0.03);
    expect(nearStreet / onL, 'share of L-grid positions on a street').to.be.greaterThan(0.7);

    let movedFar = 0;
    for (const [id, fs] of track) {
      const view = views.get(id)!;
      const [lo, hi] = view.mode === 'ebike' ? [4, 6] : [1.0, 1.6];
      let path = 0;
      for (let i = 1; i < fs.length; i++) {
        const d = turf.distance([fs[i - 1]!.trueLon, fs[i - 1]!.trueLat], [fs[i]!.trueLon, fs[i]!.trueLat], {
          units: 'meters',
        });
        // Straight-line progress can never beat the walker's speed.
        expect(d / ((fs[i]!.simTime - fs[i - 1]!.simTime) / 1000), `${id} speed`).to.be.at.most(hi * 1.02);
        path += d;
        if (fs[i]!.moving) expect(fs[i]!.speed, `${id} reported speed`).to.be.within(lo - 0.5, hi + 0.5);
      }
      if (path > 100) movedFar++;
    }
    expect(movedFar).to.be.greaterThan(0.8 * track.size);
  });

  it('knows the inside of a grid: holes are out, exclaves are in, concave corners are not crossed', () => {
    const rng = new Rng(1);
    const inside = (shape: GridShape, grid: GridGeometry, [x, y]: [number, number]): boolean =>
      turf.booleanPointInPolygon([shape.frame.lon(x), shape.frame.lat(y)], grid);
    const holed = new GridShape(HOLED_GRID);
    const multi = new GridShape(MULTI_GRID);
    expect(holed.pieces).to.have.length(1);
    expect(multi.pieces).to.have.length(2);
    expect(holed.pieces[0]!.area).to.be.closeTo(250_000 - 40_000, 2500);
    expect(multi.pieces[1]!.area).to.be.closeTo(40_000, 400);
    const picked = new Set<Piece>();
    for (let i = 0; i < 500; i++) {
      expect(inside(holed, HOLED_GRID, holed.pieces[0]!.randomPoint(rng, 5)!), 'a random point in the pond').to.equal(
        true,
      );
      const piece = multi.pickPiece(rng);
      picked.add(piece);
      expect(inside(multi, MULTI_GRID, piece.randomPoint(rng, 5)!)).to.equal(true);
    }
    expect(picked.size, 'both pieces of the exclave grid get walkers').to.equal(2);
    // Across the notch of the L: both ends inside, the straight walk between them is not.
    const l = new GridShape(L_GRID);
    const [lon0, lat0] = at(100, 500),
      [lon1, lat1] = at(500, 100);
    const piece = l.pieces[0]!;
    const [ax, ay, bx, by] = [l.frame.x(lon0), l.frame.y(lat0), l.frame.x(lon1), l.frame.y(lat1)];
    expect(piece.contains(ax, ay) && piece.contains(bx, by)).to.equal(true);
    expect(piece.segmentInside(ax, ay, bx, by)).to.equal(false);
    expect(piece.segmentInside(ax, ay, l.frame.x(at(100, 100)[0]), l.frame.y(at(100, 100)[1]))).to.equal(true);
  });

  it('drops street pieces on the grid boundary and cuts the others short of it', () => {
    const shape = new GridShape(L_GRID);
    const piece = shape.pieces[0]!;
    const graph = buildStreetGraph(piece, shape.frame, new StreetIndex(STREETS))!;
    expect(graph).to.not.equal(undefined);
    let edges = 0;
    graph.adj.forEach((next, a) =>
      next.forEach((b) => {
        const mx = (graph.xs[a]! + graph.xs[b]!) / 2,
          my = (graph.ys[a]! + graph.ys[b]!) / 2;
        expect(piece.distanceToBoundary(mx, my)).to.be.greaterThan(2);
        expect(piece.segmentInside(graph.xs[a]!, graph.ys[a]!, graph.xs[b]!, graph.ys[b]!)).to.equal(true);
        edges++;
      }),
    );
    // 东西向 split at 南北向 and at the lane (3), 南北向 split at 东西向 (2), the lane split too (2).
    expect(edges / 2).to.equal(7);
    // The inside lengths: 600 + 600 + 295 m, less 3 m at each of the four cut ends.
    expect(graph.totalLength).to.be.closeTo(600 - 6 + 600 - 6 + Math.hypot(250, 160), 3);
  });

  it('sends what it buffered during a gap late and oldest first, losing nothing', async () => {
    const interval = 10_000;
    const { sim, rx } = await setUp({
      roster: roster(L_GRID, 'L', 3, 'gap-'),
      jsonShare: 0,
      timeScale: 120,
      intervalMs: interval,
    });
    sim.start();
    await waitFor('first deliveries', () => rx.from('gap-1').length >= 2);
    const gapStart = sim.now();
    const gapEnd = gapStart + 150_000;
    sim.startGap('gap-1', 150_000);
    expect(sim.walker('gap-1')!.online).to.equal(false);
    await waitFor('the gap to end and the buffer to drain', () => sim.now() > gapEnd + 30_000);
    await sim.stop();

    const mine = rx.from('gap-1');
    expect(
      mine.filter((q) => q.arrivedSim > gapStart + 2000 && q.arrivedSim < gapEnd),
      'sent while offline',
    ).to.deep.equal([]);
    const times = mine.map((q) => q.time);
    expect(times, 'oldest first').to.deep.equal([...times].sort((a, b) => a - b));
    expectContiguous(times, interval, 'gap-1');
    const late = mine.filter((q) => q.time > gapStart && q.time < gapEnd - 1000);
    expect(late.length).to.be.within(13, 16);
    for (const q of late) expect(q.arrivedSim).to.be.greaterThan(gapEnd);
    expect(late[0]!.arrivedSim - late[0]!.time, 'the first buffered fix is 2½ minutes late').to.be.greaterThan(140_000);
    // The other phones kept reporting on time meanwhile.
    expect(
      rx.from('gap-2').filter((q) => q.arrivedSim > gapStart + 2000 && q.arrivedSim < gapEnd).length,
    ).to.be.greaterThan(10);
  });

  for (const failure of ['503', 'reset'] as const) {
    it(`keeps every fix through a server outage (${failure === '503' ? '503 + Retry-After' : 'connection reset'}) and retries`, async () => {
      const interval = 10_000;
      const { sim, rx, fixes } = await setUp({
        roster: roster(L_GRID, 'L', 5, 'out-'),
        jsonShare: 0.4,
        timeScale: 120,
        intervalMs: interval,
      });
      let down = false;
      const failed: { deviceId: string; sim: number }[] = [];
      rx.answer = (deviceId) => {
        if (!down) return { status: 200 };
        failed.push({ deviceId, sim: sim.now() });
        return failure === '503' ? { status: 503, headers: { 'retry-after': '30' } } : 'reset';
      };
      sim.start();
      await waitFor('deliveries', () => rx.requests.length >= 5);
      down = true;
      await sleep(1000); // two simulated minutes
      down = false;
      await waitFor('the buffers to drain', () => sim.stats().buffered === 0 && sim.stats().inFlight === 0);
      await sim.stop();

      const s = sim.stats();
      expect(failed.length).to.be.greaterThan(4);
      expect(s.retried).to.equal(failed.length);
      expect(s.refused).to.deep.equal({});
      if (failure === 'reset') expect(s.networkErrors).to.equal(failed.length);
      const delivered = new Set(
        rx.requests.filter((q) => q.status === 200).map((q) => `${q.deviceId}@${Math.floor(q.time / 1000)}`),
      );
      for (const { fix } of fixes)
        expect(delivered.has(`${fix.deviceId}@${Math.floor(fix.time / 1000)}`), 'a fix was lost').to.equal(true);
      for (const id of sim.deviceIds()) {
        const ok = rx.from(id).filter((q) => q.status === 200);
        expectContiguous(
          ok.map((q) => q.time),
          interval,
          id,
        );
        expect(ok.length).to.be.greaterThan(12);
      }
      if (failure === '503') {
        // Retry-After: 30 → no phone asks again within 30 s (simulated) of being told to wait.
        for (const f of rx.requests.filter((q) => q.status === 503)) {
          const next = rx.requests.find((q) => q.deviceId === f.deviceId && q.arrivedSim > f.arrivedSim);
          if (next) expect(next.arrivedSim - f.arrivedSim).to.be.at.least(29_000);
        }
      }
    });
  }

  it('drops a fix the server refuses (400), counts it, and does not retry it', async () => {
    const { sim, rx } = await setUp({ roster: roster(L_GRID, 'L', 4, 'ref-'), timeScale: 120 });
    rx.answer = (id) => ({ status: id === 'ref-1' ? 400 : 200 });
    sim.start();
    await waitFor(
      'refusals',
      () => rx.from('ref-1').length >= 8 && rx.from('ref-2').length >= 8 && sim.stats().inFlight === 0,
    );
    await sim.stop();

    const refused = rx.from('ref-1');
    expect(sim.stats().refused).to.deep.equal({ 400: refused.length });
    expect(sim.stats().retried).to.equal(0);
    expect(new Set(refused.map((q) => q.time)).size, 'each refused fix sent once').to.equal(refused.length);
    expect(sim.walker('ref-1')!.buffered).to.be.at.most(1);
    expect(rx.from('ref-2').every((q) => q.status === 200)).to.equal(true);
  });

  it('injects faults: garbage fixes, an unregistered id, a flood', async () => {
    const { sim, rx } = await setUp({ roster: roster(L_GRID, 'L', 5, 'bad-'), jsonShare: 0, timeScale: 60 });
    sim.setFaults('bad-1', { garbage: 'nan' });
    sim.setFaults('bad-2', { garbage: 'latitude' });
    sim.setFaults('bad-3', { garbage: 'future' });
    sim.setFaults('bad-4', { unregisteredId: 'ghost-4' });
    sim.setFaults('bad-5', { floodPerSecond: 100 });
    sim.start();
    const t0 = performance.now();
    await waitFor('garbage from each', () =>
      ['bad-1', 'bad-2', 'bad-3', 'ghost-4'].every((id) => rx.from(id).length >= 3),
    );
    await sleep(Math.max(0, 1000 - (performance.now() - t0)));
    await sim.stop();
    const elapsed = (performance.now() - t0) / 1000;

    for (const q of rx.from('bad-1')) expect(q.url.searchParams.get('lat')).to.equal('NaN');
    for (const q of rx.from('bad-2')) expect(Math.abs(Number(q.url.searchParams.get('lat')))).to.be.greaterThan(90);
    for (const q of rx.from('bad-3')) expect(q.time - Date.now()).to.be.greaterThan(300 * 86_400_000);
    expect(rx.from('bad-4')).to.deep.equal([]);
    expect(rx.from('bad-5').length / elapsed, 'flood requests per second').to.be.greaterThan(60);
    expect(rx.from('bad-2').length / elapsed, 'a normal phone meanwhile').to.be.below(10);
  });

  it('sets a share of phone clocks off by seconds to minutes, and the timestamps show it', async () => {
    const { sim, fixes } = await setUp({
      roster: roster(HOLED_GRID, 'H', 40, 'clk-'),
      clockFaultShare: 0.5,
      timeScale: 600,
    });
    sim.start();
    await waitFor('fixes', () => fixes.length >= 120);
    await sim.stop();
    const offsets = sim.deviceIds().map((id) => sim.walker(id)!.clockOffsetMs);
    const off = offsets.filter((o) => o !== 0);
    expect(off.length).to.be.within(10, 30);
    for (const o of off) expect(Math.abs(o)).to.be.within(3000, 600_000);
    expect(off.some((o) => o > 0) && off.some((o) => o < 0), 'fast and slow clocks').to.equal(true);
    for (const { fix, view } of fixes) expect(fix.time - fix.simTime).to.equal(view.clockOffsetMs);
  });

  it('drains batteries slowly (3–8 % an hour)', async () => {
    const { sim, rx } = await setUp({
      roster: roster(HOLED_GRID, 'H', 5, 'bat-'),
      jsonShare: 0,
      timeScale: 3600,
      intervalMs: 60_000,
      startTime: Date.now() - 3 * 3_600_000,
    });
    sim.start();
    await waitFor('an hour of fixes', () => sim.deviceIds().every((id) => rx.from(id).length >= 50));
    await sim.stop();
    for (const id of sim.deviceIds()) {
      const qs = rx.from(id);
      const batt = qs.map((q) => Number(q.url.searchParams.get('batt')));
      expect(batt, 'never rises').to.deep.equal([...batt].sort((a, b) => b - a));
      const hours = (qs[qs.length - 1]!.time - qs[0]!.time) / 3_600_000;
      expect((batt[0]! - batt[batt.length - 1]!) / hours).to.be.within(2.5, 8.5);
    }
  });

  it('runs 1,000 walkers at 5× in one process without falling behind, over a few keep-alive sockets', async () => {
    const grids = [L_GRID, HOLED_GRID, MULTI_GRID];
    const everyone = Array.from({ length: 1000 }, (_, i) => ({
      deviceId: `k${i}`,
      personName: `网格员${i}`,
      gridCode: `G${i % 3}`,
      polygon: grids[i % 3]!,
    }));
    const built = performance.now();
    const { sim, rx } = await setUp({ roster: everyone, streets: STREETS, timeScale: 5, maxSockets: 32 }, false);
    expect(performance.now() - built, 'ms to build 1,000 walkers').to.be.below(1500);
    const simStart = sim.now();
    sim.start();
    await sleep(1500);
    const halfway = sim.stats();
    await sleep(1500);
    const s = sim.stats();
    const received = rx.requests.length;
    const simElapsed = sim.now() - simStart;
    await sim.stop();

    const expected = (everyone.length * simElapsed) / 10_000;
    expect(s.generated).to.be.within(0.9 * expected, 1.1 * expected);
    expect(s.maxLagMs, 'the loop fell behind').to.be.below(400);
    // 500 fixes a second (the demo town sends 19), recorded in bursts of one tick (≈50).
    // Keeping up, the buffers hold about one burst; falling behind, they grow by hundreds a second.
    expect(s.buffered, 'sending fell behind').to.be.below(200);
    expect(s.buffered - halfway.buffered, 'buffers growing').to.be.below(100);
    expect(s.delivered).to.be.at.least(s.generated - s.buffered);
    expect(received).to.be.within(s.sent - s.inFlight, s.sent);
    expect(rx.connections, 'sockets opened').to.be.at.most(32);
  });

  it('stops: closes its sockets and sends nothing more', async () => {
    const { sim, rx } = await setUp({ roster: roster(L_GRID, 'L', 10, 'stop-'), timeScale: 120 });
    sim.start();
    await waitFor('requests', () => rx.requests.length >= 20);
    await sim.stop();
    const count = rx.requests.length;
    await sleep(300);
    expect(rx.requests.length).to.equal(count);
    const open = await new Promise<number>((resolve, reject) =>
      rx.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );
    expect(open).to.equal(0);
  });

  it('builds the roster from the server API, and from a grid FeatureCollection', async () => {
    const map = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { layer: 'village', code: '330802101001' }, geometry: HOLED_GRID },
        { type: 'Feature', properties: { layer: 'grid', code: 'G1' }, geometry: L_GRID },
        { type: 'Feature', properties: { layer: 'grid', code: 'G2' }, geometry: MULTI_GRID },
      ],
    };
    const people = [
      {
        id: 1,
        name: '王建国',
        phone: '1',
        roles: ['fulltime_gridworker'],
        gridCodes: ['G2', 'G1'],
        villageCode: 'v',
        dutyStatus: 'on_duty',
        devices: [
          { id: 9, identifier: 'phone-wang' },
          { id: 10, identifier: 'old-phone' },
        ],
      },
      {
        id: 2,
        name: '李秀英',
        phone: '2',
        roles: ['parttime_gridworker'],
        gridCodes: ['G1'],
        villageCode: 'v',
        dutyStatus: 'off_duty',
        devices: [],
      },
      {
        id: 3,
        name: '张伟',
        phone: '3',
        roles: ['grid_head'],
        gridCodes: [],
        villageCode: 'v',
        dutyStatus: 'on_duty',
        devices: [{ id: 11, identifier: 'phone-zhang' }],
      },
      {
        id: 4,
        name: '刘芳',
        phone: '4',
        roles: ['fulltime_gridworker'],
        gridCodes: ['G1'],
        villageCode: 'v',
        dutyStatus: 'busy',
        devices: [{ id: 12, identifier: 'phone-liu' }],
      },
    ];
    const seen: string[] = [];
    const api = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        const send = (status: number, body: unknown): void =>
          void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.method === 'POST' && req.url === '/api/auth/login') {
          const { username, password } = JSON.parse(Buffer.concat(chunks).toString()) as {
            username: string;
            password: string;
          };
          return username === 'admin' && password === 'pw'
            ? send(200, { token: 'T0K' })
            : send(401, { error: 'bad login' });
        }
        if (req.headers.authorization !== 'Bearer T0K') return send(401, { error: 'no token' });
        if (req.url === '/api/people?town=330802101') return send(200, people);
        if (req.url?.startsWith('/api/towns/330802101/map.geojson')) return send(200, map);
        send(404, {});
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
      const got = await fetchRoster({ api: base, townCode: '330802101', username: 'admin', password: 'pw' });
      expect(got).to.deep.equal([
        { deviceId: 'phone-wang', personName: '王建国', gridCode: 'G2', polygon: MULTI_GRID },
        { deviceId: 'phone-liu', personName: '刘芳', gridCode: 'G1', polygon: L_GRID },
      ]);
      expect(seen[0]).to.equal('POST /api/auth/login');
      let message = '';
      await fetchRoster({ api: base, townCode: '330802101', token: 'wrong' }).catch(
        (err: Error) => (message = err.message),
      );
      expect(message).to.match(/401/);
    } finally {
      api.closeAllConnections();
      await new Promise<void>((r) => api.close(() => r()));
    }

    const many = rosterFromGrids(map, 7, 'b-');
    expect(many.map((e) => e.gridCode)).to.deep.equal(['G1', 'G2', 'G1', 'G2', 'G1', 'G2', 'G1']);
    expect(new Set(many.map((e) => e.deviceId)).size).to.equal(7);
    expect(many[0]!.deviceId).to.equal('b-00001');
  });

  it('replays the recent past fast, then keeps to the wall clock', () => {
    let mono = 0;
    const wall = 1_700_000_000_000;
    const clock = new SimClock(
      60,
      wall - 59_000,
      () => wall,
      () => mono,
    );
    expect(clock.now()).to.equal(wall - 59_000);
    mono = 500;
    expect(clock.now()).to.equal(wall - 29_000);
    expect(clock.rate()).to.equal(60);
    mono = 2000; // would be wall + 61 s at 60×: held to the wall clock
    expect(clock.now()).to.equal(wall + 2000);
    expect(clock.rate()).to.equal(1);
    expect(
      new SimClock(
        60,
        undefined,
        () => wall,
        () => 0,
      ).startTime,
    ).to.equal(wall - 3_600_000);
    expect(
      () =>
        new SimClock(
          10,
          wall + 60_000,
          () => wall,
          () => 0,
        ),
    ).to.throw(/future/);
  });
});
