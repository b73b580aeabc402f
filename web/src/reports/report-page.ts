// 月报: the monthly report of a town, or of one department, laid out as an A4 sheet the
// browser prints (chromium's Page.printToPDF makes the PDF): the month's figures, per
// platform (received, closed, closure rate, overdue, yellow cards, satisfaction) and per
// department (handed, accepted, finished, returned, overdue, yellow cards, mean accept and
// finish times, satisfaction).
import './reports.css';
import { get } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';
import { fill } from '../components/org-labels';

interface Line {
  code: string | null;
  name: string | null;
  received: number;
  closed: number;
  closureRate: number | null;
  openNow: number;
  overdueNow: number;
  yellowCards: number;
  closeP50S: number | null;
}
interface LeagueRow {
  code: string;
  name: string;
  kind: string;
  platform: string | null;
  received: number;
  accepted: number;
  finished: number;
  returned: number;
  overdue: number;
  cards: number;
  acceptMinutesAvg: number | null;
  finishMinutesAvg: number | null;
  satisfaction: number | null;
}

const PLATFORM: Record<string, string> = {
  zongzhi: '综治工作',
  shichang: '市场监管',
  zhifa: '综合执法',
  bianmin: '便民服务',
};
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const mins = (m: number | null) => (m === null ? '—' : m < 120 ? `${Math.round(m)} 分` : `${(m / 60).toFixed(1)} 时`);

/** The first day of the month of `ym` (YYYY-MM) and of the next, as dates (China days). */
function monthRange(ym: string): { from: string; to: string } {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { from: `${ym}-01`, to: `${next}-01` };
}

export function createReportPage(ctx: AppContext): Page {
  const now = new Date();
  const month = h('input', {
    type: 'month',
    id: 'report-month',
    value: `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`,
  });
  const org = h('select', { id: 'report-org' }, h('option', { value: '' }, tr('全镇', 'Whole town')));
  const sheet = h('div', { class: 'report-sheet', id: 'report-sheet' });
  const el = h(
    'section',
    { class: 'report-page' },
    h(
      'div',
      { class: 'report-controls' },
      h('b', {}, tr('月报', 'Monthly report')),
      month,
      org,
      h('button', { id: 'report-draw', onclick: () => void draw() }, tr('生成', 'Make')),
      h(
        'button',
        { id: 'report-print', class: 'primary', onclick: () => window.print() },
        tr('打印 / PDF', 'Print / PDF'),
      ),
    ),
    sheet,
  );
  let orgsLoaded = false;

  async function draw(): Promise<void> {
    const { from, to } = monthRange(month.value);
    try {
      const toExclusive = new Date(`${to}T00:00:00+08:00`).toISOString();
      const fromIso = new Date(`${from}T00:00:00+08:00`).toISOString();
      const [platforms, league] = await Promise.all([
        get<{ rows: Line[]; totals: Line }>(
          `/api/stats/incidents?groupBy=platform&town=${ctx.town.code}&from=${from}&to=${to}`,
        ).catch(() => null),
        get<LeagueRow[]>(`/api/stats/departments?from=${fromIso}&to=${toExclusive}`),
      ]);
      if (!orgsLoaded) {
        orgsLoaded = true;
        org.append(
          ...league.filter((r) => r.kind !== 'county_centre').map((r) => h('option', { value: r.code }, r.name)),
        );
      }
      const one = org.value ? league.find((r) => r.code === org.value) : undefined;
      const depts = one ? [one] : league.filter((r) => r.kind !== 'county_centre' && r.received > 0);
      const satisfaction = (rows: LeagueRow[]) => {
        const rated = rows.filter((r) => r.satisfaction !== null);
        if (!rated.length) return null;
        const w = rated.reduce((n, r) => n + r.finished, 0) || rated.length;
        return rated.reduce((s, r) => s + r.satisfaction! * (r.finished || 1), 0) / w;
      };
      const t = platforms?.totals;
      const title = one ? one.name : ctx.town.name;
      fill(
        sheet,
        h('h1', {}, `${title} ${month.value.replace('-', ' 年 ')} 月 网格化社会治理月报`),
        h(
          'div',
          { class: 'sub' },
          `${from} 至 ${to}（不含） · 生成于 ${new Date().toLocaleString('zh-CN', { hour12: false })}`,
        ),
        h('h2', {}, '一、总体情况'),
        one
          ? h(
              'div',
              { class: 'kpis', id: 'report-kpis' },
              ...[
                ['交办', one.received],
                ['受理', one.accepted],
                ['办结反馈', one.finished],
                ['退回', one.returned],
                ['黄牌', one.cards],
              ].map(([l, v]) => h('div', {}, h('b', {}, String(v)), String(l))),
            )
          : h(
              'div',
              { class: 'kpis', id: 'report-kpis' },
              ...[
                ['受理事件', t?.received ?? '—'],
                ['办结', t?.closed ?? '—'],
                ['办结率', pct(t?.closureRate ?? null)],
                ['超时未办', t?.overdueNow ?? '—'],
                [
                  '群众满意度',
                  (() => {
                    const s = satisfaction(league);
                    return s === null ? '—' : `${s.toFixed(2)} / 5`;
                  })(),
                ],
              ].map(([l, v]) => h('div', {}, h('b', {}, String(v)), String(l))),
            ),
        one
          ? null
          : h(
              'div',
              {},
              h('h2', {}, '二、分平台情况'),
              h(
                'table',
                { id: 'report-platforms' },
                h(
                  'tr',
                  {},
                  ...['平台', '受理', '办结', '办结率', '在办', '超时', '黄牌', '满意度'].map((x) => h('th', {}, x)),
                ),
                ...(platforms?.rows ?? []).map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, PLATFORM[r.code ?? ''] ?? r.name ?? '—'),
                    ...[r.received, r.closed, pct(r.closureRate), r.openNow, r.overdueNow, r.yellowCards].map((v) =>
                      h('td', {}, String(v)),
                    ),
                    h(
                      'td',
                      {},
                      (() => {
                        const s = satisfaction(league.filter((d) => d.platform === r.code));
                        return s === null ? '—' : s.toFixed(2);
                      })(),
                    ),
                  ),
                ),
              ),
            ),
        h('h2', {}, one ? '二、办理情况' : '三、部门办理情况'),
        h(
          'table',
          { id: 'report-departments' },
          h(
            'tr',
            {},
            ...['部门', '交办', '受理', '反馈', '退回', '超时', '黄牌', '平均受理', '平均办结', '满意度'].map((x) =>
              h('th', {}, x),
            ),
          ),
          ...depts.map((r) =>
            h(
              'tr',
              { 'data-report-org': r.code },
              h('td', {}, r.name),
              ...[r.received, r.accepted, r.finished, r.returned, r.overdue, r.cards].map((v) =>
                h('td', {}, String(v)),
              ),
              h('td', {}, mins(r.acceptMinutesAvg)),
              h('td', {}, mins(r.finishMinutesAvg)),
              h('td', {}, r.satisfaction === null ? '—' : r.satisfaction.toFixed(2)),
            ),
          ),
        ),
        h('div', { class: 'sign' }, h('span', {}, '制表：综合信息指挥室'), h('span', {}, '审核：__________')),
      );
      sheet.dataset['ready'] = month.value;
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  return { el, show: () => void draw() };
}
