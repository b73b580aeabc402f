// Statistics for the command room (JSON for the web app, CSV for spreadsheets) and the
// yellow cards: the list with the incident behind each card, a grid's cards and flag,
// and the league of grids, platforms or villages.
import type { Request } from 'express';
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import type { IncidentRouteDeps } from './route-deps.js';
import { attachment, toCsv, type CsvColumn } from './csv.js';
import { PLATFORMS } from './model.js';
import { LEAGUE_GROUPS, STATS_GROUPS, type StatsGroup } from './stats.repository.js';
import type { IncidentStats, IncidentStatsLine } from './stats.service.js';
import { EVERYONE } from '../platform/auth/roles.js';

const COMMAND_ROOM = ['operator', 'dispatcher'] as const;
// Yellow cards are counts per grid that every map shades (黄牌制), no one's personal data: EVERYONE.

// Towns keep China Standard Time (UTC+8, no summer time): a day asked for is theirs.
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const chinaDay = (d: Date) => new Date(d.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/**
 * A time with its offset, or a day (China time). A day that ends a period counts whole:
 * from=2026-11-01&to=2026-11-30 is November.
 */
const timeParam = (end: boolean) =>
  z.string().transform((text, ctx) => {
    const day = DATE_ONLY.test(text);
    const time = new Date(day ? `${text}T00:00:00+08:00` : text);
    if (Number.isNaN(time.getTime()) || (day && chinaDay(time) !== text)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a time such as 2026-11-01T08:00:00+08:00, or a day such as 2026-11-01 (China time)',
      });
      return z.NEVER;
    }
    return day && end ? new Date(time.getTime() + DAY_MS) : time;
  });
const Start = timeParam(false).optional();
const End = timeParam(true).optional();

const StatsQuery = z.strictObject({
  groupBy: z.enum(STATS_GROUPS).default('grid'),
  town: z.string().min(1).optional(),
  from: Start,
  to: End,
  format: z.enum(['json', 'csv']).optional(),
});

const CardsQuery = z.strictObject({
  town: z.string().min(1).optional(),
  grid: z.string().min(1).optional(),
  platform: z.enum(PLATFORMS).optional(),
  since: Start,
  until: End,
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

const LeagueQuery = z.strictObject({
  groupBy: z.enum(LEAGUE_GROUPS).default('grid'),
  town: z.string().min(1).optional(),
  since: Start,
  until: End,
});

/** CSV when asked by `format=csv`, or by an Accept header that prefers it to JSON. */
function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

const GROUP_LABELS: Record<StatsGroup, string> = {
  town: '镇街 town',
  village: '村社 village',
  grid: '网格 grid',
  platform: '平台 platform',
  gridworker: '网格员 gridworker',
  category: '大类 category',
  subcategory: '小类 subcategory',
};

type CsvLine = IncidentStatsLine & { isTotal?: boolean };

function statsColumns(groupBy: StatsGroup): CsvColumn<CsvLine>[] {
  const columns: CsvColumn<CsvLine>[] = [
    { header: `${GROUP_LABELS[groupBy]} 编码 code`, value: (r) => r.code ?? r.id },
    { header: '名称 name', value: (r) => (r.isTotal ? '合计 total' : (r.name ?? '（无）none')) },
    { header: '收到 received', value: (r) => r.received },
    { header: '办结 closed', value: (r) => r.closed },
    {
      header: '办结率% closure rate %',
      value: (r) => (r.closureRate === null ? null : Math.round(r.closureRate * 1000) / 10),
    },
    { header: '就地化解 settled on the spot', value: (r) => r.settledOnSpot },
    { header: '在办 open now', value: (r) => r.openNow },
    { header: '超期 overdue now', value: (r) => r.overdueNow },
    { header: '受理用时中位数(秒) accept p50 s', value: (r) => r.acceptP50S },
    { header: '受理用时P95(秒) accept p95 s', value: (r) => r.acceptP95S },
    { header: '办结用时中位数(秒) close p50 s', value: (r) => r.closeP50S },
    { header: '办结用时P95(秒) close p95 s', value: (r) => r.closeP95S },
    { header: '黄牌 yellow cards', value: (r) => r.yellowCards },
  ];
  if (groupBy === 'grid') {
    columns.push(
      { header: '累计黄牌 cards all time', value: (r) => r.cardsAllTime },
      { header: '亮牌 flagged', value: (r) => (r.flagged === undefined ? null : r.flagged ? '是 yes' : '否 no') },
    );
  }
  return columns;
}

function statsCsv(stats: IncidentStats): { filename: string; body: string } {
  const lines: CsvLine[] = [...stats.rows, { ...stats.totals, isTotal: true }];
  return {
    // The last day the period covers, as the town counts days.
    filename: `incident-stats_${stats.town?.code ?? 'all-towns'}_${stats.groupBy}_${chinaDay(stats.from)}_${chinaDay(new Date(stats.to.getTime() - 1))}.csv`,
    body: toCsv(statsColumns(stats.groupBy), lines),
  };
}

export function statsRoutes(services: IncidentRouteDeps): AnyRoute[] {
  const { stats } = services.incidents;
  return [
    route({
      method: 'get',
      path: '/api/stats/incidents',
      tag: 'statistics',
      access: COMMAND_ROOM,
      query: StatsQuery,
      summary:
        'Incidents per town, village, grid, platform, gridworker, category or subcategory over a period (reported_at in [from, to), ' +
        'default the last 30 days; a day such as 2026-11-30 is a whole China day): received, closed, closure rate, settled on the spot, open and overdue now, median and p95 seconds ' +
        'to accept and to close, yellow cards given in the period and, for grids, the flag; with totals and a breakdown by category. ' +
        'CSV (UTF-8 with BOM) with format=csv or Accept: text/csv',
      responses: { 200: { description: 'JSON, or CSV for spreadsheets', contentType: 'text/csv' } },
      handler: async ({ auth, query, req, res }) => {
        const result = await stats.incidentStats(auth, {
          groupBy: query.groupBy,
          townCode: query.town,
          from: query.from,
          to: query.to,
        });
        if (!wantsCsv(req, query.format)) return result;
        const csv = statsCsv(result);
        const town = query.town ? await services.townByCode(query.town) : null;
        await services.securityLog.record({
          kind: 'export',
          actor: auth.me,
          ip: req.ip,
          townIds: town ? [town.id] : auth.me.townIds,
          subject: csv.filename,
          details: { what: 'incident statistics', format: 'csv', groupBy: result.groupBy, rows: result.rows.length },
        });
        res
          .status(200)
          .set('content-type', 'text/csv; charset=utf-8')
          .set('content-disposition', attachment(csv.filename))
          .send(csv.body);
      },
    }),
    route({
      method: 'get',
      path: '/api/yellow-cards',
      tag: 'statistics',
      access: EVERYONE,
      query: CardsQuery,
      summary:
        'Yellow cards, newest first, each with its incident (subcategory, description, state) and the deadline it missed',
      handler: ({ auth, query }) =>
        stats.cards(auth, {
          townCode: query.town,
          gridCode: query.grid,
          platform: query.platform,
          since: query.since,
          until: query.until,
          limit: query.limit,
          offset: query.offset,
        }),
    }),
    route({
      method: 'get',
      path: '/api/grids/:code/yellow-cards',
      tag: 'statistics',
      access: EVERYONE,
      params: z.strictObject({ code: z.string().min(1) }),
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(500) }),
      summary: "A grid's yellow cards with the incidents behind them, their count and whether the grid is flagged",
      handler: ({ auth, params, query }) => stats.gridCards(auth, params.code, query.limit),
    }),
    route({
      method: 'get',
      path: '/api/stats/yellow-cards',
      tag: 'statistics',
      access: EVERYONE,
      query: LeagueQuery,
      summary:
        'The yellow-card league: cards per grid, platform or village (given in [since, until), default all time), most first; grids with their flag (all their cards ≥ YELLOW_CARDS_TO_FLAG)',
      handler: ({ auth, query }) =>
        stats.league(auth, { townCode: query.town, groupBy: query.groupBy, since: query.since, until: query.until }),
    }),
  ];
}
