// 县域: an account covering several towns (the county's centre) sees them side by side.
// One map over every town, each shaded by the measure chosen (closure rate, overdue,
// satisfaction, yellow cards, reports), a label per town (county-map.ts); and the table
// comparing the towns over a period, sortable. A row frames its town.
import { api } from '../api';
import type { Answer } from '../api/types';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { everyTown } from '../live';
import { atMostEvery } from '../at-most-every';
import type { Page } from '../page';
import type { CountyMap } from './county-map';
import './county.css';

type Comparison = Answer<'/api/stats/towns', 'get'>;
type TownLine = Comparison['towns'][number];
type Totals = Comparison['totals'];

/** The figures are asked again after a live change, but not more often than this. */
const REFRESH_MS = 5000;

type Key = keyof Omit<TownLine, 'id' | 'code' | 'bbox' | 'centre'>;

const hours = (s: number | null) =>
  s === null ? '—' : s < 3600 ? `${Math.round(s / 60)}${tr('分', 'm')}` : `${(s / 3600).toFixed(1)}${tr('时', 'h')}`;
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const score = (r: number | null) => (r === null ? '—' : r.toFixed(2));

/** The table's columns: what each shows, and whether more is better (for the map's shading). */
const COLUMNS: { key: Key; label: string; show: (l: Totals) => string }[] = [
  { key: 'received', label: tr('上报', 'Reported'), show: (l) => String(l.received) },
  { key: 'closed', label: tr('办结', 'Closed'), show: (l) => String(l.closed) },
  { key: 'closureRate', label: tr('办结率', 'Closure rate'), show: (l) => pct(l.closureRate) },
  { key: 'overdueNow', label: tr('超期', 'Overdue'), show: (l) => String(l.overdueNow) },
  { key: 'acceptP50S', label: tr('受理用时', 'To accept'), show: (l) => hours(l.acceptP50S) },
  { key: 'closeP50S', label: tr('办结用时', 'To close'), show: (l) => hours(l.closeP50S) },
  { key: 'satisfaction', label: tr('满意度', 'Satisfaction'), show: (l) => score(l.satisfaction) },
  { key: 'yellowCards', label: tr('黄牌', 'Yellow cards'), show: (l) => String(l.yellowCards) },
  { key: 'handoffs', label: tr('交办', 'Handed'), show: (l) => String(l.handoffs) },
  { key: 'escalated', label: tr('上报县级', 'To county'), show: (l) => String(l.escalated) },
];

/** Measures the map shades by; `good` says which end is good. */
const MEASURES: { key: Key; label: string; good: 'high' | 'low' }[] = [
  { key: 'closureRate', label: tr('办结率', 'Closure rate'), good: 'high' },
  { key: 'overdueNow', label: tr('超期', 'Overdue'), good: 'low' },
  { key: 'satisfaction', label: tr('满意度', 'Satisfaction'), good: 'high' },
  { key: 'yellowCards', label: tr('黄牌', 'Yellow cards'), good: 'low' },
  { key: 'received', label: tr('上报量', 'Reports'), good: 'low' },
];

export async function createCountyPage(_ctx: AppContext): Promise<Page> {
  const mapBox = h('div', { class: 'map county-map', id: 'county-map' });
  const period = h(
    'select',
    { id: 'county-period' },
    ...[
      [7, tr('近7天', '7 days')],
      [30, tr('近30天', '30 days')],
      [90, tr('近90天', '90 days')],
    ].map(([d, l]) => h('option', { value: d, selected: d === 30 }, String(l))),
  );
  const measure = h('select', { id: 'county-measure' }, ...MEASURES.map((m) => h('option', { value: m.key }, m.label)));
  const head = h('tr', {});
  const rows = h('tbody', { id: 'county-rows' });
  const foot = h('tfoot', { id: 'county-totals' });
  const el = h(
    'section',
    { class: 'county-page' },
    mapBox,
    h(
      'aside',
      { class: 'county-panel' },
      h(
        'div',
        { class: 'wall-toolbar' },
        h('b', {}, tr('各乡镇对比', 'Towns compared')),
        period,
        h('label', {}, tr('地图着色 ', 'Map shows '), measure),
      ),
      h('table', { class: 'county-table' }, h('thead', {}, head), rows, foot),
    ),
  );

  // MapLibre loads while the numbers come.
  const mapCode = import('./county-map');
  let data: Comparison = await load();
  let sortKey: Key = 'received';
  let sortDesc = true;
  let selected: number | null = null;
  /** Made at the first show, when its box has a size: framed at once, no tile fetched for nothing. */
  let map: CountyMap | null = null;
  let making: Promise<void> | null = null;

  async function load(): Promise<Comparison> {
    const to = new Date();
    const from = new Date(to.getTime() - Number(period.value) * 86_400_000);
    return api.get('/api/stats/towns', { query: { from: from.toISOString(), to: to.toISOString() } });
  }

  function sortedTowns(): TownLine[] {
    const value = (l: TownLine) => {
      const v = l[sortKey];
      return typeof v === 'number' ? v : typeof v === 'string' ? v : -Infinity;
    };
    return [...data.towns].sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const c = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y), 'zh') : x - y;
      return (sortDesc ? -c : c) || a.code.localeCompare(b.code);
    });
  }

  function renderTable(): void {
    const header = (key: Key, label: string) =>
      h(
        'th',
        {
          class: 'clickable',
          'data-sort': key,
          onclick: () => {
            sortDesc = sortKey === key ? !sortDesc : key !== 'name';
            sortKey = key;
            renderTable();
          },
        },
        label,
        sortKey === key ? (sortDesc ? ' ▼' : ' ▲') : '',
      );
    head.replaceChildren(header('name', tr('乡镇', 'Town')), ...COLUMNS.map((c) => header(c.key, c.label)));
    rows.replaceChildren(
      ...sortedTowns().map((t) =>
        h(
          'tr',
          {
            class: `clickable${t.id === selected ? ' selected' : ''}`,
            'data-town': t.code,
            onclick: () => frame(t),
          },
          h('td', {}, t.name),
          ...COLUMNS.map((c) =>
            h(
              'td',
              {
                'data-col': c.key,
                title:
                  c.key === 'yellowCards'
                    ? tr(
                        `网格 ${t.gridCards} · 部门 ${t.orgCards}`,
                        `grids ${t.gridCards} · organisations ${t.orgCards}`,
                      )
                    : undefined,
              },
              c.show(t),
            ),
          ),
        ),
      ),
    );
    foot.replaceChildren(
      h(
        'tr',
        {},
        h('td', {}, tr('合计', 'All')),
        ...COLUMNS.map((c) => h('td', { 'data-col': c.key }, c.show(data.totals))),
      ),
    );
    el.dataset['towns'] = String(data.towns.length);
  }

  /** Each town's shade from good (0) to bad (1) on the chosen measure, and its label. */
  function shade(): void {
    const m = MEASURES.find((x) => x.key === measure.value)!;
    const values = data.towns.map((t) => t[m.key]).filter((v): v is number => typeof v === 'number');
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    map?.shade(
      data.towns.map((t) => {
        const v = t[m.key];
        const at = typeof v !== 'number' ? -1 : hi === lo ? 0.5 : (v - lo) / (hi - lo);
        return {
          id: t.id,
          code: t.code,
          name: t.name,
          centre: t.centre,
          shade: at < 0 ? -1 : m.good === 'high' ? 1 - at : at,
          label: COLUMNS.find((c) => c.key === m.key)?.show(t) ?? String(v),
        };
      }),
      selected,
    );
  }

  function frame(t: TownLine): void {
    selected = t.id;
    map?.frame(t.bbox);
    shade();
    renderTable();
  }

  renderTable();
  performance.mark('county:table');

  async function makeMap(): Promise<void> {
    const { CountyMap } = await mapCode;
    map = new CountyMap(mapBox, data.bbox ?? [73, 18, 135, 54], (code) => {
      const t = data.towns.find((x) => x.code === code);
      if (t) frame(t);
    });
    shade();
  }

  /** Counts requests for the figures: only the answer to the latest one is drawn. */
  let asked = 0;
  function refresh(): void {
    const mine = ++asked;
    void load()
      .then((fresh) => {
        if (mine !== asked) return;
        data = fresh;
        renderTable();
        shade();
      })
      .catch((err: Error) => toast(err.message, 'error'));
  }

  measure.addEventListener('change', shade);
  period.addEventListener('change', refresh);
  // Any town's new or changed case moves the figures: asked again, at most every REFRESH_MS
  // (counted from the first answer, just fetched).
  const refreshSoon = atMostEvery(REFRESH_MS, refresh, Date.now());
  everyTown.on('incidents', refreshSoon);
  everyTown.on('handoffs', refreshSoon);
  // At every open (the page shown again, back after an outage): what changed meanwhile was not heard.
  everyTown.onOpen(refreshSoon);
  let release: (() => void) | null = null;
  return {
    el,
    show: () => {
      release ??= everyTown.need();
      if (map) map.resize();
      else making ??= makeMap().catch((err: Error) => toast(err.message, 'error'));
    },
    hide: () => {
      release?.();
      release = null;
    },
  };
}
