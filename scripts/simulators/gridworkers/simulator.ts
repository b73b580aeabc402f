// The gridworkers' phones, all of them in one process.
//
// One timer loop drives every walker: a heap says whose next fix is due, another
// whose back-off or network gap is over. A due fix is recorded into that phone's
// buffer; phones with something to send wait in one FIFO, and at most `maxSockets`
// requests are in flight over one keep-alive agent. Each phone sends its buffer
// oldest first, one request at a time, like Traccar Client does from its database.
import { SimClock } from './clock.js';
import { GridShape, type Piece } from './geometry.js';
import { TimeHeap } from './heap.js';
import { DEFAULT_MOVEMENT, Mover, type MovementOptions } from './movement.js';
import { DEFAULT_PHONE, Phone, type PhoneOptions } from './phone.js';
import type { Outcome } from './protocol.js';
import { Rng } from './random.js';
import { buildStreetGraph, StreetIndex, type StreetGraph } from './streets.js';
import { Transport } from './transport.js';
import type { FeatureCollectionLike, Fix, GridGeometry, Mode, Protocol, RosterEntry } from './types.js';
import { Walker, type WalkerFaults } from './walker.js';

export interface GridworkerSimulatorOptions {
  /** One entry per phone. */
  roster: RosterEntry[];
  /** The server's OsmAnd receiver. Default http://127.0.0.1:5055 */
  osmandUrl?: string;
  /** Road lines (LineString/MultiLineString); walkers follow those inside their grid. */
  streets?: FeatureCollectionLike;
  /** Simulated ms between fixes (Traccar Client's "frequency"). Default 10 000. */
  intervalMs?: number;
  /** Simulated ms per real ms. Default 1. See clock.ts: fast runs replay the recent past. */
  timeScale?: number;
  /** Simulated start, epoch ms. Default now (timeScale ≤ 1) or one hour ago (timeScale > 1). */
  startTime?: number;
  /** Share of walkers on e-bikes (4–6 m/s). Default 0.1. */
  ebikeShare?: number;
  /** Share of phones sending the JSON POST of the current Traccar Client. Default 0.25. */
  jsonShare?: number;
  /** Share of phones whose clock is off (3 s – 10 min). Default 0.05. */
  clockFaultShare?: number;
  /** Network gaps (phone in a pocket, no signal) per phone per simulated hour. Default 0.5. */
  gapsPerHour?: number;
  /** Gap length range, simulated ms. Default [60 000, 180 000]. */
  gapMs?: [number, number];
  /** First back-off after a failure, simulated ms; doubles per failure. Default 5 000. */
  retryBaseMs?: number;
  /** Longest back-off, simulated ms. Default 300 000. */
  retryMaxMs?: number;
  /** Sockets (and requests in flight) to the server. Default 64. */
  maxSockets?: number;
  /** Real ms before a request counts as a network error. Default 10 000. */
  requestTimeoutMs?: number;
  /** Real ms between turns of the timer loop. Default 100. */
  tickMs?: number;
  /** Seed of all randomness. Default random. */
  seed?: number;
  movement?: Partial<MovementOptions>;
  phone?: Partial<Omit<PhoneOptions, 'clockFaultShare'>>;
  /** Called for each fix as the phone records it (before sending). */
  onFix?: (fix: Fix, walker: WalkerView) => void;
}

export interface SimulatorStats {
  walkers: number;
  /** Fixes recorded by the phones. */
  generated: number;
  /** HTTP requests made. */
  sent: number;
  /** Fixes the server accepted (2xx). */
  delivered: number;
  /** Fixes the server refused and the phones dropped, by HTTP status. */
  refused: Record<number, number>;
  /** Failed attempts (network error, 5xx, 408, 429) kept for a later retry. */
  retried: number;
  networkErrors: number;
  /** Fixes waiting in the phones' buffers (including those in flight). */
  buffered: number;
  inFlight: number;
  /** Worst real ms a fix was recorded after it was due: the loop falling behind. */
  maxLagMs: number;
  /** Simulated time, epoch ms. */
  simTime: number;
}

export interface WalkerView {
  deviceId: string;
  personName: string;
  gridCode: string;
  /** True position (no GPS error), WGS-84. */
  lon: number;
  lat: number;
  moving: boolean;
  /** True speed, m/s. */
  speed: number;
  heading: number;
  mode: Mode;
  protocol: Protocol;
  onStreets: boolean;
  online: boolean;
  buffered: number;
  battery: number;
  clockOffsetMs: number;
}

export class GridworkerSimulator {
  private readonly clock: SimClock;
  private readonly transport: Transport;
  private readonly walkers: Walker[] = [];
  private readonly byId = new Map<string, Walker>();
  private readonly reports: TimeHeap;
  private readonly wakes = new TimeHeap();
  private readonly flooding = new Set<Walker>();
  /** Ring buffer of walker indices with something to send (each walker at most once). */
  private readonly ready: Int32Array;
  private readyHead = 0;
  private readyLength = 0;
  private readonly intervalMs: number;
  private readonly gapChance: number;
  private readonly opts: Required<
    Pick<GridworkerSimulatorOptions, 'gapMs' | 'retryBaseMs' | 'retryMaxMs' | 'maxSockets' | 'tickMs'>
  >;
  private readonly onFix: GridworkerSimulatorOptions['onFix'];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private startedAt = Infinity;
  private lastTickReal = 0;
  private readonly counters = {
    generated: 0,
    sent: 0,
    delivered: 0,
    retried: 0,
    networkErrors: 0,
    buffered: 0,
    maxLagMs: 0,
  };
  private readonly refused: Record<number, number> = {};

  constructor(options: GridworkerSimulatorOptions) {
    this.intervalMs = positive(options.intervalMs ?? 10_000, 'intervalMs');
    this.opts = {
      gapMs: options.gapMs ?? [60_000, 180_000],
      retryBaseMs: positive(options.retryBaseMs ?? 5_000, 'retryBaseMs'),
      retryMaxMs: positive(options.retryMaxMs ?? 300_000, 'retryMaxMs'),
      maxSockets: positive(options.maxSockets ?? 64, 'maxSockets'),
      tickMs: positive(options.tickMs ?? 100, 'tickMs'),
    };
    this.onFix = options.onFix;
    // Per-report probability of a gap starting, from the hourly rate.
    this.gapChance = 1 - Math.exp((-(options.gapsPerHour ?? 0.5) * this.intervalMs) / 3_600_000);
    this.transport = new Transport(options.osmandUrl ?? 'http://127.0.0.1:5055', {
      maxSockets: this.opts.maxSockets,
      timeoutMs: positive(options.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
    });
    this.clock = new SimClock(options.timeScale ?? 1, options.startTime);
    this.reports = new TimeHeap(options.roster.length);
    this.ready = new Int32Array(Math.max(1, options.roster.length));
    this.buildWalkers(options);
  }

  private buildWalkers(options: GridworkerSimulatorOptions): void {
    const rng = new Rng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    const movement: MovementOptions = { ...DEFAULT_MOVEMENT, ...options.movement };
    const phone: PhoneOptions = {
      ...DEFAULT_PHONE,
      ...options.phone,
      clockFaultShare: share(options.clockFaultShare ?? DEFAULT_PHONE.clockFaultShare, 'clockFaultShare'),
    };
    const ebikeShare = share(options.ebikeShare ?? 0.1, 'ebikeShare');
    const jsonShare = share(options.jsonShare ?? 0.25, 'jsonShare');
    const streets = options.streets ? new StreetIndex(options.streets) : undefined;
    // Walkers of one grid share its projected shape and street graph.
    const shapes = new Map<GridGeometry, GridShape>();
    const graphs = new Map<Piece, StreetGraph | undefined>();
    const t0 = this.clock.now();

    for (const entry of options.roster) {
      if (this.byId.has(entry.deviceId)) throw new Error(`device ${entry.deviceId} is twice in the roster`);
      let shape = shapes.get(entry.polygon);
      if (!shape) {
        try {
          shape = new GridShape(entry.polygon);
        } catch (err) {
          throw new Error(`grid ${entry.gridCode} of device ${entry.deviceId}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        shapes.set(entry.polygon, shape);
      }
      const own = rng.fork();
      const piece = shape.pickPiece(own);
      if (streets && !graphs.has(piece)) graphs.set(piece, buildStreetGraph(piece, shape.frame, streets));
      const mode: Mode = own.chance(ebikeShare) ? 'ebike' : 'foot';
      const protocol: Protocol = own.chance(jsonShare) ? 'json' : 'osmand';
      const mover = new Mover(piece, graphs.get(piece), mode, own, movement, t0);
      const walker = new Walker(this.walkers.length, entry, shape, mover, new Phone(own, phone, t0), protocol, own);
      this.walkers.push(walker);
      this.byId.set(entry.deviceId, walker);
      // Phones were switched on at different moments: spread the first fixes over one interval.
      this.reports.push(t0 + own.uniform(0, this.intervalMs), walker.index);
    }
  }

  /** Starts the timer loop (simulated time has been running since construction). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.startedAt = this.clock.now();
    this.lastTickReal = performance.now();
    this.timer = setInterval(this.tick, this.opts.tickMs);
    this.tick();
  }

  /** Stops recording and sending; requests in flight are abandoned and sockets closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.transport.close();
  }

  /** Simulated time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  get timeScale(): number {
    return this.clock.timeScale;
  }

  deviceIds(): string[] {
    return this.walkers.map((w) => w.entry.deviceId);
  }

  stats(): SimulatorStats {
    return {
      walkers: this.walkers.length,
      generated: this.counters.generated,
      sent: this.counters.sent,
      delivered: this.counters.delivered,
      refused: { ...this.refused },
      retried: this.counters.retried,
      networkErrors: this.counters.networkErrors,
      buffered: this.counters.buffered,
      inFlight: this.transport.inFlight,
      maxLagMs: Math.round(this.counters.maxLagMs),
      simTime: this.clock.now(),
    };
  }

  /** Where a walker truly is now, or undefined for an unknown device. */
  walker(deviceId: string): WalkerView | undefined {
    const w = this.byId.get(deviceId);
    if (!w) return undefined;
    const now = this.clock.now();
    w.mover.advanceTo(now);
    return this.view(w, now);
  }

  /** Switches faults on or off for one phone (fields left out are unchanged). */
  setFaults(deviceId: string, faults: WalkerFaults): void {
    const w = this.mustGet(deviceId);
    w.faults = {
      garbage: faults.garbage !== undefined ? faults.garbage : w.faults.garbage,
      floodPerSecond: faults.floodPerSecond ?? w.faults.floodPerSecond,
      unregisteredId: faults.unregisteredId !== undefined ? faults.unregisteredId : w.faults.unregisteredId,
    };
    if (w.faults.floodPerSecond > 0) this.flooding.add(w);
    else this.flooding.delete(w);
  }

  /** Takes a phone off the network for `durationMs` of simulated time from now. */
  startGap(deviceId: string, durationMs: number): void {
    const w = this.mustGet(deviceId);
    w.offlineUntil = this.clock.now() + durationMs;
    this.wakes.push(w.offlineUntil, w.index);
  }

  private mustGet(deviceId: string): Walker {
    const w = this.byId.get(deviceId);
    if (!w) throw new Error(`no walker with device ${deviceId}`);
    return w;
  }

  private view(w: Walker, now: number): WalkerView {
    const m = w.mover,
      f = w.shape.frame,
      e = w.entry;
    return {
      deviceId: e.deviceId,
      personName: e.personName,
      gridCode: e.gridCode,
      lon: f.lon(m.x),
      lat: f.lat(m.y),
      moving: m.moving,
      speed: m.speed,
      heading: m.heading,
      mode: m.mode,
      protocol: w.protocol,
      onStreets: m.onStreets,
      online: w.online(now),
      buffered: w.buffered,
      battery: w.phone.battery(now),
      clockOffsetMs: w.phone.clockOffsetMs,
    };
  }

  private readonly tick = (): void => {
    if (this.stopped) return;
    const now = this.clock.now();
    const rate = this.clock.rate();
    const real = performance.now();
    const realDt = real - this.lastTickReal;
    this.lastTickReal = real;

    // Back-offs and network gaps that are over.
    while (this.wakes.peekTime() <= now) this.enqueue(this.walkers[this.wakes.pop()]!, now);

    // Fixes that are due, each recorded at its own due time even if the loop is late.
    while (this.reports.peekTime() <= now) {
      const due = this.reports.peekTime();
      const w = this.walkers[this.reports.pop()]!;
      if (due >= this.startedAt) this.counters.maxLagMs = Math.max(this.counters.maxLagMs, (now - due) / rate);
      if (w.online(due) && w.rng.chance(this.gapChance)) {
        w.offlineUntil = due + w.rng.uniform(this.opts.gapMs[0], this.opts.gapMs[1]);
        this.wakes.push(w.offlineUntil, w.index);
      }
      this.record(w, due);
      this.reports.push(due + this.intervalMs * w.rng.uniform(0.98, 1.02), w.index);
    }

    // Runaway apps: extra fixes at a real-time rate, spread over the last tick.
    for (const w of this.flooding) {
      w.floodCredit += (w.faults.floodPerSecond * realDt) / 1000;
      const n = Math.floor(w.floodCredit);
      w.floodCredit -= n;
      for (let i = n - 1; i >= 0; i--) this.record(w, now - (realDt * rate * i) / n);
    }
    this.pump();
  };

  private record(w: Walker, t: number): void {
    const fix = w.record(t);
    this.counters.generated++;
    this.counters.buffered++;
    this.onFix?.(fix, this.view(w, fix.simTime));
    this.enqueue(w, this.clock.now());
  }

  private enqueue(w: Walker, now: number): void {
    if (w.queued || !w.canSend(now)) return;
    w.queued = true;
    this.ready[(this.readyHead + this.readyLength++) % this.ready.length] = w.index;
  }

  private pump(): void {
    const now = this.clock.now();
    while (!this.stopped && this.readyLength > 0 && this.transport.inFlight < this.opts.maxSockets) {
      const w = this.walkers[this.ready[this.readyHead]!]!;
      this.readyHead = (this.readyHead + 1) % this.ready.length;
      this.readyLength--;
      w.queued = false;
      if (!w.canSend(now)) continue;
      const fix = w.oldest()!;
      w.sending = true;
      this.counters.sent++;
      this.transport.send(fix, w.protocol, (outcome) => this.settle(w, fix, outcome));
    }
  }

  private settle(w: Walker, fix: Fix, outcome: Outcome): void {
    w.sending = false;
    const now = this.clock.now();
    if (outcome.kind === 'retry') {
      // Never drop a fix the server did not look at: keep it and back off.
      this.counters.retried++;
      if (outcome.status === undefined) this.counters.networkErrors++;
      fix.attempts++;
      w.failures++;
      const backoff =
        Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (w.failures - 1)) * w.rng.uniform(0.75, 1.25);
      w.retryAt = now + (outcome.retryAfterMs ?? backoff);
      this.wakes.push(w.retryAt, w.index);
    } else {
      if (outcome.kind === 'delivered') this.counters.delivered++;
      else this.refused[outcome.status] = (this.refused[outcome.status] ?? 0) + 1;
      w.failures = 0;
      w.shift();
      this.counters.buffered--;
      this.enqueue(w, now);
    }
    this.pump();
  }
}

function share(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, not ${value}`);
  return value;
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, not ${value}`);
  return value;
}
