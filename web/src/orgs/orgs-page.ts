// 组织: the town's organisations as a tree (command room → platforms → departments;
// villages; the county centre and its departments), an organisation's members and their
// duty (受理, 处置, 负责人), and, for admins, adding organisations and members. Below, the
// department league (部门排行): received, accepted, finished, returned, overdue, yellow
// cards, mean times and satisfaction, cleanest first.
import '../components/orgs.css';
import { ApiError, get, post, put } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';
import { DUTY_LABEL, KIND_LABEL, PLATFORM_LABEL, fill } from '../components/org-labels';

interface Org {
  id: number;
  code: string;
  name: string;
  kind: string;
  townId: number | null;
  parentId: number | null;
  platform: string | null;
  acceptMinutes: number;
  finishMinutes: number;
  phone: string | null;
  active: boolean;
  members: number;
}
interface Member {
  accountId: number;
  username: string;
  displayName: string;
  duty: string;
}
interface LeagueRow {
  orgId: number;
  code: string;
  name: string;
  kind: string;
  received: number;
  accepted: number;
  finished: number;
  returned: number;
  open: number;
  overdue: number;
  cards: number;
  acceptMinutesAvg: number | null;
  finishMinutesAvg: number | null;
  satisfaction: number | null;
}

const KIND_ORDER = ['county_centre', 'county_department', 'command_room', 'platform', 'department', 'village'];
const minutes = (m: number | null) =>
  m === null ? '—' : m < 120 ? `${Math.round(m)}${tr('分', 'm')}` : `${(m / 60).toFixed(1)}${tr('时', 'h')}`;

export function createOrgsPage(ctx: AppContext): Page {
  const isAdmin = ctx.has('admin');
  const tree = h('tbody', { id: 'org-rows' });
  const detail = h(
    'div',
    { id: 'org-detail' },
    h('div', { class: 'muted' }, tr('选择一个组织', 'Choose an organisation')),
  );
  const league = h('tbody', { id: 'league-rows' });
  const el = h(
    'div',
    { class: 'orgs-page' },
    h(
      'section',
      { class: 'org-tree' },
      h('h3', {}, `${tr('组织', 'Organisations')} · ${ctx.town.name}`),
      h('table', {}, tree),
      isAdmin ? newOrgForm() : null,
    ),
    h(
      'section',
      {},
      detail,
      h('h3', {}, tr('部门排行（近30天）', 'Department league (30 days)')),
      h(
        'table',
        { id: 'league' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              tr('部门', 'Department'),
              tr('交办', 'Received'),
              tr('受理', 'Accepted'),
              tr('反馈', 'Finished'),
              tr('退回', 'Returned'),
              tr('超时', 'Overdue'),
              tr('黄牌', 'Cards'),
              tr('平均受理', 'Accept'),
              tr('平均办结', 'Finish'),
              tr('满意度', 'Rating'),
            ].map((x) => h('th', {}, x)),
          ),
        ),
        league,
      ),
    ),
  );
  let orgs: Org[] = [];

  async function load(): Promise<void> {
    try {
      orgs = await get<Org[]>(`/api/organisations?town=${encodeURIComponent(ctx.town.code)}`);
      drawTree();
      const rows = await get<LeagueRow[]>('/api/stats/departments').catch(() => [] as LeagueRow[]);
      league.replaceChildren(
        ...rows
          .filter((r) => r.kind !== 'county_centre')
          .map((r) =>
            h(
              'tr',
              { 'data-league': r.code },
              h('td', {}, r.name),
              ...[r.received, r.accepted, r.finished, r.returned, r.overdue, r.cards].map((n) =>
                h('td', {}, String(n)),
              ),
              h('td', {}, minutes(r.acceptMinutesAvg)),
              h('td', {}, minutes(r.finishMinutesAvg)),
              h('td', {}, r.satisfaction === null ? '—' : r.satisfaction.toFixed(2)),
            ),
          ),
      );
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  function drawTree(): void {
    const children = (id: number | null) => orgs.filter((o) => o.parentId === id);
    const rows: HTMLElement[] = [];
    const row = (o: Org, depth: number) => {
      rows.push(
        h(
          'tr',
          { class: 'clickable', 'data-org': o.code, onclick: () => void openOrg(o.id) },
          h(
            'td',
            { class: `indent-${Math.min(depth, 2)}` },
            h('b', {}, o.name),
            o.active ? null : h('span', { class: 'muted' }, tr('（停用）', ' (inactive)')),
          ),
          h('td', { class: 'muted' }, KIND_LABEL[o.kind] ?? o.kind),
          h('td', { class: 'muted' }, o.platform ? (PLATFORM_LABEL[o.platform] ?? o.platform) : ''),
          h('td', { class: 'muted' }, `${o.members} ${tr('人', 'people')}`),
        ),
      );
      for (const c of children(o.id)) row(c, depth + 1);
    };
    const roots = orgs
      .filter((o) => o.parentId === null || !orgs.some((p) => p.id === o.parentId))
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    for (const r of roots) row(r, 0);
    tree.replaceChildren(...rows);
  }

  async function openOrg(id: number): Promise<void> {
    const o = await get<Org & { memberList: Member[] }>(`/api/organisations/${id}`);
    const accountSelect = h('select', { id: 'member-account' });
    const duty = h(
      'select',
      { id: 'member-duty' },
      ...Object.entries(DUTY_LABEL).map(([k, v]) => h('option', { value: k }, v)),
    );
    if (isAdmin) {
      const accounts = await get<{ id: number; username: string; displayName: string }[]>('/api/accounts').catch(
        () => [],
      );
      accountSelect.append(...accounts.map((a) => h('option', { value: a.id }, `${a.displayName} (${a.username})`)));
    }
    const setMember = async (accountId: number, d: string | null) => {
      try {
        await put(`/api/organisations/${id}/members`, { accountId, duty: d });
        toast(tr('已保存', 'Saved'), 'ok');
        await openOrg(id);
        await load();
      } catch (err) {
        toast(err instanceof ApiError ? err.message : String(err), 'error');
      }
    };
    fill(
      detail,
      h('h3', {}, `${o.name} · ${KIND_LABEL[o.kind] ?? o.kind}`),
      h(
        'div',
        { class: 'muted' },
        `${tr('受理时限', 'Accept within')} ${minutes(o.acceptMinutes)} · ${tr('办结时限', 'finish within')} ${minutes(o.finishMinutes)}${o.phone ? ` · ☎ ${o.phone}` : ''}`,
      ),
      h(
        'table',
        { id: 'member-rows' },
        ...o.memberList.map((m) =>
          h(
            'tr',
            { 'data-member': m.username },
            h('td', {}, m.displayName),
            h('td', { class: 'muted' }, m.username),
            h('td', {}, DUTY_LABEL[m.duty] ?? m.duty),
            isAdmin
              ? h(
                  'td',
                  {},
                  h(
                    'button',
                    { class: 'link', onclick: () => void setMember(m.accountId, null) },
                    tr('移出', 'Remove'),
                  ),
                )
              : null,
          ),
        ),
      ),
      isAdmin
        ? h(
            'div',
            { class: 'card-actions' },
            accountSelect,
            duty,
            h(
              'button',
              { id: 'member-add', onclick: () => void setMember(Number(accountSelect.value), duty.value) },
              tr('加入', 'Add'),
            ),
          )
        : null,
    );
  }

  function newOrgForm(): HTMLElement {
    const code = h('input', { id: 'org-code', placeholder: 'hb-scjgs' });
    const name = h('input', { id: 'org-name', placeholder: tr('航埠市场监管所', 'Name') });
    const kind = h(
      'select',
      { id: 'org-kind' },
      ...Object.entries(KIND_LABEL).map(([k, v]) => h('option', { value: k }, v)),
    );
    const area = h('input', { id: 'org-area', value: ctx.town.code });
    const parent = h('input', { id: 'org-parent', placeholder: tr('上级组织代码', 'Parent code') });
    const platform = h(
      'select',
      { id: 'org-platform' },
      h('option', { value: '' }, '—'),
      ...Object.entries(PLATFORM_LABEL).map(([k, v]) => h('option', { value: k }, v)),
    );
    return h(
      'details',
      {},
      h('summary', {}, tr('新增组织', 'Add an organisation')),
      h(
        'div',
        { class: 'org-form' },
        tr('代码', 'Code'),
        code,
        tr('名称', 'Name'),
        name,
        tr('类型', 'Kind'),
        kind,
        tr('区域代码', 'Area code'),
        area,
        tr('上级', 'Parent'),
        parent,
        tr('平台', 'Platform'),
        platform,
      ),
      h(
        'button',
        {
          id: 'org-create',
          class: 'primary',
          onclick: async () => {
            try {
              await post('/api/organisations', {
                code: code.value,
                name: name.value,
                kind: kind.value,
                areaCode: area.value,
                parentCode: parent.value || undefined,
                platform: platform.value || undefined,
              });
              toast(tr('已新增', 'Added'), 'ok');
              await load();
            } catch (err) {
              toast(err instanceof ApiError ? err.message : String(err), 'error');
            }
          },
        },
        tr('新增', 'Add'),
      ),
    );
  }

  return { el, show: () => void load() };
}
