// Statistics: received and closed incidents, closure rates and times per grid,
// village, platform or gridworker over a period, by category, and the yellow-card
// league with the grids flagged for a talk (黄牌制).
import { get } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';
import { barChart } from './charts';

interface Line {
  code: string | null;
  name: string | null;
  received: number;
  closed: number;
  closureRate: number | null;
  settledOnSpot: number;
  openNow: number;
  overdueNow: number;
  acceptP50S: number | null;
  closeP50S: number | null;
  closeP95S: number | null;
  yellowCards: number;
  flagged?: boolean;
}
interface Stats {
  rows: Line[];
  totals: Line;
  byCategory: Line[];
  flagThreshold: number;
}
interface League {
  threshold: number;
  rows: { code: string | null; name: string | null; count: number; cardsAllTime?: number; flagged?: boolean }[];
}

const GROUPS: [string, string][] = [
  ['grid', tr('网格', 'Grid')],
  ['village', tr('村', 'Village')],
  ['platform', tr('平台', 'Platform')],
  ['gridworker', tr('网格员', 'Gridworker')],
  ['subcategory', tr('小类', 'Subcategory')],
];

const hours = (s: number | null) =>
  s === null ? '—' : s < 3600 ? `${Math.round(s / 60)}${tr('分', 'm')}` : `${(s / 3600).toFixed(1)}${tr('时', 'h')}`;
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

export function createStatsPage(ctx: AppContext): Page {
  const period = h(
    'select',
    { id: 'stats-period' },
    ...[
      [7, tr('近7天', '7 days')],
      [30, tr('近30天', '30 days')],
      [90, tr('近90天', '90 days')],
      [365, tr('近一年', '1 year')],
    ].map(([d, l]) => h('option', { value: d, selected: d === 30 }, String(l))),
  );
  const group = h('select', { id: 'stats-group' }, ...GROUPS.map(([k, l]) => h('option', { value: k }, l)));
  const kpis = h('div', { class: 'kpis', id: 'stats-kpis' });
  const closure = h('div', { class: 'chart-box', id: 'chart-closure' });
  const times = h('div', { class: 'chart-box', id: 'chart-times' });
  const categories = h('div', { class: 'chart-box', id: 'chart-categories' });
  const league = h('div', { class: 'chart-box', id: 'chart-league' });
  const csv = h('button', { onclick: () => void download() }, tr('导出 CSV', 'CSV'));
  const el = h(
    'section',
    { class: 'stats-page' },
    h(
      'div',
      { class: 'wall-toolbar' },
      h('b', {}, `${ctx.town.name} · ${tr('统计', 'Statistics')}`),
      period,
      group,
      csv,
    ),
    h(
      'div',
      { class: 'stats-body' },
      kpis,
      h(
        'div',
        { class: 'chart-grid' },
        h('div', {}, h('h3', {}, tr('办结率', 'Closure rate')), closure),
        h('div', {}, h('h3', {}, tr('办结用时（中位数）', 'Time to close (median)')), times),
        h('div', {}, h('h3', {}, tr('按类别', 'By category')), categories),
        h('div', {}, h('h3', {}, tr('黄牌榜', 'Yellow-card league')), league),
      ),
    ),
  );
  const bounds = () => {
    const to = new Date();
    return { from: new Date(to.getTime() - Number(period.value) * 86_400_000).toISOString(), to: to.toISOString() };
  };
  const range = () => {
    const { from, to } = bounds();
    return `from=${from}&to=${to}`;
  };

  async function load(): Promise<void> {
    try {
      const { from, to } = bounds();
      const q = `town=${ctx.town.code}&from=${from}&to=${to}`;
      // The league names its period since/until (stats.routes.ts).
      const leagueQ = `town=${ctx.town.code}&since=${from}&until=${to}`;
      const [s, l] = await Promise.all([
        ctx.has('operator', 'dispatcher')
          ? get<Stats>(`/api/stats/incidents?groupBy=${group.value}&${q}`)
          : Promise.resolve(null),
        get<League>(
          `/api/stats/yellow-cards?groupBy=${group.value === 'platform' || group.value === 'village' ? group.value : 'grid'}&${leagueQ}`,
        ),
      ]);
      if (s) render(s);
      else
        kpis.replaceChildren(
          h(
            'div',
            { class: 'muted' },
            tr('事件统计仅对指挥室账号开放', 'Incident statistics are for command-room accounts'),
          ),
        );
      league.replaceChildren(
        l.rows.length
          ? barChart(
              l.rows.slice(0, 15).map((r) => ({
                label: r.name ?? r.code ?? '—',
                value: r.count,
                text: `${r.count}${r.flagged ? tr(' ⚑ 约谈', ' ⚑ flagged') : ''}`,
                color: r.flagged ? '#ef5350' : '#ffca28',
              })),
            )
          : h('div', { class: 'muted' }, tr('没有黄牌', 'No yellow cards')),
      );
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  function render(s: Stats): void {
    const t = s.totals;
    const kpi = (label: string, value: string, id: string) =>
      h(
        'div',
        { class: 'kpi', 'data-kpi': id },
        h('div', { class: 'kpi-value' }, value),
        h('div', { class: 'muted' }, label),
      );
    kpis.replaceChildren(
      kpi(tr('受理', 'Received'), String(t.received), 'received'),
      kpi(tr('办结', 'Closed'), String(t.closed), 'closed'),
      kpi(tr('办结率', 'Closure rate'), pct(t.closureRate), 'rate'),
      kpi(tr('当场解决', 'Settled on the spot'), String(t.settledOnSpot), 'spot'),
      kpi(tr('在办', 'Open now'), String(t.openNow), 'open'),
      kpi(tr('超时', 'Overdue'), String(t.overdueNow), 'overdue'),
      kpi(tr('受理用时', 'Time to accept'), hours(t.acceptP50S), 'accept'),
      kpi(tr('办结用时 P95', 'Time to close P95'), hours(t.closeP95S), 'close95'),
      kpi(tr('黄牌', 'Yellow cards'), String(t.yellowCards), 'cards'),
    );
    const rows = s.rows.filter((r) => r.received > 0).slice(0, 20);
    const label = (r: Line) => r.name ?? r.code ?? tr('未归属', 'none');
    closure.replaceChildren(
      rows.length
        ? barChart(
            rows.map((r) => ({
              label: label(r),
              value: r.closureRate ?? 0,
              text: `${pct(r.closureRate)} (${r.closed}/${r.received})`,
              color: (r.closureRate ?? 0) < 0.9 ? '#ff9800' : '#4caf50',
            })),
            { max: 1 },
          )
        : h('div', { class: 'muted' }, tr('该时段没有事件', 'No incidents in this period')),
    );
    const timed = rows.filter((r) => r.closeP50S !== null);
    times.replaceChildren(
      timed.length
        ? barChart(timed.map((r) => ({ label: label(r), value: r.closeP50S!, text: hours(r.closeP50S) })))
        : h('div', { class: 'muted' }, '—'),
    );
    categories.replaceChildren(
      s.byCategory.length
        ? barChart(s.byCategory.map((r) => ({ label: label(r), value: r.received, color: '#7e57c2' })))
        : h('div', { class: 'muted' }, '—'),
    );
  }

  async function download(): Promise<void> {
    const res = await fetch(`/api/stats/incidents?groupBy=${group.value}&town=${ctx.town.code}&${range()}&format=csv`, {
      headers: { authorization: `Bearer ${localStorage.getItem('wg.token') ?? ''}` },
    });
    if (!res.ok) return toast(tr('导出失败', 'Export failed'), 'error');
    const a = h('a', {
      href: URL.createObjectURL(await res.blob()),
      download: `stats-${ctx.town.code}-${group.value}.csv`,
    });
    a.click();
  }

  period.addEventListener('change', () => void load());
  group.addEventListener('change', () => void load());
  return { el, show: () => void load() };
}
