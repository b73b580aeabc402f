// The checks every position fix passes before it is stored: refused only when it cannot
// be read; otherwise stored with flags (late, clock ahead, fast) or counted only.
import { expect } from 'chai';
import {
  checkReadable,
  DEFAULT_LIMITS,
  FLAG_BITS,
  flagNames,
  isJump,
  judgeFix,
  movement,
  type RawFix,
} from '../../../positions/fix.js';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const MIN = 60_000;

function fix(over: Partial<RawFix> = {}): RawFix {
  return {
    deviceRef: 'phone-1',
    time: new Date(NOW - 5_000),
    lat: 30.2741,
    lon: 120.1551,
    speedMps: 1.2,
    heading: null,
    altitude: null,
    accuracy: 8,
    battery: 80,
    attributes: null,
    source: 'osmand',
    ...over,
  };
}

describe('position fix checks', () => {
  it('refuses only what cannot be read: no numbers, off the Earth, no time', () => {
    expect(checkReadable(fix())).to.equal(null);
    expect(checkReadable(fix({ lat: Number.NaN }))?.reason).to.equal('malformed');
    expect(checkReadable(fix({ lat: 91 }))?.reason).to.equal('coordinates_out_of_range');
    expect(checkReadable(fix({ lon: -181 }))?.detail).to.contain('not on Earth');
    expect(checkReadable(fix({ time: new Date('not a time') }))?.reason).to.equal('malformed');
  });

  it('stores a fresh fix as sent, with no flags', () => {
    const j = judgeFix(fix(), NOW, DEFAULT_LIMITS);
    expect(j).to.deep.include({ store: true, flags: 0, deviceTime: null, notes: [] });
    expect(j.time.getTime()).to.equal(NOW - 5_000);
  });

  it('counts only a fix at 0,0, one the phone marked invalid, and one older than the history kept', () => {
    expect(judgeFix(fix({ lat: 0, lon: 0 }), NOW, DEFAULT_LIMITS).notes[0]?.reason).to.equal('no_fix');
    expect(judgeFix(fix({ markedInvalid: true }), NOW, DEFAULT_LIMITS).notes[0]?.reason).to.equal('marked_invalid');
    const old = judgeFix(fix({ time: new Date(NOW - DEFAULT_LIMITS.maxAgeMs - MIN) }), NOW, DEFAULT_LIMITS);
    expect(old).to.deep.include({ store: false });
    expect(old.notes[0]?.reason).to.equal('expired');
  });

  it('keeps a late fix in the history with the late flag', () => {
    const j = judgeFix(fix({ time: new Date(NOW - 2 * 3_600_000) }), NOW, DEFAULT_LIMITS);
    expect(j.store).to.equal(true);
    expect(flagNames(j.flags)).to.deep.equal(['late']);
    expect(j.notes[0]?.detail).to.contain('120 min late');
  });

  it('moves a fix from a clock ahead back to the receive time and keeps the phone time', () => {
    const ahead = new Date(NOW + 30 * MIN);
    const j = judgeFix(fix({ time: ahead }), NOW, DEFAULT_LIMITS);
    expect(j.flags).to.equal(FLAG_BITS.clock_ahead);
    expect(j.time.getTime()).to.equal(NOW);
    expect(j.deviceTime).to.deep.equal(ahead);
    // A batch is shifted back by one amount for all, so its spacing stays.
    expect(judgeFix(fix({ time: ahead }), NOW, DEFAULT_LIMITS, 40 * MIN).time.getTime()).to.equal(NOW - 10 * MIN);
  });

  it('flags a speed beyond foot or e-bike as fast, and stores it all the same', () => {
    const j = judgeFix(fix({ speedMps: 25 }), NOW, DEFAULT_LIMITS);
    expect(j.store).to.equal(true);
    expect(flagNames(j.flags)).to.deep.equal(['fast']);
  });

  it('calls a jump faster than any car an outlier, forgiving GPS noise and capped accuracy', () => {
    const last = { time: NOW - 10_000, lat: 30.2741, lon: 120.1551, accuracy: 10 };
    // 1 km in 10 s: 100 m/s, no car.
    const far = movement({ time: NOW, lat: 30.2831, lon: 120.1551, accuracy: 10 }, last)!;
    expect(far.metres).to.be.closeTo(1000, 5);
    expect(isJump(far)).to.equal(true);
    // 60 m in 10 s with 10 m accuracy on both: within the noise.
    expect(isJump(movement({ time: NOW, lat: 30.27464, lon: 120.1551, accuracy: 10 }, last))).to.equal(false);
    // A sender cannot excuse a jump by claiming a huge accuracy: capped at 100 m.
    const excused = movement({ time: NOW, lat: 30.2831, lon: 120.1551, accuracy: 1_000_000 }, last)!;
    expect(isJump(excused)).to.equal(true);
    // Not after the previous fix: no movement to judge.
    expect(movement({ ...last, time: last.time - 1 }, last)).to.equal(null);
  });
});
