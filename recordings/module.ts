// The recordings domain: recording policies, the recorders, storage, playback, export
// and incident evidence. The api process mounts its routes; the `recorder` process
// (recorder/main.ts) runs `recorder()`. It reaches video and incidents only through
// the two ports it is given (CameraPort, IncidentPort).
import { randomUUID } from 'node:crypto';
import type { DomainModule, Platform } from '../platform/module.js';
import { moduleLogger } from '../platform/logger.js';
import type { CameraPort } from './camera-port.js';
import { Evidence } from './evidence.js';
import { EvidenceQueries, type IncidentPort } from './evidence-queries.js';
import { EvidenceSweep } from './evidence-sweep.js';
import { ExportService } from './export.service.js';
import { PlaybackService } from './playback.service.js';
import { PolicyService } from './policy.service.js';
import { Recorder } from './recorder.js';
import { recordingRoutes } from './recordings.routes.js';
import { recordingsConfig, type RecordingsConfig } from './recordings-config.js';

const log = moduleLogger('recordings');

export { videoCameras, RECORDER_AUTH } from './video-cameras.js';
export type { IncidentFacts } from './evidence.js';
export type { Recorder } from './recorder.js';

export interface RecordingsDeps {
  cameras: CameraPort;
  /** The api process's incidents (the recorder process serves no routes and passes none). */
  incidents?: IncidentPort;
  /** Default: the platform config's recording settings (RECORDINGS_DIR, …). */
  config?: RecordingsConfig;
}

export interface RecordingsServices {
  config: RecordingsConfig;
  policies: PolicyService;
  playback: PlaybackService;
  exports: ExportService;
  evidence: EvidenceQueries;
  /** Attaches evidence to incidents and alarm windows (the leading recorder calls it). */
  attach: Evidence;
  /** Evidence of incidents whose event no recorder heard (the workers' leader runs it); null without incidents. */
  sweep: EvidenceSweep | null;
}

export type RecordingsModule = DomainModule<RecordingsServices> & {
  /** A recorder of this process (the `recorder` process kind); start() it, stop() it. */
  recorder(id?: string): Recorder;
};

export function recordingsModule(p: Platform, deps: RecordingsDeps): RecordingsModule {
  const cfg = deps.config ?? recordingsConfig(p.config);
  const offset = p.config.TOWN_UTC_OFFSET_HOURS;
  const playback = new PlaybackService(p.db, deps.cameras, cfg, offset);
  const services: RecordingsServices = {
    config: cfg,
    policies: new PolicyService(p.db, deps.cameras),
    playback,
    exports: new ExportService(p.db, deps.cameras, playback, cfg),
    evidence: new EvidenceQueries(p.db, deps.cameras, deps.incidents),
    attach: new Evidence(p.db, deps.cameras, cfg),
    sweep: null,
  };
  if (deps.incidents) services.sweep = new EvidenceSweep(p.db, deps.cameras, deps.incidents, services.attach, cfg);
  return {
    name: 'recordings',
    services,
    routes: recordingRoutes(services.policies, playback, services.exports, services.evidence),
    liveTopics: ['recordings'],
    // The api process: the next export's ffmpeg waits, loaded, from the start.
    start: async () =>
      services.exports
        .prepare()
        .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'exports not ready')),
    stop: () => services.exports.close(),
    /** The workers process: the leader sweeps for evidence no recorder attached. */
    async work(leading) {
      const sweep = services.sweep;
      if (!sweep) return { stop: async () => undefined };
      const timer = setInterval(
        () =>
          void (async () => {
            if (await leading()) await sweep.run();
          })().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'evidence sweep failed')),
        cfg.EVIDENCE_SWEEP_S * 1000,
      );
      return { stop: async () => clearInterval(timer) };
    },
    recorder: (id = randomUUID()) =>
      new Recorder({
        db: p.db,
        redis: p.redis,
        redisPrefix: p.config.REDIS_PREFIX,
        live: p.live,
        cameras: deps.cameras,
        evidence: services.attach,
        cfg,
        offsetHours: offset,
        id,
      }),
  };
}
