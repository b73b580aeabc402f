// The recording settings: the platform config's recording variables (platform/config.ts,
// RECORDINGS_DIR …), with the directory resolved once. Every recorder and api instance
// must see the same RECORDINGS_DIR (one host, or a shared mount).
import path from 'node:path';
import type { Config } from '../platform/config.js';

export type RecordingsConfig = Pick<
  Config,
  | 'RECORDINGS_DIR'
  | 'RECORDINGS_QUOTA_MB'
  | 'RECORDINGS_MIN_FREE_MB'
  | 'RECORDING_SEGMENT_S'
  | 'RECORDING_BUFFER_S'
  | 'RECORDER_LEASE_MS'
  | 'RECORDER_MAX_CAMERAS'
  | 'EXPORT_MAX_S'
  | 'EVIDENCE_KEEP_DAYS'
  | 'EVIDENCE_BEFORE_S'
  | 'EVIDENCE_AFTER_S'
  | 'EVIDENCE_SWEEP_S'
  | 'EVIDENCE_SWEEP_HOURS'
> & { dir: string };

export function recordingsConfig(config: Config): RecordingsConfig {
  return { ...config, dir: path.resolve(config.RECORDINGS_DIR) };
}
