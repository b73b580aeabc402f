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

/** A person's on-duty JSON in UTF-8, cut where the age goes (it changes every second). */
interface Encoded {
  head: Buffer;
  tail: Buffer;
}

type Stored = RosterEntry & {
  fixMs: number | null;
  /** Null after a change, until an on-duty answer needs it. */
  encoded: Encoded | null;
};

/** The age of a position in whole seconds at `now`; never negative (a phone's clock may run ahead). */
const ageText = (fixMs: number | null, now: number) => (fixMs === null ? 'null' : String(Math.max(0, Math.round((now - fixMs) / 1000))));

function encode(e: Stored): Encoded {
  const { personId, name, roles, dutyStatus, lon, lat, fixTime, gridCode, accuracy, battery, speedMps } = e;
  return {
    head: Buffer.from(`${JSON.stringify({ personId, name, roles, dutyStatus, lon, lat, fixTime }).slice(0, -1)},"ageSeconds":`),
    tail: Buffer.from(`,${JSON.stringify({ gridCode, accuracy, battery, speedMps }).slice(1)}`),
  };
}

const COMMA = 0x2c;

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
    const entry: Stored = { ...r, fixTime: r.fixTime?.toISOString() ?? null, fixMs: r.fixTime?.getTime() ?? null, encoded: null };
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
      entry.encoded = null;
    }
  }

  /**
   * Everyone on duty in a town as the UTF-8 JSON array of the on-duty answer, in
   * person id order, with each position's age at `now`: the people's encodings are
   * copied into one buffer, so an answer costs a copy, not an encoding of everyone.
   */
  onDutyJson(townId: number, now: number): { count: number; json: Buffer } {
    const people: Stored[] = [];
    let size = 2;
    for (const e of this.inIdOrder(townId).values()) {
      if (e.dutyStatus === 'off_duty') continue;
      e.encoded ??= encode(e);
      size += e.encoded.head.length + e.encoded.tail.length + 12;
      people.push(e);
    }
    const json = Buffer.allocUnsafe(size);
    let at = 0;
    json[at++] = 0x5b; // [
    for (let i = 0; i < people.length; i++) {
      const e = people[i]!;
      const { head, tail } = e.encoded!;
      if (i > 0) json[at++] = COMMA;
      at += head.copy(json, at);
      const age = ageText(e.fixMs, now);
      for (let k = 0; k < age.length; k++) json[at++] = age.charCodeAt(k);
      at += tail.copy(json, at);
    }
    json[at++] = 0x5d; // ]
    return { count: people.length, json: json.subarray(0, at) };
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
