// Recording policies per camera: read by the command room, set by admins. The
// recorders pick a change up within a tick (no restart, no message needed). Also what
// the recorders need people to know (a full disk, a clock jump).
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { Unprocessable } from '../platform/errors.js';
import type { CameraPort } from './camera-port.js';
import { RecordingsRepository, type RecordingPolicy } from './recordings.repository.js';

export const DEFAULT_POLICY: Omit<RecordingPolicy, 'cameraId'> = {
  mode: 'off',
  stream: 'sub',
  preRollS: 10,
  postRollS: 30,
  schedule: [],
  retentionDays: 30,
  updatedAt: null,
};

export class PolicyService {
  constructor(
    private readonly db: Db,
    private readonly cameras: CameraPort,
  ) {}

  async get(auth: AuthContext, cameraId: number) {
    await this.cameras.camera(auth, cameraId);
    const repo = new RecordingsRepository(this.db);
    const [policy, status] = await Promise.all([repo.policy(cameraId), repo.status(cameraId)]);
    return { ...(policy ?? { ...DEFAULT_POLICY, cameraId }), status };
  }

  async put(auth: AuthContext, cameraId: number, p: Omit<RecordingPolicy, 'cameraId' | 'updatedAt'>) {
    await this.cameras.camera(auth, cameraId);
    if (p.mode === 'schedule' && p.schedule.length === 0)
      throw new Unprocessable(
        '按计划录像须至少有一个时间段 (a schedule needs at least one window)',
        undefined,
        'schedule_empty',
      );
    for (const [i, w] of p.schedule.entries())
      if (w.from === w.to)
        throw new Unprocessable(
          `时间段 ${i + 1} 的开始与结束相同 (window ${i + 1} is empty)`,
          { window: i },
          'schedule_empty',
        );
    return new RecordingsRepository(this.db).putPolicy({ ...p, cameraId }, auth.me.id);
  }

  /** The recorders' alerts, open ones first: a full disk, a clock jump. */
  alerts() {
    return new RecordingsRepository(this.db).alerts();
  }
}
