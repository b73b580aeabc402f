// Click-to-centre, box-to-zoom and the zoom slider: read where the camera points now,
// compute the new position from the picture, and send it through PtzService, so the
// lock, the lease and the PTZ log apply exactly as for the pad's buttons.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { NotFound, Unprocessable } from '../../platform/errors.js';
import { CamerasRepository, type Camera } from '../cameras.repository.js';
import type { PtzService } from '../ptz.service.js';
import { aimByPicture, type Optics, type PictureTarget, type PtzPosition } from './picture-aim.js';

const DEFAULT_HFOV_DEG = 60;
const DEFAULT_ZOOM_MAX = 30;

export type AimRequest = PictureTarget | { zoom: number };

export class AimService {
  constructor(
    private readonly db: Db,
    private readonly ptz: PtzService,
  ) {}

  async aim(auth: AuthContext, cameraId: number, request: AimRequest) {
    const camera = await new CamerasRepository(this.db).find(cameraId);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${cameraId}`);
    if (!camera.ptz?.absolute)
      throw new Unprocessable(
        `${camera.name} cannot move to a position (no AbsoluteMove): use the pad`,
        undefined,
        'no_absolute_move',
      );
    const optics = opticsOf(camera);
    const { position } = (await this.ptz.status(auth, cameraId)) as { position: PtzPosition };
    const from = { x: position.x, y: position.y, zoom: position.zoom };
    const to =
      'zoom' in request
        ? { ...from, zoom: optics.zoomRange[0] + request.zoom * (optics.zoomRange[1] - optics.zoomRange[0]) }
        : aimByPicture(from, request, optics);
    await this.ptz.command(auth, cameraId, { type: 'absolute', position: to });
    return { from, to };
  }
}

export function opticsOf(camera: Camera): Optics {
  const range = (r: { min: number; max: number } | null | undefined, fallback: [number, number]): [number, number] =>
    r ? [r.min, r.max] : fallback;
  const main = camera.profiles.find((p) => p.stream === 'main') as { width?: number; height?: number } | undefined;
  return {
    hfovDeg: camera.placement?.hfovDeg ?? DEFAULT_HFOV_DEG,
    zoomMax: camera.placement?.zoomMax ?? DEFAULT_ZOOM_MAX,
    aspect: main?.width && main.height ? main.height / main.width : 9 / 16,
    panRange: range(camera.ptz?.panRange, [-1, 1]),
    tiltRange: range(camera.ptz?.tiltRange, [-1, 1]),
    zoomRange: range(camera.ptz?.zoomRange, [0, 1]),
  };
}
