// Who is where, kept in memory on every api instance, the way a tracking server
// keeps its latest positions: loaded from PostgreSQL at start, then moved by the
// committed fixes and people changes that every instance hears on the live bus, and
// reloaded whole every minute as a safety net. Answers "everyone on duty in a town
// now" without a query, as JSON kept ready per person (see onDutyJson).
import type { Db } from '../server/db/pool.js';
import type { LiveBus, LiveEvent } from '../server/live/live-bus.js';
import { moduleLogger } from '../server/logger.js';

const log = moduleLogger('live-roster');
const RELOAD_MS = 60_000;

export interface RosterEntry {
  personId: number;
  name: string;
  roles: string[];
  dutyStatus: string;
  townId: number;
  lon: number | null;
  lat: number | null;
  fixTime: string | null;
  gridCode: string | null;
  accuracy: number | null;
  battery: number | null;
  speedMps: number | null;
}

interface PositionItem {
  personId: number;
  lon: number;
  lat: number;
  time: string;
  gridCode: string | null;
  speed: number | null;
  accuracy: number | null;
  battery: number | null;
}

const SELECT = `
  SELECT p.id AS "personId", p.name, p.roles::text[] AS roles, p.duty_status AS "dutyStatus", p.town_id AS "townId",
         c.lon, c.lat, c.fix_time AS "fixTime", g.code AS "gridCode", c.accuracy, c.battery, c.speed_mps AS "speedMps"
  FROM people p LEFT JOIN current_positions c ON c.person_id = p.id LEFT JOIN grid_versions g ON g.id = c.grid_version_id`;

type Stored = RosterEntry & {
  fixMs: number | null;
  /** The person's on-duty JSON up to the age and after it; null until asked for after a change. */
  jsonHead: string | null;
  jsonTail: string | null;
};

/** The age of a position in whole seconds at `now`; never negative (a phone's clock may run ahead). */
const ageSeconds = (fixMs: number | null, now: number) => (fixMs === null ? null : Math.max(0, Math.round((now - fixMs) / 1000)));

/** Encodes a person once per change: an on-duty answer then only splices in the age. */
function serialise(e: Stored): void {
  const { personId, name, roles, dutyStatus, lon, lat, fixTime, gridCode, accuracy, battery, speedMps } = e;
  e.jsonHead = `${JSON.stringify({ personId, name, roles, dutyStatus, lon, lat, fixTime }).slice(0, -1)},"ageSeconds":`;
  e.jsonTail = `,${JSON.stringify({ gridCode, accuracy, battery, speedMps }).slice(1)}`;
}

export class LiveRoster {
  private people = new Map<number, Stored>();
  // The same entries grouped by town, so a town's answer touches only its own people.
  private byTown = new Map<number, Map<number, Stored>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    const { rows } = await this.db.query<RosterEntry & { fixTime: Date | null }>(`${SELECT} ORDER BY p.id`);
    this.people = new Map();
    this.byTown = new Map();
    for (const r of rows) this.put(r);
  }

  /** Re-reads some people (after a change to them), or drops those that are gone. */
  async reloadPeople(ids: number[]): Promise<void> {
    const { rows } = await this.db.query<RosterEntry & { fixTime: Date | null }>(`${SELECT} WHERE p.id = ANY($1::bigint[]) ORDER BY p.id`, [ids]);
    for (const id of ids) {
      const old = this.people.get(id);
      if (old) this.byTown.get(old.townId)?.delete(id);
      this.people.delete(id);
    }
    for (const r of rows) this.put(r);
  }

  private put(r: RosterEntry & { fixTime: Date | null }): void {
    const entry: Stored = { ...r, fixTime: r.fixTime?.toISOString() ?? null, fixMs: r.fixTime?.getTime() ?? null, jsonHead: null, jsonTail: null };
    this.people.set(entry.personId, entry);
    let town = this.byTown.get(entry.townId);
    if (!town) this.byTown.set(entry.townId, (town = new Map()));
    town.set(entry.personId, entry);
  }

  follow(bus: LiveBus): void {
    bus.add({
      topics: new Set(['positions', 'people']),
      townIds: null,
      personId: null,
      send: (event: LiveEvent) => this.apply(event),
    });
    this.timer = setInterval(() => void this.load().catch((err: unknown) => log.warn({ err }, 'roster reload failed')), RELOAD_MS);
    this.timer.unref();
  }

  apply(event: LiveEvent): void {
    if (event.topic === 'people') {
      const { personIds } = event.data as { personIds: number[] };
      this.reloadPeople(personIds).catch((err: unknown) => log.warn({ err }, 'roster update failed'));
      return;
    }
    for (const item of (event.data as { items: PositionItem[] }).items) {
      const entry = this.people.get(item.personId);
      // Fixes can arrive out of order between instances; only newer ones move a person.
      if (!entry || (entry.fixTime !== null && entry.fixTime >= item.time)) continue;
      entry.lon = item.lon;
      entry.lat = item.lat;
      entry.fixTime = item.time;
      entry.fixMs = Date.parse(item.time);
      entry.gridCode = item.gridCode;
      entry.accuracy = item.accuracy;
      entry.battery = item.battery;
      entry.speedMps = item.speed;
      entry.jsonHead = entry.jsonTail = null;
    }
  }

  /**
   * Everyone on duty in a town as the JSON array of the on-duty answer, in person id
   * order, with each position's age at `now`.
   */
  onDutyJson(townId: number, now: number): { count: number; json: string } {
    const town = this.inIdOrder(townId);
    let json = '[';
    let count = 0;
    for (const e of town.values()) {
      if (e.dutyStatus === 'off_duty') continue;
      if (e.jsonHead === null || e.jsonTail === null) serialise(e);
      json += `${count++ ? ',' : ''}${e.jsonHead}${ageSeconds(e.fixMs, now)}${e.jsonTail}`;
    }
    return { count, json: `${json}]` };
  }

  /** The town's people by id: loaded in that order, but people added or re-read later stand at the end. */
  private inIdOrder(townId: number): Map<number, Stored> {
    const town = this.byTown.get(townId) ?? new Map<number, Stored>();
    let previous = -Infinity;
    for (const id of town.keys()) {
      if (id < previous) {
        const sorted = new Map([...town].sort((a, b) => a[0] - b[0]));
        this.byTown.set(townId, sorted);
        return sorted;
      }
      previous = id;
    }
    return town;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
