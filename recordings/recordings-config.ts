// The recording settings, read from the environment beside the platform's config (so
// this domain adds no lines to platform/config.ts). Every recorder and api instance
// must see the same RECORDINGS_DIR (one host, or a shared mount).
import path from 'node:path';
import { z } from 'zod';

const schema = z.object({
  /** Where segment files and exports live. */
  RECORDINGS_DIR: z.string().default('var/recordings'),
  /** Most bytes the recordings may take; beyond it the oldest unheld segments go. 0: no quota. */
  RECORDINGS_QUOTA_MB: z.coerce.number().min(0).default(0),
  /** Free space the disk must keep; below it the oldest unheld segments go. */
  RECORDINGS_MIN_FREE_MB: z.coerce.number().min(0).default(1024),
  /** Seconds per segment file (the camera's keyframe interval rounds it up). */
  RECORDING_SEGMENT_S: z.coerce.number().min(1).max(30).default(4),
  /** Rolling buffer of placed cameras that do not record, so evidence has its pre-roll; 0: none. */
  RECORDING_BUFFER_S: z.coerce.number().int().min(0).max(3600).default(180),
  /** The camera lease of a recorder; a dead recorder's cameras are taken over after it. */
  RECORDER_LEASE_MS: z.coerce.number().int().min(500).max(120_000).default(6000),
  /** Most cameras one recorder process records. */
  RECORDER_MAX_CAMERAS: z.coerce.number().int().min(1).default(200),
  /** Longest clip one export may be, seconds. */
  EXPORT_MAX_S: z.coerce.number().int().min(10).default(1800),
  /** Evidence of a closed incident is kept this many days after it closed. */
  EVIDENCE_KEEP_DAYS: z.coerce.number().int().min(0).default(180),
  /** An incident's evidence: this many seconds before it was opened … */
  EVIDENCE_BEFORE_S: z.coerce.number().int().min(0).default(60),
  /** … to this many after. */
  EVIDENCE_AFTER_S: z.coerce.number().int().min(0).default(120),
  /**
   * The evidence sweep (workers' leader) looks this often for incidents of the last
   * EVIDENCE_SWEEP_HOURS with no evidence, whose cameras have footage (an event no
   * recorder heard). Keep it well under RECORDING_BUFFER_S − EVIDENCE_BEFORE_S, or a
   * buffer camera's pre-roll may be gone before it is held.
   */
  EVIDENCE_SWEEP_S: z.coerce.number().int().min(5).max(3600).default(60),
  EVIDENCE_SWEEP_HOURS: z.coerce.number().min(0.1).max(168).default(6),
});

export type RecordingsConfig = z.infer<typeof schema> & { dir: string };

export function recordingsConfig(env: NodeJS.ProcessEnv = process.env): RecordingsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`recording settings: ${problems}`);
  }
  return { ...parsed.data, dir: path.resolve(parsed.data.RECORDINGS_DIR) };
}
