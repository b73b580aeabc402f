// Who is where, kept in memory on every api instance, the way a tracking server
// keeps its latest positions: loaded from PostgreSQL at start, then moved by the
// committed fixes and people changes that every instance hears on the live bus, and
// reloaded whole every minute as a safety net. Answers "everyone on duty in a town
// now" without a query, from JSON kept ready per town (see onDutyJson).
import type { Db } from '../platform/db/pool.js';
import type { LiveBus, LiveEvent } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';

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
const ageText = (fixMs: number | null, now: number) =>
  fixMs === null ? 'null' : String(Math.max(0, Math.round((now - fixMs) / 1000)));

function encode(e: Stored): Encoded {
  const { personId, name, roles, dutyStatus, lon, lat, fixTime, gridCode, accuracy, battery, speedMps } = e;
  return {
    head: Buffer.from(
      `${JSON.stringify({ personId, name, roles, dutyStatus, lon, lat, fixTime }).slice(0, -1)},"ageSeconds":`,
    ),
    tail: Buffer.from(`,${JSON.stringify({ gridCode, accuracy, battery, speedMps }).slice(1)}`),
  };
}

/**
 * A town's on-duty JSON array, kept until someone in the town changes. Each age sits
 * in a slot of fixed width, padded with spaces (JSON allows them before the comma), so
 * an answer only rewrites the ages in place and copies the buffer.
 */
interface TownAnswer {
  json: Buffer;
  count: number;
  ages: { offset: number; fixMs: number | null }[];
}

const AGE_WIDTH = 12;
const SPACE = 0x20;

export class LiveRoster {
  private people = new Map<number, Stored>();
  // The same entries grouped by town, so a town's answer touches only its own people.
  private byTown = new Map<number, Map<number, Stored>>();
  private answers = new Map<number, TownAnswer>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    const { rows } = await this.db.query<RosterEntry & { fixTime: Date | null }>(`${SELECT} ORDER BY p.id`);
    this.people = new Map();
    this.byTown = new Map();
    this.answers = new Map();
    for (const r of rows) this.put(r);
  }

  /** Re-reads some people (after a change to them), or drops those that are gone. */
  async reloadPeople(ids: number[]): Promise<void> {
    const { rows } = await this.db.query<RosterEntry & { fixTime: Date | null }>(
      `${SELECT} WHERE p.id = ANY($1::bigint[]) ORDER BY p.id`,
      [ids],
    );
    for (const id of ids) {
      const old = this.people.get(id);
      if (old) {
        this.byTown.get(old.townId)?.delete(id);
        this.answers.delete(old.townId);
      }
      this.people.delete(id);
    }
    for (const r of rows) this.put(r);
  }

  private put(r: RosterEntry & { fixTime: Date | null }): void {
    const entry: Stored = {
      ...r,
      fixTime: r.fixTime?.toISOString() ?? null,
      fixMs: r.fixTime?.getTime() ?? null,
      encoded: null,
    };
    this.people.set(entry.personId, entry);
    let town = this.byTown.get(entry.townId);
    if (!town) this.byTown.set(entry.townId, (town = new Map()));
    town.set(entry.personId, entry);
    this.answers.delete(entry.townId);
  }

  follow(bus: LiveBus): void {
    bus.add({
      topics: new Set(['positions', 'people']),
      townIds: null,
      personId: null,
      send: (event: LiveEvent) => this.apply(event),
    });
    this.timer = setInterval(
      () => void this.load().catch((err: unknown) => log.warn({ err }, 'roster reload failed')),
      RELOAD_MS,
    );
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
      this.answers.delete(entry.townId);
    }
  }

  /**
   * Everyone on duty in a town as the UTF-8 JSON array of the on-duty answer, in
   * person id order, with each position's age at `now`; a copy the caller may keep.
   */
  onDutyJson(townId: number, now: number): { count: number; json: Buffer } {
    let answer = this.answers.get(townId);
    if (!answer) this.answers.set(townId, (answer = this.encodeTown(townId)));
    const { json, ages } = answer;
    for (const { offset, fixMs } of ages) {
      const age = ageText(fixMs, now);
      for (let k = 0; k < AGE_WIDTH; k++) json[offset + k] = k < age.length ? age.charCodeAt(k) : SPACE;
    }
    return { count: answer.count, json: Buffer.from(json) };
  }

  /** Joins the people's encodings (made again only for those who changed), leaving a slot for each age. */
  private encodeTown(townId: number): TownAnswer {
    const people: Stored[] = [];
    let size = 2;
    for (const e of this.inIdOrder(townId).values()) {
      if (e.dutyStatus === 'off_duty') continue;
      e.encoded ??= encode(e);
      size += e.encoded.head.length + AGE_WIDTH + e.encoded.tail.length + 1;
      people.push(e);
    }
    const json = Buffer.alloc(size, SPACE);
    const ages: TownAnswer['ages'] = [];
    let at = json.write('[', 0, 'latin1');
    for (const [i, e] of people.entries()) {
      if (i > 0) at += json.write(',', at, 'latin1');
      at += e.encoded!.head.copy(json, at);
      ages.push({ offset: at, fixMs: e.fixMs });
      at += AGE_WIDTH;
      at += e.encoded!.tail.copy(json, at);
    }
    at += json.write(']', at, 'latin1');
    return { json: json.subarray(0, at), count: people.length, ages };
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
