// The video patrol log: the wall reports what was on screen and for how long, operators
// note what they found, and every shift has a checklist of cameras to look at. Statistics
// say which cameras were patrolled and which never are.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { NotFound, Unprocessable } from '../../platform/errors.js';
import { CamerasRepository } from '../cameras.repository.js';
import { PatrolRepository, type Checklist } from './patrol.repository.js';

const DAY_MS = 86_400_000;

/** The shift containing `now`: its start and end, from daily starts "HH:MM" in town time. */
export function currentShift(
  starts: string[],
  now: Date,
  utcOffsetHours: number,
): { from: Date; to: Date; start: string } {
  const offsetMs = utcOffsetHours * 3_600_000;
  const townNow = now.getTime() + offsetMs;
  const midnight = Math.floor(townNow / DAY_MS) * DAY_MS;
  const minutes = (hhmm: string) => (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * 60_000;
  const sorted = [...starts].sort();
  // Candidate starts yesterday, today and tomorrow; the shift is the last start at or before now.
  const all = [-1, 0, 1].flatMap((d) => sorted.map((s) => ({ at: midnight + d * DAY_MS + minutes(s), start: s })));
  let i = all.findIndex((c) => c.at > townNow) - 1;
  if (i < 0) i = 0;
  return { from: new Date(all[i]!.at - offsetMs), to: new Date(all[i + 1]!.at - offsetMs), start: all[i]!.start };
}

export class PatrolService {
  constructor(
    private readonly db: Db,
    private readonly utcOffsetHours: number,
    private readonly townByCode: (code: string) => Promise<{ id: number } | null>,
  ) {}

  async recordView(auth: AuthContext, v: { cameraId: number; mode: 'tile' | 'enlarged'; seconds: number }) {
    const camera = await this.camera(auth, v.cameraId);
    const endedAt = new Date();
    const startedAt = new Date(endedAt.getTime() - v.seconds * 1000);
    const id = await new PatrolRepository(this.db).addView({
      accountId: auth.me.id,
      cameraId: camera.id,
      townId: camera.townId,
      mode: v.mode,
      startedAt,
      endedAt,
    });
    return { id, startedAt, endedAt };
  }

  async addFinding(auth: AuthContext, f: { cameraId: number; note: string; incidentId: number | null }) {
    const camera = await this.camera(auth, f.cameraId);
    const row = await new PatrolRepository(this.db).addFinding({
      accountId: auth.me.id,
      cameraId: camera.id,
      townId: camera.townId,
      note: f.note,
      incidentId: f.incidentId,
    });
    return { ...row, cameraId: camera.id, note: f.note, incidentId: f.incidentId };
  }

  async stats(auth: AuthContext, townCode: string, from: Date, to: Date) {
    if (to <= from)
      throw new Unprocessable('to must be after from', { problems: [{ path: 'query.to', message: 'before from' }] });
    const townId = await this.town(auth, townCode);
    const repo = new PatrolRepository(this.db);
    const [cameras, findings] = await Promise.all([repo.byCamera(townId, from, to), repo.findings(townId, from, to)]);
    const patrolled = cameras.filter((c) => c.seconds > 0);
    return {
      from,
      to,
      cameras,
      patrolled: patrolled.length,
      neverPatrolled: cameras.filter((c) => c.seconds === 0).map((c) => ({ cameraId: c.cameraId, name: c.name })),
      totalSeconds: cameras.reduce((n, c) => n + c.seconds, 0),
      findings,
    };
  }

  /** The town's checklist and, for the shift now, which cameras are done. */
  async checklist(auth: AuthContext, townCode: string, now = new Date()) {
    const townId = await this.town(auth, townCode);
    const repo = new PatrolRepository(this.db);
    const list = await repo.checklist(townId);
    if (!list) return null;
    const shift = currentShift(list.shiftStarts, now, this.utcOffsetHours);
    const [cameras, watched] = await Promise.all([
      repo.camerasOfTown(townId, list.cameraIds),
      repo.secondsWatched(list.cameraIds, shift.from, shift.to),
    ]);
    const items = cameras.map((c) => {
      const seconds = watched.get(c.id) ?? 0;
      return { cameraId: c.id, name: c.name, seconds, done: seconds >= list.minSeconds };
    });
    return { ...list, shift, items, done: items.filter((i) => i.done).length, total: items.length };
  }

  async saveChecklist(auth: AuthContext, townCode: string, body: Omit<Checklist, 'townId'>) {
    const townId = await this.town(auth, townCode);
    const found = new Set((await new PatrolRepository(this.db).camerasOfTown(townId, body.cameraIds)).map((c) => c.id));
    const problems = body.cameraIds.flatMap((id, i) =>
      found.has(id) ? [] : [{ path: `body.cameraIds.${i}`, message: `no camera ${id} in service in town ${townCode}` }],
    );
    if (problems.length) throw new Unprocessable(problems.map((p) => p.message).join('; '), { problems });
    await new PatrolRepository(this.db).saveChecklist({ townId, ...body }, auth.me.id);
    return this.checklist(auth, townCode);
  }

  private async town(auth: AuthContext, code: string): Promise<number> {
    const town = await this.townByCode(code);
    if (!town) throw new NotFound(`Town ${code}`);
    auth.assertTown(town.id);
    return town.id;
  }

  private async camera(auth: AuthContext, id: number) {
    const camera = await new CamerasRepository(this.db).find(id);
    if (!camera || !auth.canAccessTown(camera.townId)) throw new NotFound(`Camera ${id}`);
    return camera;
  }
}
