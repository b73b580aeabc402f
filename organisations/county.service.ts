// The county's view over its towns (an account covering several): per town the cases
// reported, closed, the closure rate, what is overdue, the times to accept and to close,
// the citizens' satisfaction, yellow cards (to grids and to organisations), and the
// handoffs; with where each town lies, for the map that compares them. The incident
// numbers are the incidents domain's own statistics, grouped by town.
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { BadRequest } from '../platform/errors.js';
import type { IncidentServices } from '../incidents/module.js';
import { CountyRepository, type TownHandoffRow } from './county.repository.js';

const DAY_MS = 86_400_000;
export const COMPARISON_DAYS = 30;

export interface TownLine extends TownHandoffRow {
  received: number;
  closed: number;
  /** closed / received, 0..1; null when nothing was received. */
  closureRate: number | null;
  openNow: number;
  overdueNow: number;
  acceptP50S: number | null;
  closeP50S: number | null;
  satisfaction: number | null;
  rated: number;
  /** Yellow cards to its grids (gridworkers' deadlines). */
  gridCards: number;
  /** Grid and organisation cards together. */
  yellowCards: number;
}

export interface TownComparison {
  from: Date;
  to: Date;
  towns: TownLine[];
  totals: Omit<TownLine, 'id' | 'code' | 'name' | 'bbox' | 'centre'>;
  /** Around every town: where the map opens. */
  bbox: [number, number, number, number] | null;
}

export class CountyService {
  constructor(
    private readonly db: Db,
    private readonly stats: IncidentServices['stats'],
  ) {}

  async compare(auth: AuthContext, q: { from?: Date; to?: Date }, now = new Date()): Promise<TownComparison> {
    const to = q.to ?? now;
    const from = q.from ?? new Date(to.getTime() - COMPARISON_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime())
      throw new BadRequest('"from" must come before "to"', { field: 'from' }, 'bad_period');
    const [incidents, towns] = await Promise.all([
      this.stats.incidentStats(auth, { groupBy: 'town', from, to }, now),
      new CountyRepository(this.db).towns({ townIds: auth.townFilter, from, to, now }),
    ]);
    const byTown = new Map(incidents.rows.map((r) => [r.id, r]));
    const lines: TownLine[] = towns.map((t) => {
      const s = byTown.get(t.id);
      const gridCards = s?.yellowCards ?? 0;
      return {
        ...t,
        received: s?.received ?? 0,
        closed: s?.closed ?? 0,
        closureRate: s?.closureRate ?? null,
        openNow: s?.openNow ?? 0,
        overdueNow: s?.overdueNow ?? 0,
        acceptP50S: s?.acceptP50S ?? null,
        closeP50S: s?.closeP50S ?? null,
        satisfaction: s?.satisfaction ?? null,
        rated: s?.rated ?? 0,
        gridCards,
        yellowCards: gridCards + t.orgCards,
      };
    });
    const sum = (k: keyof TownLine) => lines.reduce((n, l) => n + (l[k] as number), 0);
    const all = incidents.totals;
    return {
      from,
      to,
      towns: lines,
      totals: {
        received: all.received,
        closed: all.closed,
        closureRate: all.closureRate,
        openNow: all.openNow,
        overdueNow: all.overdueNow,
        acceptP50S: all.acceptP50S,
        closeP50S: all.closeP50S,
        satisfaction: all.satisfaction,
        rated: all.rated,
        gridCards: all.yellowCards,
        orgCards: sum('orgCards'),
        yellowCards: all.yellowCards + sum('orgCards'),
        handoffs: sum('handoffs'),
        escalated: sum('escalated'),
        handoffsOverdue: sum('handoffsOverdue'),
      },
      bbox: lines.length
        ? [
            Math.min(...lines.map((l) => l.bbox[0])),
            Math.min(...lines.map((l) => l.bbox[1])),
            Math.max(...lines.map((l) => l.bbox[2])),
            Math.max(...lines.map((l) => l.bbox[3])),
          ]
        : null,
    };
  }
}
