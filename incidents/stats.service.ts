// Statistics of the closed loop for the command room, and the yellow cards made visible:
// every answer is limited to the caller's towns, and a town asked for by code must be one
// of them. The numbers come from stats.repository.ts; this adds the rates, the platform
// names and the flag.
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { BadRequest, NotFound } from '../platform/errors.js';
import { PLATFORM_NAMES, type Platform } from './model.js';
import {
  StatsRepository,
  type CardWithIncident,
  type GridRef,
  type LeagueGroup,
  type LeagueRow,
  type StatsGroup,
  type StatsRow,
} from './stats.repository.js';

const DAY_MS = 86_400_000;
export const DEFAULT_PERIOD_DAYS = 30;

export interface IncidentStatsLine extends Omit<StatsRow, 'total' | 'cardsAllTime'> {
  /** closed / received, 0..1 (null when nothing was received). */
  closureRate: number | null;
  /** Grids only: every card the grid ever got, and whether that reaches the flag. */
  cardsAllTime?: number;
  flagged?: boolean;
}

export interface IncidentStats {
  groupBy: StatsGroup;
  town: { code: string; name: string } | null;
  from: Date;
  to: Date;
  /** Cards a grid needs to be flagged. */
  flagThreshold: number;
  rows: IncidentStatsLine[];
  totals: IncidentStatsLine;
  byCategory: IncidentStatsLine[];
}

export interface StatsRequest {
  groupBy: StatsGroup;
  townCode?: string;
  from?: Date;
  to?: Date;
}

export interface LeagueLine extends Omit<LeagueRow, 'cardsAllTime'> {
  cardsAllTime?: number;
  flagged?: boolean;
}

export interface GridCards {
  grid: Omit<GridRef, 'townId'>;
  count: number;
  threshold: number;
  flagged: boolean;
  cards: CardWithIncident[];
}

export class StatsService {
  constructor(
    private readonly db: Db,
    private readonly flagAt: number,
  ) {}

  async incidentStats(auth: AuthContext, q: StatsRequest, now = new Date()): Promise<IncidentStats> {
    const { from, to } = period(q.from, q.to, now);
    const repo = new StatsRepository(this.db);
    const { townIds, town } = await this.scope(auth, q.townCode);
    const query = { townIds, from, to, now };
    const [rows, byCategory] = await Promise.all([
      repo.incidentStats({ ...query, groupBy: q.groupBy }),
      q.groupBy === 'category' ? null : repo.incidentStats({ ...query, groupBy: 'category' }),
    ]);
    const lines = (all: StatsRow[], groupBy: StatsGroup) =>
      all.filter((r) => !r.total).map((r) => this.line(r, groupBy));
    const totals = rows.find((r) => r.total) ?? emptyTotals();
    return {
      groupBy: q.groupBy,
      town,
      from,
      to,
      flagThreshold: this.flagAt,
      rows: lines(rows, q.groupBy),
      totals: this.line(totals, 'town'),
      byCategory: lines(byCategory ?? rows, 'category'),
    };
  }

  async cards(
    auth: AuthContext,
    q: {
      townCode?: string;
      gridCode?: string;
      platform?: Platform;
      since?: Date;
      until?: Date;
      limit: number;
      offset: number;
    },
  ) {
    checkOrder(q.since, q.until, 'since', 'until');
    const { townIds } = await this.scope(auth, q.townCode);
    let gridId: number | undefined;
    if (q.gridCode !== undefined) {
      const grid = await this.grid(auth, q.gridCode);
      gridId = grid.id;
    }
    return new StatsRepository(this.db).cards({
      townIds,
      gridId,
      platform: q.platform,
      since: q.since,
      until: q.until,
      limit: q.limit,
      offset: q.offset,
    });
  }

  /** A grid's cards, all of them, and whether it is flagged. */
  async gridCards(auth: AuthContext, code: string, limit: number): Promise<GridCards> {
    const { townId: _townId, ...grid } = await this.grid(auth, code);
    const repo = new StatsRepository(this.db);
    const { items, total } = await repo.cards({ townIds: null, gridId: grid.id, limit, offset: 0 });
    return { grid, count: total, threshold: this.flagAt, flagged: total >= this.flagAt, cards: items };
  }

  async league(auth: AuthContext, q: { townCode?: string; groupBy: LeagueGroup; since?: Date; until?: Date }) {
    checkOrder(q.since, q.until, 'since', 'until');
    const { townIds, town } = await this.scope(auth, q.townCode);
    const rows = await new StatsRepository(this.db).league(q.groupBy, townIds, q.since ?? null, q.until ?? null);
    const lines: LeagueLine[] = rows.map(({ cardsAllTime, ...r }) => ({
      ...r,
      name: q.groupBy === 'platform' && r.code ? PLATFORM_NAMES[r.code as Platform] : r.name,
      ...(q.groupBy === 'grid' && cardsAllTime !== null ? { cardsAllTime, flagged: cardsAllTime >= this.flagAt } : {}),
    }));
    return {
      groupBy: q.groupBy,
      town,
      since: q.since ?? null,
      until: q.until ?? null,
      threshold: this.flagAt,
      rows: lines,
    };
  }

  /** The towns to read: the caller's, or the one asked for when the caller may see it. */
  private async scope(auth: AuthContext, townCode: string | undefined) {
    if (townCode === undefined) return { townIds: auth.townFilter, town: null };
    const town = await new StatsRepository(this.db).townByCode(townCode);
    if (!town) throw new NotFound(`Town ${townCode}`);
    auth.assertTown(town.id, `town ${townCode}`);
    return { townIds: [town.id], town: { code: town.code, name: town.name } };
  }

  private async grid(auth: AuthContext, code: string): Promise<GridRef> {
    const grid = await new StatsRepository(this.db).gridByCode(code);
    if (!grid) throw new NotFound(`Grid ${code}`);
    auth.assertTown(grid.townId, `grid ${code}'s town`);
    return grid;
  }

  private line({ total: _total, cardsAllTime, ...r }: StatsRow, groupBy: StatsGroup): IncidentStatsLine {
    return {
      ...r,
      name: groupBy === 'platform' && r.code ? PLATFORM_NAMES[r.code as Platform] : r.name,
      closureRate: r.received === 0 ? null : round(r.closed / r.received, 4),
      acceptP50S: round(r.acceptP50S),
      acceptP95S: round(r.acceptP95S),
      closeP50S: round(r.closeP50S),
      closeP95S: round(r.closeP95S),
      ...(groupBy === 'grid' && cardsAllTime !== null ? { cardsAllTime, flagged: cardsAllTime >= this.flagAt } : {}),
    };
  }
}

/** [from, to) on reported_at: the last 30 days unless said; a period must move forward. */
export function period(from: Date | undefined, to: Date | undefined, now: Date): { from: Date; to: Date } {
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  checkOrder(start, end, 'from', 'to');
  return { from: start, to: end };
}

function checkOrder(start: Date | undefined, end: Date | undefined, startName: string, endName: string): void {
  if (start && end && start.getTime() >= end.getTime()) {
    throw new BadRequest(
      `"${startName}" must come before "${endName}"`,
      { [startName]: start, [endName]: end },
      'bad_period',
    );
  }
}

function round(n: number, digits?: number): number;
function round(n: number | null, digits?: number): number | null;
function round(n: number | null, digits = 1): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function emptyTotals(): StatsRow {
  return {
    total: true,
    id: null,
    code: null,
    name: null,
    received: 0,
    closed: 0,
    settledOnSpot: 0,
    openNow: 0,
    overdueNow: 0,
    acceptP50S: null,
    acceptP95S: null,
    closeP50S: null,
    closeP95S: null,
    yellowCards: 0,
    satisfaction: null,
    rated: 0,
    cardsAllTime: null,
  };
}
