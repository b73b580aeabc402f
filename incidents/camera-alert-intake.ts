// A camera alarm (from the camera-alerts queue) becomes an incident at the camera's
// place, with the alert's snapshot; an alert is made into an incident only once, and
// alarms of the same kind nearby merge into the open incident like any report.
import { moduleLogger } from '../platform/logger.js';
import type { MediaStore } from '../platform/media-store.js';
import type { CameraAlertJob, VideoServices } from '../video/module.js';
import type { IntakeResult, IntakeService } from './intake.service.js';
import type { TaxonomyService } from './taxonomy.service.js';

const log = moduleLogger('camera-alert-intake');

const KIND_NAMES: Record<string, string> = {
  motion: '移动侦测 motion',
  line_crossing: '越线 line crossing',
  intrusion: '区域入侵 intrusion',
  tamper: '遮挡/破坏 tampering',
  other: '报警 alarm',
};

export class CameraAlertIntake {
  constructor(
    private readonly alerts: Pick<VideoServices['alerts'], 'withCamera'>,
    private readonly taxonomy: TaxonomyService,
    private readonly intake: IntakeService,
    private readonly media: MediaStore,
  ) {}

  async handle(job: CameraAlertJob): Promise<IntakeResult | null> {
    const found = await this.alerts.withCamera(job.alertId);
    if (!found) return null;
    const { alert, camera } = found;
    const sub = await this.taxonomy.forCameraAlert(alert.kind);
    if (!sub) return null;
    if (!camera.placement) {
      log.warn({ cameraId: camera.id, alertId: alert.id }, 'alarm from a camera that is not placed: no incident');
      return null;
    }
    const bytes = alert.snapshot ? await this.media.size(alert.snapshot).catch(() => 0) : 0;
    return this.intake.report(
      {
        source: 'camera',
        subcategoryCode: sub.code,
        description: `${camera.name}：${KIND_NAMES[alert.kind] ?? alert.kind}${alert.count > 1 ? ` ×${alert.count}` : ''}`,
        lon: camera.placement.lon,
        lat: camera.placement.lat,
        cameraId: camera.id,
        cameraAlertId: alert.id,
        snapshotFile: alert.snapshot,
        snapshotBytes: bytes,
      },
      { kind: 'camera', cameraId: camera.id, label: camera.name },
    );
  }
}
