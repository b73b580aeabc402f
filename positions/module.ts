// Positions: fixes from the phones (batch API) and OsmAnd/Traccar clients, checked, grid-
// stamped and written in group commits; the live roster (who is where, on duty); the
// tracks and the day's figures. Public face: the ingest (a device by its token, which the
// HTTP layer uses for `access: 'device'`) and the fix check's rejection.
import type { DomainModule, Platform } from '../platform/module.js';
import { rootLogger } from '../platform/logger.js';
import { whenAvailable } from '../platform/dependency-errors.js';
import type { GisServices } from '../gis/module.js';
import type { PeopleServices } from '../people/module.js';
import { DeviceDirectory } from './device-directory.js';
import { IngestService } from './ingest.service.js';
import { PositionWriter } from './position-writer.js';
import { RejectionCounter } from './rejections.js';
import { TrackingService } from './tracking.service.js';
import { positionsRoutes } from './positions.routes.js';
import { publishCommittedPositions } from './live-positions.js';
import { PositionsRepository } from './positions.repository.js';
import { LiveRoster } from './live-roster.js';

export { FixRejected } from './fix.js';
export { startOsmandServer, type RunningOsmand } from './osmand-server.js';
export type { IngestService } from './ingest.service.js';

export interface PositionsServices {
  devices: DeviceDirectory;
  rejections: RejectionCounter;
  writer: PositionWriter;
  ingest: IngestService;
  roster: LiveRoster;
  tracking: TrackingService;
}

const HOUR_MS = 3_600_000;

export function positionsModule(
  p: Platform,
  gis: Pick<GisServices, 'gridMap'>,
  people: PeopleServices,
): DomainModule<PositionsServices> {
  const { config, db, live } = p;
  const { gridMap } = gis;
  const devices = new DeviceDirectory(db);
  const roster = new LiveRoster(db);
  people.people.onChange(async (personIds) => {
    devices.forget();
    // This instance's roster at once; the others when they hear of it.
    await roster.reloadPeople(personIds);
    await live.publish([{ topic: 'people', townId: 0, data: { personIds } }]).catch(() => undefined);
  });
  const rejections = new RejectionCounter(db);
  // Two statements in flight: one runs while the other commits and its callers are answered.
  const writer = new PositionWriter(db, { maxBatch: 2000, maxQueued: config.POSITION_QUEUE_MAX, concurrency: 2 });
  writer.onCommitted(publishCommittedPositions(live, gridMap, roster));
  const ingest = new IngestService(devices, gridMap, writer, rejections, {
    limits: {
      maxFutureMs: config.FIX_MAX_FUTURE_S * 1000,
      maxAgeMs: config.POSITION_RETENTION_DAYS * 86_400_000,
      maxSpeedMps: config.FIX_MAX_SPEED_MPS,
      lateAfterMs: config.FIX_LATE_AFTER_S * 1000,
      maxJumpSpeedMps: config.FIX_MAX_JUMP_SPEED_MPS,
      maxAccuracyM: config.FIX_MAX_ACCURACY_M,
      outlierConfirmFixes: config.FIX_OUTLIER_CONFIRM_FIXES,
    },
    deviceBurst: config.DEVICE_BURST,
    devicePerSecond: config.DEVICE_PER_SECOND,
  });
  const tracking = new TrackingService(db, roster, gridMap, config.TOWN_UTC_OFFSET_HOURS);
  let maintenance: NodeJS.Timeout | undefined;
  const maintain = () => writer.maintain(config.POSITION_RETENTION_DAYS);
  return {
    name: 'positions',
    services: { devices, rejections, writer, ingest, roster, tracking },
    routes: positionsRoutes(ingest, tracking, { rejections, writer }),
    liveTopics: ['positions', 'grid_events'],
    gauges: [
      { name: 'wangge_position_queue', help: 'Fixes waiting to be written', read: () => writer.stats.queued },
      { name: 'wangge_positions_written', help: 'Fixes written since start', read: () => writer.stats.written },
    ],
    async start() {
      await whenAvailable('live roster', () => roster.load(), rootLogger);
      roster.follow(live);
      await whenAvailable('position partitions', maintain, rootLogger);
      maintenance = setInterval(() => void maintain().catch(() => undefined), HOUR_MS);
      maintenance.unref();
      rejections.start();
      await whenAvailable('device directory', () => devices.warm(), rootLogger);
      ingest.remember(await whenAvailable('last fixes', () => new PositionsRepository(db).lastFixes(), rootLogger));
    },
    async stop() {
      clearInterval(maintenance);
      roster.stop();
      await rejections.stop();
    },
  };
}
