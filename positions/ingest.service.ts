// The way of a fix, in order: who sent it → can it be read → what do the checks make
// of it (flags, never a refusal) → which grid (version) at its time → durable in
// PostgreSQL (group commit) → live to the map.
import { LRUCache } from 'lru-cache';
import type { GridMap } from '../gis/module.js';
import {
  checkReadable,
  FLAG_BITS,
  flagNames,
  FixRejected,
  isJump,
  judgeFix,
  movement,
  type FixFlag,
  type FixLimits,
  type FixNote,
  type LastFix,
  type RawFix,
  type RejectReason,
} from './fix.js';
import type { DeviceDirectory, KnownDevice } from './device-directory.js';
import type { PositionWriter } from './position-writer.js';
import type { AcceptedFix } from './positions.repository.js';
import type { RejectionCounter } from './rejections.js';
import { TokenBuckets } from './token-buckets.js';

/** A device let in (known, not disabled): what the fix checks need of it. */
type ActiveDevice = Omit<KnownDevice, 'disabled'>;

export interface IngestOptions {
  limits: FixLimits;
  /** Requests a device may burst, then per second. */
  deviceBurst: number;
  devicePerSecond: number;
}

export interface FlaggedFix {
  index: number;
  /** Flags of a stored fix, or the reason a readable fix was only counted (no_fix, marked_invalid, expired). */
  flags: (FixFlag | RejectReason)[];
  stored: boolean;
  detail: string;
}

export interface BatchAnswer {
  accepted: number;
  duplicates: number;
  /** Fixes that could not be read (each a reason); the phone need not send them again. */
  rejected: { index: number; reason: string; detail: string }[];
  /** Fixes kept (or counted) with a flag. */
  flagged: FlaggedFix[];
}

export interface OneAnswer {
  outcome: 'stored' | 'duplicate' | 'counted';
  /** FLAG_BITS of the stored fix (flagNames() reads them). */
  flags: number;
}

/** What the jump check remembers of a device. */
interface DeviceTrack {
  /** The newest fix believed: every new fix is measured from it. */
  trusted?: LastFix;
  /** Fixes since a jump that agree with one another but not with `trusted`, oldest first. */
  suspects: { at: LastFix; fix: AcceptedFix }[];
  /** Clock-ahead fixes stored: the phone's time → the stored time, so a resend stays a duplicate. */
  ahead?: Map<number, number>;
  /** The newest fix time this device sent on the OsmAnd port, and whether one of its requests is being handled. */
  newestSent?: number;
  inFlight?: number;
}

interface Judged {
  fix: AcceptedFix | null;
  notes: FixNote[];
}

const AHEAD_REMEMBERED = 256;
/** A position this much older than its arrival was buffered on the phone. */
const CATCH_UP_AGE_MS = 60_000;

export class IngestService {
  private readonly tracks = new LRUCache<number, DeviceTrack>({ max: 500_000 });
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
    if (!device)
      throw this.refuse(ref, new FixRejected('unknown_device', `no registered device "${ref.slice(0, 64)}"`));
    if (device.disabled) throw this.refuse(ref, new FixRejected('device_disabled', `device "${ref}" is disabled`));
    return device;
  }

  async deviceByToken(token: string): Promise<KnownDevice | null> {
    const device = await this.devices.byTokenValue(token);
    if (device?.disabled)
      throw this.refuse(
        device.identifier,
        new FixRejected('device_disabled', `device "${device.identifier}" is disabled`),
      );
    return device;
  }

  /** Counts a refusal and returns it to be thrown. */
  refuse(ref: string, rejection: FixRejected): FixRejected {
    this.rejections.count(ref, rejection.reason, rejection.detail);
    return rejection;
  }

  /** One fix (the OsmAnd port): stored durably (perhaps flagged) or counted; a FixRejected only when unreadable. */
  async ingestOne(device: ActiveDevice, raw: RawFix): Promise<OneAnswer> {
    const track = this.track(device.deviceId);
    const now = Date.now();
    const t = raw.time.getTime();
    // A phone back from an outage sends its buffer one at a time, each position newer
    // than the one before and older than a minute: that catch-up is not a flood, and the
    // token bucket would hold it to one position per 30 s retry (Traccar Client waits
    // 30 s after a 429), keeping the phone's live position hours behind.
    const catchingUp = !track.inFlight && t < now - CATCH_UP_AGE_MS && t > (track.newestSent ?? -Infinity);
    if (!catchingUp) this.throttle(device);
    if (Number.isFinite(t)) track.newestSent = Math.max(track.newestSent ?? t, t);
    track.inFlight = (track.inFlight ?? 0) + 1;
    try {
      const unreadable = checkReadable(raw);
      if (unreadable) throw this.refuse(device.identifier, unreadable);
      const confirmations: AcceptedFix[] = [];
      const { fix } = this.judge(device, raw, now, 0, confirmations);
      if (!fix) return { outcome: 'counted', flags: 0 };
      const outcome = await this.writer.write(confirmations.length ? [fix, ...confirmations] : [fix]);
      return { outcome: outcome.inserted[0] ? 'stored' : 'duplicate', flags: fix.flags };
    } finally {
      track.inFlight--;
    }
  }

  /** Many fixes of one device (the phone app's batch API); refusals and flags are per fix. */
  async ingestBatch(device: ActiveDevice, raws: RawFix[]): Promise<BatchAnswer> {
    this.throttle(device);
    const now = Date.now();
    const rejected: BatchAnswer['rejected'] = [];
    const judged: { index: number; fix: AcceptedFix | null; notes: FixNote[] }[] = [];
    const confirmations: AcceptedFix[] = [];
    // A phone whose clock is ahead: the batch moves back as a whole, so its spacing stays.
    const { maxFutureMs } = this.options.limits;
    let aheadShift = 0;
    for (const r of raws)
      if (r.time.getTime() - now > maxFutureMs) aheadShift = Math.max(aheadShift, r.time.getTime() - now);
    // Oldest first, so each fix is checked against the one before it.
    const order = raws.map((_, i) => i).sort((a, b) => raws[a]!.time.getTime() - raws[b]!.time.getTime());
    for (const index of order) {
      const raw = raws[index]!;
      const unreadable = checkReadable(raw);
      if (unreadable) {
        this.refuse(device.identifier, unreadable);
        rejected.push({ index, reason: unreadable.reason, detail: unreadable.detail });
      } else {
        judged.push({ index, ...this.judge(device, raw, now, aheadShift, confirmations) });
      }
    }
    rejected.sort((a, b) => a.index - b.index);
    const fixes = judged.flatMap((j) => (j.fix ? [j.fix] : []));
    // Flags as they stand once the whole batch is judged: a later fix may confirm an outlier.
    const flagged = judged
      .filter((j) => (j.fix ? j.fix.flags !== 0 : j.notes.length > 0))
      .map((j) => ({
        index: j.index,
        flags: j.fix ? flagNames(j.fix.flags) : j.notes.map((n) => n.reason),
        stored: j.fix !== null,
        detail: j.notes.map((n) => n.detail).join('; '),
      }))
      .sort((a, b) => a.index - b.index);
    const outcome = await this.writer.write([...fixes, ...confirmations]);
    const accepted = outcome.inserted.slice(0, fixes.length).filter(Boolean).length;
    return { accepted, duplicates: fixes.length - accepted, rejected, flagged };
  }

  private throttle(device: ActiveDevice): void {
    if (!this.buckets.take(device.deviceId)) {
      throw this.refuse(
        device.identifier,
        new FixRejected('rate_limited', 'this device sends faster than a phone should; slow down'),
      );
    }
  }

  private track(deviceId: number): DeviceTrack {
    let track = this.tracks.get(deviceId);
    if (!track) this.tracks.set(deviceId, (track = { suspects: [] }));
    return track;
  }

  /**
   * The checks, the jump check against the device's trusted fix, and the grid. Every
   * note is counted. An earlier outlier this fix confirms (it agrees with the outliers
   * and not with the trusted fix, for `outlierConfirmFixes` fixes) loses its flag; if it
   * is already stored, a copy goes into `confirmations` to be written again.
   */
  private judge(
    device: ActiveDevice,
    raw: RawFix,
    now: number,
    aheadShift: number,
    confirmations: AcceptedFix[],
  ): Judged {
    const { limits } = this.options;
    const judgement = judgeFix(raw, now, limits, aheadShift);
    const notes = judgement.notes;
    if (!judgement.store) {
      this.countNotes(device, raw, notes, null);
      return { fix: null, notes };
    }
    const track = this.track(device.deviceId);
    let time = judgement.time;
    if (judgement.deviceTime) {
      const ahead = (track.ahead ??= new Map());
      const seen = ahead.get(raw.time.getTime());
      if (seen !== undefined) time = new Date(seen);
      else {
        ahead.set(raw.time.getTime(), time.getTime());
        if (ahead.size > AHEAD_REMEMBERED) ahead.delete(ahead.keys().next().value!);
      }
    }
    const t = time.getTime();
    const grid = this.gridMap.current.lookup(raw.lon, raw.lat, t);
    const fix: AcceptedFix = {
      deviceId: device.deviceId,
      personId: device.personId,
      townId: device.townId,
      time,
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
      flags: judgement.flags,
      deviceTime: judgement.deviceTime,
    };
    const here: LastFix = { time: t, lat: raw.lat, lon: raw.lon, accuracy: raw.accuracy };
    const fromTrusted = movement(here, track.trusted, limits);
    if (!track.trusted) track.trusted = here;
    else if (fromTrusted && !isJump(fromTrusted, limits)) {
      if (fromTrusted.speedMps > limits.maxSpeedMps && !(fix.flags & FLAG_BITS.fast)) {
        fix.flags |= FLAG_BITS.fast;
        notes.push({
          reason: 'fast',
          detail: `${Math.round(fromTrusted.metres)} m in ${fromTrusted.seconds.toFixed(0)} s: faster than on foot or an e-bike`,
        });
      }
      track.trusted = here;
      track.suspects = [];
    } else if (fromTrusted && track.suspects.some((s) => s.at.time === t)) {
      // A resend of an outlier (its 200 was lost): flagged as before, nothing learnt.
      fix.flags |= FLAG_BITS.outlier;
    } else if (fromTrusted) {
      const previous = track.suspects.at(-1);
      const fromPrevious = previous ? movement(here, previous.at, limits) : null;
      const agrees = fromPrevious !== null && !isJump(fromPrevious, limits);
      if (agrees) track.suspects.push({ at: here, fix });
      else track.suspects = [{ at: here, fix }];
      if (agrees && track.suspects.length > limits.outlierConfirmFixes) {
        // The phone really is here: the earlier outliers join the track.
        for (const s of track.suspects.slice(0, -1)) {
          s.fix.flags &= ~FLAG_BITS.outlier;
          confirmations.push({ ...s.fix, confirms: true });
        }
        track.trusted = here;
        track.suspects = [];
      } else {
        fix.flags |= FLAG_BITS.outlier;
        const since = new Date(track.trusted.time).toISOString();
        notes.push({
          reason: 'outlier',
          detail: `${Math.round(fromTrusted.metres)} m in ${fromTrusted.seconds.toFixed(0)} s since the fix at ${since}: a jump, left out of grid events, coverage and dispatch unless the next fixes confirm it`,
        });
      }
    }
    if (notes.length > 0) this.countNotes(device, raw, notes, time);
    return { fix, notes };
  }

  /** Counts what the checks said, with an example of what the phone sent. */
  private countNotes(device: ActiveDevice, raw: RawFix, notes: FixNote[], storedAt: Date | null): void {
    const example = {
      deviceTime: raw.time.toISOString(),
      storedAt: storedAt?.toISOString() ?? null,
      lat: raw.lat,
      lon: raw.lon,
      speed: raw.speedMps,
      accuracy: raw.accuracy,
    };
    for (const n of notes) this.rejections.count(device.identifier, n.reason, n.detail, example);
  }

  /** Seeds the jump check with each device's newest stored fix. */
  remember(rows: { device_id: number; fix_time: Date; lat: number; lon: number; accuracy: number | null }[]): void {
    for (const r of rows)
      this.tracks.set(r.device_id, {
        trusted: { time: r.fix_time.getTime(), lat: r.lat, lon: r.lon, accuracy: r.accuracy },
        suspects: [],
      });
  }
}
