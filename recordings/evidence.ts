// Evidence by itself: an incident opened anywhere (a gridworker, the hotline, a camera
// alarm, an operator) holds the footage of every camera that sees its point, from
// EVIDENCE_BEFORE_S before to EVIDENCE_AFTER_S after; a closed incident's hold ends
// EVIDENCE_KEEP_DAYS after it closed. A camera alarm on a camera set to 'on_alarm' holds
// its pre- and post-roll for the camera's retention. Fed by the incidents' and alerts'
// events on the live bus (the incidents domain is not touched).
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import type { CameraPort, CameraRef } from './camera-port.js';
import { RecordingsRepository } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';

const log = moduleLogger('recording-evidence');
const DAY_MS = 86_400_000;

/** What an incident event carries that evidence needs (dates arrive as ISO strings). */
export interface IncidentFacts {
  id: number;
  townId: number;
  lon: number;
  lat: number;
  state: string;
  reportedAt: string | Date;
  closedAt: string | Date | null;
  subcategoryName?: string;
}

export interface AlarmFacts {
  id: number;
  cameraId: number;
  kind: string;
  firstAt: string | Date;
}

/** Actions on which an incident has its point for the first time. */
const OPENED = new Set(['reported', 'settled', 'place', 'reported_unlocated']);
const ENDED = new Set(['closed', 'merged']);

export class Evidence {
  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
    private readonly cfg: RecordingsConfig,
  ) {}

  /** One incident event from the live bus. */
  async incidentChanged(action: string, incident: IncidentFacts): Promise<number> {
    let attached = 0;
    if (OPENED.has(action) && incident.state !== 'unlocated') attached = await this.attach(incident);
    if (ENDED.has(incident.state)) await this.release(incident);
    return attached;
  }

  /** A closed (or merged) incident's evidence is held until EVIDENCE_KEEP_DAYS after it closed. */
  async release(incident: IncidentFacts): Promise<void> {
    if (!ENDED.has(incident.state)) return;
    const closed = incident.closedAt ? new Date(incident.closedAt) : new Date();
    await new RecordingsRepository(this.db).holdIncidentUntil(
      incident.id,
      new Date(closed.getTime() + this.cfg.EVIDENCE_KEEP_DAYS * DAY_MS),
    );
  }

  /** The range an incident's evidence covers. */
  window(incident: IncidentFacts): { from: Date; to: Date } {
    const at = new Date(incident.reportedAt).getTime();
    return {
      from: new Date(at - this.cfg.EVIDENCE_BEFORE_S * 1000),
      to: new Date(at + this.cfg.EVIDENCE_AFTER_S * 1000),
    };
  }

  /** Holds the footage of the cameras that see the incident's point (those given, or all of them). */
  async attach(incident: IncidentFacts, seeing?: CameraRef[]): Promise<number> {
    const repo = new RecordingsRepository(this.db);
    const at = new Date(incident.reportedAt).getTime();
    seeing ??= await this.cameras.seeing(incident.townId, { lon: incident.lon, lat: incident.lat });
    let attached = 0;
    for (const camera of seeing) {
      const added = await repo.addHold({
        cameraId: camera.id,
        from: new Date(at - this.cfg.EVIDENCE_BEFORE_S * 1000),
        to: new Date(at + this.cfg.EVIDENCE_AFTER_S * 1000),
        heldUntil: null,
        reason: 'incident',
        incidentId: incident.id,
        label: `事件 #${incident.id}${incident.subcategoryName ? ` ${incident.subcategoryName}` : ''}`,
      });
      if (added) attached++;
    }
    if (attached) log.info({ incidentId: incident.id, cameras: attached }, 'evidence attached');
    return attached;
  }

  /** A camera alarm: an 'on_alarm' camera keeps its pre- and post-roll. */
  async alarm(alert: AlarmFacts): Promise<boolean> {
    const repo = new RecordingsRepository(this.db);
    const policy = await repo.policy(alert.cameraId);
    if (policy?.mode !== 'on_alarm') return false;
    const at = new Date(alert.firstAt).getTime();
    return repo.addHold({
      cameraId: alert.cameraId,
      from: new Date(at - policy.preRollS * 1000),
      to: new Date(at + Math.max(1, policy.postRollS) * 1000),
      heldUntil: new Date(at + policy.retentionDays * DAY_MS),
      reason: 'alarm',
      alertId: alert.id,
      label: `报警 ${alert.kind}`,
    });
  }
}
