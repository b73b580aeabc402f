// Turns committed fixes into live events for the map: one `positions` event per town
// per commit (only fixes that moved someone forward), and each grid enter / exit.
import type { GridMap } from '../gis/module.js';
import type { LiveBus, LiveEvent } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import type { AcceptedFix, BatchResult } from './positions.repository.js';
import type { LiveRoster } from './live-roster.js';

const log = moduleLogger('live-positions');

export function publishCommittedPositions(bus: LiveBus, gridMap: GridMap, roster: LiveRoster) {
  return (fixes: AcceptedFix[], result: BatchResult): void => {
    const byTown = new Map<number, unknown[]>();
    for (const i of result.moved) {
      const f = fixes[i]!;
      const grid = f.gridVersionId ? gridMap.current.version(f.gridVersionId) : undefined;
      const items = byTown.get(f.townId) ?? [];
      items.push({
        personId: f.personId,
        deviceId: f.deviceId,
        lon: f.lon,
        lat: f.lat,
        time: f.time.toISOString(),
        gridCode: grid?.code ?? null,
        speed: f.speedMps,
        heading: f.heading,
        accuracy: f.accuracy,
        battery: f.battery,
      });
      byTown.set(f.townId, items);
    }
    const events: LiveEvent[] = [...byTown].map(([townId, items]) => ({ topic: 'positions', townId, data: { items } }));
    const townOf = new Map(fixes.map((f) => [f.personId, f.townId]));
    for (const e of result.events) {
      events.push({
        topic: 'grid_events',
        townId: townOf.get(e.personId)!,
        data: { ...e, gridCode: gridMap.current.version(e.gridVersionId)?.code ?? null },
      });
    }
    // This instance's roster moves at once; the others when the bus brings the event.
    for (const e of events) if (e.topic === 'positions') roster.apply(e);
    bus.publish(events).catch((err: unknown) => log.warn({ err }, 'live positions not published'));
  };
}
