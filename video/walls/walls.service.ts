// Saved walls (预案) and the last wall, per operator. Cameras the operator may not see
// are refused by name of the tile (422), never stored. A change is announced on the live
// bus ('walls'), so the other windows of a wall spread over several screens follow it.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { Conflict, NotFound, Unprocessable } from '../../platform/errors.js';
import type { LiveBus } from '../../platform/live/live-bus.js';
import { WallsRepository, type LastWall, type WallInput } from './walls.repository.js';

/** Tiles of a layout: "16" → 16, "3x5" → 15. */
export function tilesOf(layout: string): number {
  const m = /^(\d)x(\d)$/.exec(layout);
  return m ? Number(m[1]) * Number(m[2]) : Number(layout);
}

export class WallsService {
  constructor(
    private readonly db: Db,
    private readonly live: LiveBus,
  ) {}

  list(auth: AuthContext) {
    return new WallsRepository(this.db).list(auth.me.id);
  }

  async save(auth: AuthContext, input: WallInput, id?: number) {
    await this.checkCameras(auth, input.cameraIds, 'body.cameraIds');
    const wall = await new WallsRepository(this.db).save(auth.me.id, input, id);
    if (wall === undefined) throw new NotFound(`Wall ${id}`);
    if (wall === null) throw new Conflict(`You already have a wall named ${input.name}`, undefined, 'wall_name_taken');
    await this.announce(auth, { wallId: wall.id, revision: wall.revision });
    return wall;
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    if (!(await new WallsRepository(this.db).remove(auth.me.id, id))) throw new NotFound(`Wall ${id}`);
    await this.announce(auth, { wallId: id, revision: null });
  }

  async last(auth: AuthContext): Promise<LastWall | null> {
    return new WallsRepository(this.db).last(auth.me.id);
  }

  async saveLast(auth: AuthContext, last: LastWall) {
    await this.checkCameras(auth, last.cameraIds, 'body.cameraIds');
    if (last.wallId && !(await new WallsRepository(this.db).find(auth.me.id, last.wallId)))
      throw new Unprocessable(`Wall ${last.wallId} is not one of yours`, {
        problems: [{ path: 'body.wallId', message: 'not one of your walls' }],
      });
    await new WallsRepository(this.db).saveLast(auth.me.id, last);
    return last;
  }

  private async checkCameras(auth: AuthContext, ids: (number | null)[], where: string) {
    const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
    const visible = await new WallsRepository(this.db).visibleCameras(wanted, auth.townFilter);
    const problems = ids.flatMap((id, i) =>
      id !== null && !visible.has(id) ? [{ path: `${where}.${i}`, message: `no camera ${id} that you may watch` }] : [],
    );
    if (problems.length)
      throw new Unprocessable(
        `Tile ${problems.map((p) => Number(p.path.split('.').pop()) + 1).join(', ')}: no such camera`,
        {
          problems,
        },
      );
  }

  private async announce(auth: AuthContext, data: { wallId: number; revision: number | null }) {
    await this.live
      .publish([{ topic: 'walls', townId: auth.townFilter?.[0] ?? 0, data: { accountId: auth.me.id, ...data } }])
      .catch(() => undefined);
  }
}
