import { expect } from 'chai';
import { parseOsmandQuery, parseOsmandTime, parseTraccarJson } from '../../../positions/osmand.js';
import {
  checkReadable,
  DEFAULT_LIMITS,
  flagNames,
  isJump,
  judgeFix,
  movement,
  FixRejected,
} from '../../../positions/fix.js';

const NOW = new Date('2026-11-22T04:00:00Z');
const q = (s: string) => parseOsmandQuery(new URLSearchParams(s), NOW);

describe('OsmAnd protocol decoding (captured requests, replayed as text)', () => {
  it('reads a Traccar Client query with speed in knots', () => {
    const fix = q(
      'id=123456&timestamp=1795300000&lat=28.9712&lon=118.7803&speed=10&bearing=90.5&altitude=52&accuracy=7.5&batt=83',
    );
    expect(fix).to.deep.include({
      deviceRef: '123456',
      lat: 28.9712,
      lon: 118.7803,
      heading: 90.5,
      altitude: 52,
      accuracy: 7.5,
      battery: 83,
      source: 'osmand',
    });
    expect(fix.speedMps).to.be.closeTo(5.1444, 1e-3);
    expect(fix.time.toISOString()).to.equal('2026-11-21T22:26:40.000Z');
  });

  it('takes deviceid and location=lat,lon, and keeps unknown parameters as attributes', () => {
    const fix = q('deviceid=abc&location=28.5,118.25&hdop=1.2&charge=true&driverUniqueId=42');
    expect(fix).to.deep.include({ deviceRef: 'abc', lat: 28.5, lon: 118.25 });
    expect(fix.attributes).to.deep.equal({ charge: 'true', driverUniqueId: '42', hdop: '1.2' });
  });

  it('reads every timestamp form: seconds, milliseconds, ISO 8601 and yyyy-MM-dd HH:mm:ss', () => {
    const expected = '2026-11-22T03:00:00.000Z';
    expect(parseOsmandTime('1795316400', NOW).toISOString()).to.equal(expected);
    expect(parseOsmandTime('1795316400000', NOW).toISOString()).to.equal(expected);
    expect(parseOsmandTime('2026-11-22T11:00:00+08:00', NOW).toISOString()).to.equal(expected);
    expect(parseOsmandTime('2026-11-22 03:00:00', NOW).toISOString()).to.equal(expected);
    expect(parseOsmandTime(undefined, NOW)).to.equal(NOW);
    expect(() => parseOsmandTime('yesterday', NOW)).to.throw(FixRejected, /not a time/);
  });

  it('treats a negative speed or bearing as unknown', () => {
    const fix = q('id=1&lat=1&lon=1&speed=-1&bearing=-1');
    expect(fix.speedMps).to.equal(null);
    expect(fix.heading).to.equal(null);
  });

  it('refuses garbage with the parameter named', () => {
    expect(() => q('id=1&lat=abc&lon=1')).to.throw(FixRejected, /lat "abc"/);
    expect(() => q('id=1&lat=1')).to.throw(FixRejected, /lat and lon/);
    expect(() => q('lat=1&lon=1')).to.throw(FixRejected, /id/);
    expect(q('id=1&lat=1&lon=1&valid=false').markedInvalid).to.equal(true);
  });

  it('reads the current Traccar Client JSON body', () => {
    const fix = parseTraccarJson(
      {
        location: {
          timestamp: '2026-11-22T03:59:30.000Z',
          coords: { latitude: 28.97, longitude: 118.78, accuracy: 4.2, speed: 1.3, heading: -1, altitude: 40 },
          is_moving: true,
          odometer: 1200,
          event: 'motionchange',
          battery: { level: 0.56, is_charging: false },
          activity: { type: 'walking' },
        },
        device_id: 'phone-7',
      },
      NOW,
    );
    expect(fix).to.deep.include({
      deviceRef: 'phone-7',
      lat: 28.97,
      lon: 118.78,
      accuracy: 4.2,
      speedMps: 1.3,
      heading: null,
      battery: 56,
      source: 'traccar-json',
    });
    expect(fix.attributes).to.deep.include({ is_moving: true, event: 'motionchange', charge: false });
  });

  it('refuses JSON that is not the protocol', () => {
    expect(() => parseTraccarJson([1, 2], NOW)).to.throw(FixRejected, /object/);
    expect(() => parseTraccarJson({ device_id: 'x' }, NOW)).to.throw(FixRejected, /location/);
    expect(() =>
      parseTraccarJson({ device_id: 'x', location: { coords: { latitude: 'a', longitude: 1 } } }, NOW),
    ).to.throw(FixRejected, /latitude/);
  });
});

describe('fix checks', () => {
  const base = {
    deviceRef: 'd',
    time: NOW,
    lat: 28.97,
    lon: 118.78,
    speedMps: 1.2,
    heading: null,
    altitude: null,
    accuracy: 5,
    battery: null,
    attributes: null,
    source: 'osmand' as const,
  };
  const now = NOW.getTime();
  const judge = (fix: Partial<typeof base> & { markedInvalid?: boolean }, shift = 0) =>
    judgeFix({ ...base, ...fix }, now, DEFAULT_LIMITS, shift);

  it('passes a walking gridworker with no flag', () => {
    expect(checkReadable(base)).to.equal(null);
    expect(judge({})).to.deep.include({ store: true, flags: 0, deviceTime: null, notes: [] });
  });

  it('refuses only what cannot be read: coordinates off the Earth, a time that is not one', () => {
    expect(checkReadable({ ...base, lat: 91 })?.reason).to.equal('coordinates_out_of_range');
    expect(checkReadable({ ...base, lon: Number.NaN })?.reason).to.equal('malformed');
    expect(checkReadable({ ...base, time: new Date(Number.NaN) })?.reason).to.equal('malformed');
  });

  it('flags a late fix, a clock ahead (stored at the receive time) and a vehicle, and counts 0,0 only', () => {
    expect(flagNames(judge({ time: new Date(now - 2 * 86_400_000) }).flags)).to.deep.equal(['late']);
    const ahead = judge({ time: new Date(now + 3_600_000) });
    expect(flagNames(ahead.flags)).to.deep.equal(['clock_ahead']);
    expect(ahead.time.getTime()).to.equal(now);
    expect(ahead.deviceTime!.getTime()).to.equal(now + 3_600_000);
    expect(ahead.notes[0]!.detail).to.match(/60 min ahead/);
    // In a batch the whole batch moves back by the newest fix's lead, so its spacing stays.
    expect(judge({ time: new Date(now + 3_590_000) }, 3_600_000).time.getTime()).to.equal(now - 10_000);
    expect(flagNames(judge({ speedMps: 28 }).flags)).to.deep.equal(['fast']);
    expect(judge({ lat: 0, lon: 0 })).to.deep.include({ store: false, flags: 0 });
    expect(judge({ lat: 0, lon: 0 }).notes[0]!.reason).to.equal('no_fix');
    expect(judge({ markedInvalid: true }).notes[0]!.reason).to.equal('marked_invalid');
    expect(judge({ time: new Date(now - 400 * 86_400_000) }).notes[0]!.reason).to.equal('expired');
  });

  it('calls a jump faster than a car an outlier, lets a car through, and caps the accuracy a sender claims', () => {
    const last = { time: now - 10_000, lat: 28.97, lon: 118.78, accuracy: 5 };
    const at = (lat: number, accuracy: number | null = 5) => ({ time: now, lat, lon: 118.78, accuracy });
    // 0.01° of latitude is 1.1 km in 10 s.
    expect(isJump(movement(at(28.98), last))).to.equal(true);
    // A car at 30 m/s: 300 m in 10 s.
    expect(isJump(movement(at(28.9727), last))).to.equal(false);
    // 150 m in 10 s with 100 m accuracy is noise, not a jump.
    expect(movement(at(28.97135, 100), last)!.speedMps).to.equal(0);
    // A sender claiming 50 km accuracy widens the check by 100 m only.
    expect(isJump(movement(at(28.98, 50_000), last))).to.equal(true);
  });
});
