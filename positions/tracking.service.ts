import type { AuthContext } from '../platform/auth/auth-context.js';
import { assertOwnPerson } from '../people/module.js';
import { DEVICE_ROLES } from '../platform/auth/roles.js';
import type { Db } from '../platform/db/pool.js';
import { BadRequest, NotFound } from '../platform/errors.js';
import { AreasRepository, type Area } from '../gis/module.js';
import type { GridMap } from '../gis/module.js';
import { GridsRepository } from '../gis/module.js';
import { PeopleRepository } from '../people/module.js';
import { TrackingRepository } from './tracking.repository.js';
import { FLAGS, type RejectReason } from './fix.js';
import type { LiveRoster } from './live-roster.js';

const DAY_MS = 86_400_000;
// Long traces are simplified so a map can draw a day of walking.
const AUTO_SIMPLIFY_AFTER_MS = 2 * 3_600_000;

/** Midnight to midnight of a calendar day in the town's time zone (UTC+8 here). */
export function dayRange(day: string, utcOffsetHours: number): { from: Date; to: Date } {
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - utcOffsetHours * 3_600_000);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

export class TrackingService {
  // Towns by code as of one map revision (importing areas moves the revision too), so
  // "on duty now", asked again and again, does not ask PostgreSQL what a town code is.
  private towns = { revision: -1, byCode: new Map<string, Area>() };

  constructor(
    private readonly db: Db,
    private readonly roster: LiveRoster,
    private readonly gridMap: GridMap,
    private readonly utcOffsetHours = 8,
  ) {}

  /** Everyone on duty in a town now, as the UTF-8 JSON of the answer (built from what the roster keeps ready). */
  async onDutyJson(auth: AuthContext, townCode: string): Promise<Buffer> {
    const town = await this.townByCode(townCode);
    if (!town || town.level !== 'town') throw new NotFound(`Town ${townCode}`);
    auth.assertTown(town.id);
    const now = Date.now();
    const { count, json } = this.roster.onDutyJson(town.id, now);
    const head = `{"town":${JSON.stringify(town.code)},"at":"${new Date(now).toISOString()}","count":${count},"people":`;
    return Buffer.concat([Buffer.from(head), json, Buffer.from('}')]);
  }

  private async townByCode(code: string): Promise<Area | null> {
    if (this.towns.revision !== this.gridMap.revision)
      this.towns = { revision: this.gridMap.revision, byCode: new Map() };
    const towns = this.towns;
    const cached = towns.byCode.get(code);
    if (cached) return cached;
    const found = await new AreasRepository(this.db).findByCode(code);
    // Only what exists is kept: unknown codes would let callers grow the map without bound.
    if (found) towns.byCode.set(code, found);
    return found;
  }

  /** `ownerOnly`: a gridworker, who may read only their own. */
  async trace(
    auth: AuthContext,
    personId: number,
    from: Date,
    to: Date,
    simplifyM: number | undefined,
    ownerOnly = false,
  ) {
    await this.person(auth, personId, ownerOnly);
    if (to <= from) throw new BadRequest('"to" must be after "from"');
    if (to.getTime() - from.getTime() > 31 * DAY_MS) throw new BadRequest('A trace spans at most 31 days');
    const tolerance = simplifyM ?? (to.getTime() - from.getTime() > AUTO_SIMPLIFY_AFTER_MS ? 5 : 0);
    const t = await new TrackingRepository(this.db).trace(personId, from, to, tolerance);
    return {
      type: 'Feature' as const,
      geometry: t.points >= 2 ? t.geometry : null,
      properties: {
        personId,
        from,
        to,
        points: t.points,
        outliersLeftOut: t.outliers,
        first: t.first,
        last: t.last,
        lengthM: Math.round(t.lengthM),
        simplifiedM: tolerance,
      },
    };
  }

  async gridEvents(auth: AuthContext, personId: number, from: Date, to: Date, ownerOnly = false) {
    await this.person(auth, personId, ownerOnly);
    return new TrackingRepository(this.db).gridEvents({ personId, from, to, limit: 10_000 });
  }

  async coverage(auth: AuthContext, gridCode: string, day: string) {
    const grid = await new GridsRepository(this.db).findCurrentByCode(gridCode);
    if (!grid || !auth.canAccessTown(grid.townId)) throw new NotFound(`Grid ${gridCode}`);
    const { from, to } = dayRange(day, this.utcOffsetHours);
    const c = await new TrackingRepository(this.db).coverage(grid.gridId, from, to, 50, 300);
    if (!c) throw new NotFound(`Grid ${gridCode} on ${day}`);
    const streets = c.streets_m > 0;
    const share = streets ? c.covered_streets_m / c.streets_m : c.covered_area_m2 / c.grid_geom_area;
    return {
      grid: gridCode,
      day,
      patrolSeconds: c.people.reduce((n, p) => n + p.seconds, 0),
      people: c.people,
      basis: streets ? 'streets' : 'area',
      coverageShare: Math.round(Math.min(1, share) * 1000) / 1000,
      streetsM: Math.round(c.streets_m),
      coveredStreetsM: Math.round(c.covered_streets_m),
      radiusM: 50,
    };
  }

  /**
   * Per device, what was refused, flagged or only counted on a day, with the last detail
   * and example of each, and what to tell the phone's owner. Only the caller's towns.
   */
  async rejections(auth: AuthContext, day: string) {
    const rows = await new TrackingRepository(this.db).rejections(day, auth.townFilter, 5000);
    const devices = new Map<string, DeviceRejections>();
    for (const r of rows) {
      let d = devices.get(r.deviceRef);
      if (!d) {
        d = {
          deviceRef: r.deviceRef,
          deviceId: r.deviceId,
          personId: r.personId,
          personName: r.personName,
          townId: r.townId,
          total: 0,
          lastAt: r.lastAt,
          reasons: {},
          advice: [],
        };
        devices.set(r.deviceRef, d);
      }
      const reason = r.reason as RejectReason;
      d.reasons[reason] = {
        kind: kindOf(reason),
        count: r.count,
        lastAt: r.lastAt,
        lastDetail: r.lastDetail,
        lastExample: r.lastExample,
      };
      d.total += r.count;
      if (r.lastAt > d.lastAt) d.lastAt = r.lastAt;
      const advice = ADVICE[reason];
      if (advice) d.advice.push(advice);
    }
    const sorted = [...devices.values()].sort((a, b) => b.total - a.total);
    // The identifier itself only for those who set phones up: it is what a sender needs.
    return auth.hasRole(...DEVICE_ROLES) ? sorted : sorted.map((d) => ({ ...d, deviceRef: null }));
  }

  private async person(auth: AuthContext, id: number, ownerOnly = false) {
    const person = await new PeopleRepository(this.db).find(id);
    if (!person || !auth.canAccessTown(person.townId)) throw new NotFound(`Person ${id}`);
    if (ownerOnly) assertOwnPerson(auth, person);
    return person;
  }
}

type RejectionKind = 'flagged' | 'counted' | 'refused';

const COUNTED_ONLY: readonly string[] = ['no_fix', 'marked_invalid', 'expired'];
const kindOf = (reason: RejectReason): RejectionKind =>
  (FLAGS as readonly string[]).includes(reason) ? 'flagged' : COUNTED_ONLY.includes(reason) ? 'counted' : 'refused';

/** What a dispatcher can tell the phone's owner (or an operator do), by reason. */
const ADVICE: Partial<Record<RejectReason, string>> = {
  clock_ahead: "The phone's clock is ahead: set date, time and time zone to automatic (network time).",
  late: "The phone sent positions long after their time: check its mobile data and that the app may run in the background; if every position is late by the same hours, the phone's clock is behind (set automatic time).",
  no_fix:
    'The phone sends positions without a GPS fix: turn on location (high accuracy) and allow the app precise location.',
  expired:
    'The phone sends positions older than the history kept: its clock is far behind (reset?); set automatic time.',
  marked_invalid:
    'The phone marks its positions invalid (no GPS fix): turn on location (high accuracy), move away from cover.',
  outlier: 'The phone reported jumps: GPS noise indoors or a mock-location app; they are left out until confirmed.',
  unknown_device:
    'A phone sends with an identifier nobody registered: register the device or correct the identifier in the app.',
  device_disabled: 'A disabled device still sends: remove the app from that phone or enable the device again.',
  rate_limited: 'The phone sends far too often: set the app interval to 10 s or more.',
};

interface DeviceRejections {
  deviceRef: string;
  deviceId: number | null;
  personId: number | null;
  personName: string | null;
  townId: number | null;
  total: number;
  lastAt: Date;
  reasons: Partial<
    Record<
      RejectReason,
      {
        kind: RejectionKind;
        count: number;
        lastAt: Date;
        lastDetail: string | null;
        lastExample: Record<string, unknown> | null;
      }
    >
  >;
  advice: string[];
}
