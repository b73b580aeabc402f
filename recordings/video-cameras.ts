// CameraPort answered by the video domain's public services (its module.ts).
import { AuthContext } from '../platform/auth/auth-context.js';
import type { VideoServices } from '../video/module.js';
import type { CameraPort } from './camera-port.js';

/** The recorder's own identity towards the video domain: it sees every town, changes nothing. */
export const RECORDER_AUTH = AuthContext.of({
  id: 0,
  username: 'recorder',
  displayName: '录像服务',
  roles: ['operator'],
  allTowns: true,
  townIds: [],
});

export function videoCameras(
  video: Pick<VideoServices, 'cameras' | 'alerts' | 'streamSources' | 'onCamera'>,
): CameraPort {
  return {
    recordable: () => video.streamSources.all(),
    async camera(auth, id) {
      const c = await video.cameras.get(auth, id);
      return { id: c.id, townId: c.townId, name: c.name };
    },
    async seeing(townId, point) {
      const seen = await video.cameras.whoSees(RECORDER_AUTH, point);
      const inTown = new Set(
        (await video.cameras.list(RECORDER_AUTH, null)).filter((c) => c.townId === townId).map((c) => c.id),
      );
      return seen.filter((v) => inTown.has(v.camera.id)).map((v) => ({ id: v.camera.id, townId, name: v.camera.name }));
    },
    async alarms(auth, cameraId) {
      const list = await video.alerts.list(auth, cameraId);
      return list.map((a) => ({ id: a.id, at: a.firstAt, kind: a.kind }));
    },
    async onCamera(auth, cameraId, from, to) {
      const { offered, spans, error } = await video.onCamera.list(auth, cameraId, from, to);
      return { offered, spans, ...(error ? { error } : {}) };
    },
  };
}
