// How a gridworker moves: straight legs between waypoints (street junctions and bends
// when the grid has streets, random visible points otherwise), at a steady personal
// pace, with pauses to talk to residents. Positions are computed from the current leg
// on demand, so nothing runs between fixes and thousands of walkers stay cheap.
import type { Piece } from './geometry.js';
import type { Rng } from './random.js';
import type { StreetGraph } from './streets.js';
import type { Mode } from './types.js';

export interface MovementOptions {
  /** m/s range of walkers on foot; each walker gets a personal pace in it. */
  footSpeed: [number, number];
  /** m/s range of the e-bike riders. */
  ebikeSpeed: [number, number];
  /** Pauses per hour of moving (on foot; e-bike riders stop half as often). */
  pausesPerHour: number;
  /** Pause length range, ms. */
  pauseMs: [number, number];
  /** At a street node: chance to cut straight across (a courtyard, an alley) to another street. */
  offStreetChance: number;
}

export const DEFAULT_MOVEMENT: MovementOptions = {
  footSpeed: [1.0, 1.6],
  ebikeSpeed: [4, 6],
  pausesPerHour: 6,
  pauseMs: [30_000, 300_000],
  offStreetChance: 0.05,
};

/** Waypoints are kept this far from the grid boundary. */
const WAYPOINT_MARGIN_M = 5;
const MAX_LEG_M = { foot: 400, ebike: 1000 };

export class Mover {
  /** Outputs of the last advanceTo(): local metres, state. */
  x: number;
  y: number;
  moving = false;
  speed = 0;
  heading = 0;
  odometer = 0;

  private ax: number;
  private ay: number;
  private bx: number;
  private by: number;
  private legStart: number;
  private legEnd: number;
  private legSpeed = 0;
  private legLength = 0;
  private walked = 0;
  private t: number;
  private node = -1;
  /** Where the current leg was heading before a pause cut it short (NaN: nowhere). */
  private pendingX = NaN;
  private pendingY = NaN;
  private pauseAtEnd = false;
  private prevNode = -1;
  private readonly baseSpeed: number;
  private readonly range: [number, number];

  constructor(
    readonly piece: Piece,
    private readonly graph: StreetGraph | undefined,
    readonly mode: Mode,
    private readonly rng: Rng,
    private readonly opts: MovementOptions,
    t0: number,
  ) {
    this.range = mode === 'ebike' ? opts.ebikeSpeed : opts.footSpeed;
    this.baseSpeed = rng.uniform(this.range[0], this.range[1]);
    const start = this.startPoint();
    this.x = this.ax = this.bx = start[0];
    this.y = this.ay = this.by = start[1];
    this.t = this.legStart = this.legEnd = t0;
    this.planFrom(t0);
  }

  /** Following the street graph (rather than random waypoints). */
  get onStreets(): boolean {
    return this.graph !== undefined && this.node >= 0;
  }

  /** The simulated time of the current state. */
  get time(): number {
    return this.t;
  }

  /** Moves the state to simulated time t (never backwards). */
  advanceTo(t: number): void {
    if (t < this.t) t = this.t;
    this.t = t;
    while (t >= this.legEnd) this.arrive();
    if (t < this.legStart) {
      this.x = this.ax;
      this.y = this.ay;
      this.moving = false;
      this.speed = 0;
      this.odometer = this.walked;
    } else {
      const f = (t - this.legStart) / (this.legEnd - this.legStart);
      this.x = this.ax + f * (this.bx - this.ax);
      this.y = this.ay + f * (this.by - this.ay);
      this.moving = true;
      this.speed = this.legSpeed;
      this.odometer = this.walked + f * this.legLength;
    }
  }

  private startPoint(): [number, number] {
    if (this.graph) {
      const usable = this.graph.adj.flatMap((a, i) => (a.length > 0 ? [i] : []));
      if (usable.length > 0) {
        this.node = usable[this.rng.int(usable.length)]!;
        return [this.graph.xs[this.node]!, this.graph.ys[this.node]!];
      }
    }
    const p = this.piece.randomPoint(this.rng, WAYPOINT_MARGIN_M);
    if (!p) throw new Error('cannot place a walker in a degenerate grid');
    return p;
  }

  /** The end of a leg: pause if one was due, then go on. */
  private arrive(): void {
    this.walked += this.legLength;
    this.ax = this.bx;
    this.ay = this.by;
    this.planFrom(
      this.pauseAtEnd ? this.legEnd + this.rng.uniform(this.opts.pauseMs[0], this.opts.pauseMs[1]) : this.legEnd,
    );
  }

  private planFrom(start: number): void {
    let target: [number, number] | undefined;
    if (Number.isNaN(this.pendingX)) target = this.graph && this.node >= 0 ? this.nextOnStreets() : this.nextWaypoint();
    else target = [this.pendingX, this.pendingY];
    this.pendingX = this.pendingY = NaN;
    this.pauseAtEnd = false;
    this.legStart = start;
    if (!target) {
      // Boxed in (a sliver of a grid): stand still a while and try again.
      this.legLength = 0;
      this.legEnd = start + 10_000;
      this.legStart = this.legEnd;
      return;
    }
    const [bx, by] = target;
    this.bx = bx;
    this.by = by;
    this.legLength = Math.hypot(bx - this.ax, by - this.ay);
    this.legSpeed = Math.min(this.range[1], Math.max(this.range[0], this.baseSpeed * this.rng.uniform(0.95, 1.05)));
    const duration = Math.max(1, (this.legLength / this.legSpeed) * 1000);
    this.legEnd = start + duration;
    if (this.legLength > 0.01) this.heading = ((Math.atan2(bx - this.ax, by - this.ay) * 180) / Math.PI + 360) % 360;

    // Pauses come at random moments (a resident calls out), not only at corners:
    // exponential time to the next one; if it falls within this leg, stop there first.
    const rate = (this.mode === 'ebike' ? this.opts.pausesPerHour / 2 : this.opts.pausesPerHour) / 3_600_000;
    const untilPause = rate > 0 ? -Math.log(1 - this.rng.next()) / rate : Infinity;
    if (untilPause < duration) {
      const f = untilPause / duration;
      this.pendingX = bx;
      this.pendingY = by;
      this.bx = this.ax + f * (bx - this.ax);
      this.by = this.ay + f * (by - this.ay);
      this.legLength *= f;
      this.legEnd = start + untilPause;
      this.pauseAtEnd = true;
    }
  }

  private nextOnStreets(): [number, number] | undefined {
    const g = this.graph!;
    const here = this.node;
    // Now and then, and at every other dead end, cut across to another visible street.
    const degree = g.adj[here]!.length;
    if (degree === 0 || this.rng.chance(degree === 1 ? 0.5 : this.opts.offStreetChance)) {
      for (let i = 0; i < 8; i++) {
        const n = this.rng.int(g.xs.length);
        const d = Math.hypot(g.xs[n]! - this.ax, g.ys[n]! - this.ay);
        if (
          n !== here &&
          g.adj[n]!.length > 0 &&
          d > 10 &&
          d < MAX_LEG_M[this.mode] &&
          this.piece.segmentInside(this.ax, this.ay, g.xs[n]!, g.ys[n]!)
        ) {
          return this.goTo(n);
        }
      }
    }
    const next = g.adj[here]!;
    if (next.length === 0) return undefined;
    // Follow the street: go back the way we came only at a dead end.
    const forward = next.length > 1 ? next.filter((n) => n !== this.prevNode) : next;
    return this.goTo(forward[this.rng.int(forward.length)]!);
  }

  private goTo(n: number): [number, number] {
    this.prevNode = this.node;
    this.node = n;
    return [this.graph!.xs[n]!, this.graph!.ys[n]!];
  }

  private nextWaypoint(): [number, number] | undefined {
    const maxLeg = MAX_LEG_M[this.mode];
    for (let i = 0; i < 30; i++) {
      const p = this.piece.randomPoint(this.rng, WAYPOINT_MARGIN_M);
      if (!p) return undefined;
      const d = Math.hypot(p[0] - this.ax, p[1] - this.ay);
      if (d > 5 && d <= maxLeg && this.piece.segmentInside(this.ax, this.ay, p[0], p[1])) return p;
    }
    // Around a corner of a concave grid: take a short visible step instead.
    for (let i = 0; i < 30; i++) {
      const r = this.rng.uniform(5, 40),
        a = this.rng.uniform(0, 2 * Math.PI);
      const x = this.ax + r * Math.sin(a),
        y = this.ay + r * Math.cos(a);
      if (this.piece.segmentInside(this.ax, this.ay, x, y)) return [x, y];
    }
    return undefined;
  }
}
