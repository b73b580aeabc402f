// CameraPort answered by the video domain's services (the one file of recordings that
// knows video's classes; it moves to video's module.ts services once that exists).
import { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { CamerasRepository } from '../video/cameras.repository.js';
import type { CamerasService } from '../video/cameras.service.js';
import type { AlertsService } from '../video/alerts.service.js';
import { withCredentials, type CredentialBox } from '../video/credentials.js';
import type { CameraPort, RecordableCamera } from './camera-port.js';

/** The recorder's own identity towards the video domain: it sees every town, changes nothing. */
export const RECORDER_AUTH = AuthContext.of({
  id: 0,
  username: 'recorder',
  displayName: '录像服务',
  roles: ['operator'],
  allTowns: true,
  townIds: [],
});

export function videoCameras(db: Db, box: CredentialBox, cameras: CamerasService, alerts?: AlertsService): CameraPort {
  return {
    async recordable() {
      const repo = new CamerasRepository(db);
      const [secrets, listed] = await Promise.all([repo.allSecrets(), repo.list(null, null)]);
      const byId = new Map(listed.map((c) => [c.id, c]));
      const out: RecordableCamera[] = [];
      for (const s of secrets) {
        const c = byId.get(s.id);
        if (!c) continue;
        let password: string;
        try {
          password = box.open(s.passwordEnc);
        } catch {
          continue; // sealed with another key: nothing to record with
        }
        const url = (uri: string | null) => {
          try {
            return uri ? withCredentials(uri, s.username, password) : null;
          } catch {
            return null;
          }
        };
        out.push({
          id: s.id,
          townId: s.townId,
          name: c.name,
          placed: c.placement !== null,
          streams: { main: url(s.mainStreamUri), sub: url(s.subStreamUri) },
        });
      }
      return out;
    },
    async camera(auth, id) {
      const c = await cameras.get(auth, id);
      return { id: c.id, townId: c.townId, name: c.name };
    },
    async seeing(townId, point) {
      const seen = await cameras.whoSees(RECORDER_AUTH, point);
      const inTown = new Set((await new CamerasRepository(db).list([townId], null)).map((c) => c.id));
      return seen.filter((v) => inTown.has(v.camera.id)).map((v) => ({ id: v.camera.id, townId, name: v.camera.name }));
    },
    async alarms(auth, cameraId) {
      if (!alerts) return [];
      const list = await alerts.list(auth, cameraId);
      return list.map((a) => ({ id: a.id, at: a.firstAt, kind: a.kind }));
    },
  };
}
