// The measurements of a fix must be numbers a phone could send and a `real` column can
// hold: 1e308 m of altitude is not a reading, and would fail in the database as a 500.
import { FixRejected, type RawFix } from './fix.js';

const RANGES: [keyof RawFix, string, number, number][] = [
  ['speedMps', 'speed', 0, 1e6],
  ['heading', 'heading', 0, 360],
  ['altitude', 'altitude', -20_000, 100_000],
  ['accuracy', 'accuracy', 0, 1e7],
  ['battery', 'battery', -1, 100],
];

export function checkMeasurements(fix: RawFix): FixRejected | null {
  for (const [field, name, min, max] of RANGES) {
    const v = fix[field];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      return new FixRejected('malformed', `${name} ${String(v).slice(0, 30)} is outside ${min}–${max}`);
    }
  }
  return null;
}
