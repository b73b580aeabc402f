// The tiny town with gridworkers standing where a test wants them, and the incident
// workers (real BullMQ processors) running in process against the test's Redis prefix.
import { expect } from 'chai';
import type pg from 'pg';
import { until } from './system.js';
import type { TestApi } from './api.js';
import { HttpClient } from './http.js';
import { inGrid, tinyTownWithPeople, type Phone, type TinyTownWithPeople } from './roster.js';
import { startIncidentWorkers, type RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import { EventStream } from './sse.js';

export interface IncidentTown extends TinyTownWithPeople {
  dispatcher: HttpClient;
  phone(i: number): HttpClient;
  /** A phone's own push stream (its offers). */
  listen(i: number): Promise<EventStream>;
  /** Puts phone i at a point with a fresh fix. */
  place(i: number, at: { lon: number; lat: number }): Promise<void>;
}

/** Settings that make dispatch fast enough to watch in a test. */
export const FAST_DISPATCH = {
  OFFER_TIMEOUT_S: '1.5',
  DISPATCH_MAX_MISSES: '3',
  FIX_MAX_SPEED_MPS: '100000',
  FIX_MAX_JUMP_SPEED_MPS: '100000',
  INCIDENT_SWEEP_S: '0.5',
};

export async function incidentTown(t: TestApi, people: number): Promise<IncidentTown> {
  const town = await tinyTownWithPeople(t, people);
  const dispatcher = await t.login(['dispatcher', 'operator'], [town.townId]);
  const clock = new Map<number, number>();
  const phoneClient = (i: number) => t.anonymous.as(town.phones[i]!.token);
  const streams: EventStream[] = [];
  return {
    ...town,
    dispatcher,
    phone: phoneClient,
    async listen(i) {
      const stream = new EventStream(`${t.api.url}/api/phone/live`, town.phones[i]!.token);
      await stream.ready;
      streams.push(stream);
      return stream;
    },
    async place(i, at) {
      // Fix times only move forward per phone, and stay after the grids' publication.
      const time = Math.max(Date.now(), (clock.get(i) ?? 0) + 1000);
      clock.set(i, time);
      const res = await phoneClient(i).post('/api/positions/batch', {
        fixes: [{ time, lon: at.lon, lat: at.lat, accuracy: 5 }],
      });
      expect(res.body.accepted, JSON.stringify(res.body)).to.equal(1);
    },
  };
}

export function phoneOf(town: IncidentTown, i: number): Phone {
  return town.phones[i]!;
}

export function runWorkers(t: TestApi): RunningIncidentWorkers {
  const url = t.api.services.config.REDIS_URL;
  return startIncidentWorkers(t.api.services.incidents, t.api.services.db, url, t.redisPrefix);
}

export { inGrid };

/** Waits until every one of these incidents is offered to a gridworker (state dispatched). */
export async function untilDispatched(db: pg.Pool, ids: number[], ms = 30_000): Promise<void> {
  await until(
    'every incident to be offered',
    async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM incidents WHERE id = ANY($1) AND state = 'dispatched'`,
        [ids],
      );
      return rows[0]!.n === ids.length;
    },
    ms,
  );
}
