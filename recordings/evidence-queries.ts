// An incident's evidence as the incident card shows it: per camera, the held range, how
// much of it is recorded, and the playlist that plays it.
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { NotFound } from '../platform/errors.js';
import type { CameraPort } from './camera-port.js';
import type { IncidentFacts } from './evidence.js';
import { RecordingsRepository } from './recordings.repository.js';

/** What recording needs of the incidents domain. */
export interface IncidentPort {
  /** The incident, if the caller may see it (404 otherwise). */
  get(auth: AuthContext, id: number): Promise<{ id: number; townId: number }>;
  /** Incidents of every town reported since then, at most `limit` (the evidence sweep). */
  reportedSince(since: Date, limit: number): Promise<IncidentFacts[]>;
}

export class EvidenceQueries {
  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly incidents: IncidentPort | undefined,
  ) {}

  async ofIncident(auth: AuthContext, incidentId: number) {
    if (!this.incidents) throw new NotFound(`Incident ${incidentId}`);
    await this.incidents.get(auth, incidentId);
    const repo = new RecordingsRepository(this.db);
    const holds = await repo.incidentHolds(incidentId);
    const clips = [];
    for (const h of holds) {
      const camera = await this.cameras.camera(auth, h.cameraId).catch(() => null);
      if (!camera) continue;
      const spans = await repo.spans(h.cameraId, h.from, h.to);
      const recordedMs = spans.reduce(
        (s, x) => s + Math.min(x.to.getTime(), h.to.getTime()) - Math.max(x.from.getTime(), h.from.getTime()),
        0,
      );
      const q = `from=${encodeURIComponent(h.from.toISOString())}&to=${encodeURIComponent(h.to.toISOString())}`;
      clips.push({
        camera,
        from: h.from,
        to: h.to,
        heldUntil: h.heldUntil,
        recordedS: Math.round(recordedMs / 1000),
        spans,
        playlist: `/api/cameras/${h.cameraId}/recordings/playlist.m3u8?${q}`,
      });
    }
    return { incidentId, clips };
  }
}
