// Evidence that no recorder heard of. Evidence is attached when a recorder hears an
// incident's event on the live bus; an event published while no recorder listened (all
// restarting, Redis reconnecting) would leave the incident without footage. So the
// workers' leader sweeps: incidents reported in the last EVIDENCE_SWEEP_HOURS with no
// evidence attached, whose cameras (those that see the point) have footage in the
// evidence window, get it held, as the event would have held it. An incident whose
// window is over with nothing recorded is not looked at again by this process.
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import type { CameraPort } from './camera-port.js';
import type { Evidence } from './evidence.js';
import type { IncidentPort } from './evidence-queries.js';
import { RecordingsRepository } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';

const log = moduleLogger('recording-evidence-sweep');
/** Most incidents one sweep reads. */
const LIMIT = 2000;
/** Footage may be indexed a little after its end (a segment closes, then is indexed). */
const LATE_MS = 60_000;

export interface SweepResult {
  /** Incidents without evidence that were looked at. */
  checked: number;
  /** Incidents that got evidence. */
  incidents: number;
  /** Cameras' clips held. */
  clips: number;
}

export class EvidenceSweep {
  /** Incidents looked at for good: nothing sees them, or their window passed unrecorded. */
  private readonly done = new Set<number>();

  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly incidents: IncidentPort,
    private readonly evidence: Evidence,
    private readonly cfg: RecordingsConfig,
  ) {}

  async run(now = new Date()): Promise<SweepResult> {
    const repo = new RecordingsRepository(this.db);
    const since = new Date(now.getTime() - this.cfg.EVIDENCE_SWEEP_HOURS * 3_600_000);
    const recent = (await this.incidents.reportedSince(since, LIMIT)).filter(
      (i) => i.state !== 'unlocated' && !this.done.has(i.id),
    );
    const held = await repo.incidentsWithHolds(recent.map((i) => i.id));
    const result: SweepResult = { checked: 0, incidents: 0, clips: 0 };
    for (const incident of recent) {
      if (held.has(incident.id)) continue;
      result.checked++;
      const { from, to } = this.evidence.window(incident);
      const seeing = await this.cameras.seeing(incident.townId, { lon: incident.lon, lat: incident.lat });
      const recorded = await repo.camerasWithFootage(
        seeing.map((c) => c.id),
        from,
        to,
      );
      if (recorded.size === 0) {
        if (seeing.length === 0 || now.getTime() > to.getTime() + LATE_MS) this.done.add(incident.id);
        continue;
      }
      const clips = await this.evidence.attach(
        incident,
        seeing.filter((c) => recorded.has(c.id)),
      );
      await this.evidence.release(incident);
      if (clips > 0) {
        result.incidents++;
        result.clips += clips;
      }
    }
    if (result.incidents > 0) log.warn(result, 'evidence attached by the sweep: an incident event was not heard');
    return result;
  }
}
