// Tours and guard positions as the command room sets them: checked against the camera's
// presets (a stop naming a preset the camera does not have is a 422 naming the stop), and
// shown with what the runner is doing now (running, paused by whom, at the guard).
import type { Redis } from 'ioredis';
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { NotFound, Unprocessable } from '../../platform/errors.js';
import { CamerasRepository } from '../cameras.repository.js';
import type { PtzService } from '../ptz.service.js';
import { runStateKey, type TourRunState } from './tour-runner.js';
import { ToursRepository, type Guard, type TourInput } from './tours.repository.js';

export class ToursService {
  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ptz: PtzService,
  ) {}

  async list(auth: AuthContext, cameraId: number) {
    await this.camera(auth, cameraId);
    const repo = new ToursRepository(this.db);
    const [tours, guard, run] = await Promise.all([repo.list(cameraId), repo.guard(cameraId), this.run(cameraId)]);
    return { tours, guard, run };
  }

  async save(auth: AuthContext, cameraId: number, input: TourInput, tourId?: number) {
    await this.camera(auth, cameraId);
    await this.checkPresets(
      auth,
      cameraId,
      input.stops.map((s) => s.presetToken),
      'stops',
    );
    const id = await new ToursRepository(this.db).save(cameraId, input, auth.me.id, tourId);
    if (!id) throw new NotFound(`Tour ${tourId} of camera ${cameraId}`);
    return (await new ToursRepository(this.db).find(id))!;
  }

  async setEnabled(auth: AuthContext, tourId: number, enabled: boolean) {
    const tour = await this.tour(auth, tourId);
    await new ToursRepository(this.db).setEnabled(tour.id, enabled);
    return { ...tour, enabled };
  }

  async remove(auth: AuthContext, tourId: number): Promise<void> {
    const tour = await this.tour(auth, tourId);
    await new ToursRepository(this.db).remove(tour.id);
  }

  async saveGuard(auth: AuthContext, guard: Guard) {
    await this.camera(auth, guard.cameraId);
    if (guard.presetToken) await this.checkPresets(auth, guard.cameraId, [guard.presetToken], 'presetToken');
    if (guard.tourId) {
      const tour = await new ToursRepository(this.db).find(guard.tourId);
      if (!tour || tour.cameraId !== guard.cameraId)
        throw new Unprocessable(`Tour ${guard.tourId} is not a tour of camera ${guard.cameraId}`, {
          problems: [{ path: 'body.tourId', message: 'not a tour of this camera' }],
        });
    }
    await new ToursRepository(this.db).saveGuard(guard, auth.me.id);
    return guard;
  }

  async removeGuard(auth: AuthContext, cameraId: number): Promise<void> {
    await this.camera(auth, cameraId);
    await new ToursRepository(this.db).removeGuard(cameraId);
  }

  private async run(cameraId: number): Promise<TourRunState | null> {
    const raw = await this.redis.get(runStateKey(this.prefix, cameraId));
    return raw ? (JSON.parse(raw) as TourRunState) : null;
  }

  private async checkPresets(auth: AuthContext, cameraId: number, tokens: string[], where: string) {
    const presets = (await this.ptz.presets(auth, cameraId)) as { token: string }[];
    const known = new Set(presets.map((p) => p.token));
    const problems = tokens.flatMap((t, i) =>
      known.has(t)
        ? []
        : [
            {
              path: where === 'stops' ? `body.stops.${i}.presetToken` : `body.${where}`,
              message: `no preset "${t}" on the camera`,
            },
          ],
    );
    if (problems.length)
      throw new Unprocessable(`The camera has no preset ${problems.map((p) => p.message.split('"')[1]).join(', ')}`, {
        problems,
      });
  }

  private async tour(auth: AuthContext, tourId: number) {
    const tour = await new ToursRepository(this.db).find(tourId);
    if (!tour) throw new NotFound(`Tour ${tourId}`);
    await this.camera(auth, tour.cameraId);
    return tour;
  }

  private async camera(auth: AuthContext, cameraId: number) {
    const camera = await new CamerasRepository(this.db).find(cameraId);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${cameraId}`);
    if (!camera.ptz)
      throw new Unprocessable(`${camera.name} is a fixed camera: it has no presets`, undefined, 'no_ptz');
    return camera;
  }
}
