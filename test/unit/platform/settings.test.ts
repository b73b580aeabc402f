// The settings have one place: platform/config.ts parses every variable (the recording
// ones too), a bad value is refused naming it, and the README's settings table lists
// each variable there is.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ConfigError, parseConfig, SETTINGS } from '../../../platform/config.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The variables named in the first column of the README's "Settings" table. */
function readmeSettings(): Set<string> {
  const section = README.split(/^## Settings$/m)[1]!.split(/^## /m)[0]!;
  const names = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
  return new Set(names);
}

describe('settings: one place, listed in the README', () => {
  it('parses the recording settings with local defaults', () => {
    const cfg = parseConfig({});
    expect(cfg).to.deep.include({
      RECORDINGS_DIR: 'var/recordings',
      RECORDINGS_QUOTA_MB: 0,
      RECORDINGS_MIN_FREE_MB: 1024,
      RECORDING_SEGMENT_S: 4,
      RECORDING_BUFFER_S: 180,
      RECORDER_LEASE_MS: 6000,
      RECORDER_MAX_CAMERAS: 200,
      EXPORT_MAX_S: 1800,
      EVIDENCE_KEEP_DAYS: 180,
      EVIDENCE_BEFORE_S: 60,
      EVIDENCE_AFTER_S: 120,
    });
    expect(parseConfig({ RECORDINGS_DIR: '/srv/recordings', RECORDING_SEGMENT_S: '2' })).to.deep.include({
      RECORDINGS_DIR: '/srv/recordings',
      RECORDING_SEGMENT_S: 2,
    });
  });

  it('refuses bad recording values with the rest, naming each', () => {
    let error: unknown;
    try {
      parseConfig({ RECORDING_SEGMENT_S: '0', RECORDER_LEASE_MS: 'soon', EXPORT_MAX_S: '5', PORT: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['RECORDING_SEGMENT_S', 'RECORDER_LEASE_MS', 'EXPORT_MAX_S', 'PORT'])
      expect(message).to.include(`${name}:`);
  });

  it("lists every variable of platform/config.ts in the README's settings table", () => {
    const listed = readmeSettings();
    expect(
      SETTINGS.filter((name) => !listed.has(name)),
      'missing from the README',
    ).to.deep.equal([]);
  });
});
