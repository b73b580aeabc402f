// The way of a fix, in order: who sent it → is it plausible → which grid (version)
// at its time → durable in PostgreSQL (group commit) → live to the map.
import { LRUCache } from 'lru-cache';
import type { GridMap } from '../gis/map-revision.js';
import { checkFix, checkJump, FixRejected, type FixLimits, type LastFix, type RawFix } from './fix.js';
import type { DeviceDirectory, KnownDevice } from './device-directory.js';
import type { PositionWriter } from './position-writer.js';
import type { AcceptedFix } from './positions.repository.js';
import type { RejectionCounter } from './rejections.js';
import { TokenBuckets } from './token-buckets.js';

export interface IngestOptions {
  limits: FixLimits;
  /** Requests a device may burst, then per second. */
  deviceBurst: number;
  devicePerSecond: number;
}

export interface BatchAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string; detail: string }[];
}

export class IngestService {
  private readonly last = new LRUCache<number, LastFix>({ max: 500_000 });
  private readonly buckets: TokenBuckets;

  constructor(
    private readonly devices: DeviceDirectory,
    private readonly gridMap: GridMap,
    private readonly writer: PositionWriter,
    private readonly rejections: RejectionCounter,
    private readonly options: IngestOptions,
  ) {
    this.buckets = new TokenBuckets(options.deviceBurst, options.devicePerSecond);
  }

  /** The device behind an OsmAnd reference, or a counted refusal. */
  async deviceByRef(ref: string): Promise<KnownDevice> {
    const device = await this.devices.byIdentifierRef(ref);
    if (!device) throw this.refuse(ref, new FixRejected('unknown_device', `no registered device "${ref.slice(0, 64)}"`));
    if (device.disabled) throw this.refuse(ref, new FixRejected('device_disabled', `device "${ref}" is disabled`));
    return device;
  }

  async deviceByToken(token: string): Promise<KnownDevice | null> {
    const device = await this.devices.byTokenValue(token);
    if (device?.disabled) throw this.refuse(device.identifier, new FixRejected('device_disabled', `device "${device.identifier}" is disabled`));
    return device;
  }

  /** Counts a refusal and returns it to be thrown. */
  refuse(ref: string, rejection: FixRejected): FixRejected {
    this.rejections.count(ref, rejection.reason, rejection.detail);
    return rejection;
  }

  /** One fix (the OsmAnd port): stored durably, or a FixRejected. */
  async ingestOne(device: KnownDevice, raw: RawFix): Promise<'stored' | 'duplicate'> {
    this.throttle(device);
    const fix = this.accept(device, raw, Date.now());
    const outcome = await this.writer.write([fix]);
    return outcome.inserted[0] ? 'stored' : 'duplicate';
  }

  /** Many fixes of one device (the phone app's batch API); refusals are per fix. */
  async ingestBatch(device: KnownDevice, raws: RawFix[]): Promise<BatchAnswer> {
    this.throttle(device);
    const now = Date.now();
    const rejected: BatchAnswer['rejected'] = [];
    const fixes: AcceptedFix[] = [];
    // Oldest first, so each fix is checked against the one before it.
    const order = raws.map((_, i) => i).sort((a, b) => raws[a]!.time.getTime() - raws[b]!.time.getTime());
    for (const i of order) {
      try {
        fixes.push(this.accept(device, raws[i]!, now));
      } catch (err) {
        if (!(err instanceof FixRejected)) throw err;
        rejected.push({ index: i, reason: err.reason, detail: err.detail });
      }
    }
    rejected.sort((a, b) => a.index - b.index);
    const outcome = await this.writer.write(fixes);
    const accepted = outcome.inserted.filter(Boolean).length;
    return { accepted, duplicates: fixes.length - accepted, rejected };
  }

  private throttle(device: KnownDevice): void {
    if (!this.buckets.take(device.deviceId)) {
      throw this.refuse(device.identifier, new FixRejected('rate_limited', 'this device sends faster than a phone should; slow down'));
    }
  }

  private accept(device: KnownDevice, raw: RawFix, now: number): AcceptedFix {
    const problem = checkFix(raw, now, this.options.limits) ?? checkJump(raw, this.last.get(device.deviceId), this.options.limits);
    if (problem) throw this.refuse(device.identifier, problem);
    const t = raw.time.getTime();
    const previous = this.last.get(device.deviceId);
    if (!previous || t > previous.time) this.last.set(device.deviceId, { time: t, lat: raw.lat, lon: raw.lon, accuracy: raw.accuracy });
    const grid = this.gridMap.current.lookup(raw.lon, raw.lat, t);
    return {
      deviceId: device.deviceId,
      personId: device.personId,
      townId: device.townId,
      time: raw.time,
      lon: raw.lon,
      lat: raw.lat,
      speedMps: raw.speedMps,
      heading: raw.heading,
      altitude: raw.altitude,
      accuracy: raw.accuracy,
      battery: raw.battery,
      gridId: grid?.gridId ?? null,
      gridVersionId: grid?.versionId ?? null,
      source: raw.source,
      attributes: raw.attributes,
    };
  }

  /** Seeds the jump check with each device's newest stored fix. */
  remember(rows: { device_id: number; fix_time: Date; lat: number; lon: number; accuracy: number | null }[]): void {
    for (const r of rows) this.last.set(r.device_id, { time: r.fix_time.getTime(), lat: r.lat, lon: r.lon, accuracy: r.accuracy });
  }
}
