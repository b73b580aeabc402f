// 改类改级 on the incident card: the command room corrects what a case is (its
// subcategory, and with it the platform that handles it) and how severe it is
// (POST /api/incidents/:id/reclassify); the server keeps the before and after in the
// timeline, which says them in words here.
import './dispatch.css';
import { ApiError, get, post } from '../api';
import { h, toast } from '../dom';
import { lang, tr } from '../i18n';
import type { Incident } from '../incidents-store';

export const PLATFORM_NAME: Record<string, string> = {
  zongzhi: '综治工作',
  shichang: '市场监管',
  zhifa: '综合执法',
  bianmin: '便民服务',
};

interface Subcategory {
  code: string;
  name: string;
  nameEn: string;
  platform: string;
  active?: boolean;
}
interface Taxonomy {
  categories: { code: string; name: string; nameEn: string; subcategories: Subcategory[] }[];
}

let taxonomy: Promise<Taxonomy> | null = null;
/** Subcategory names by code, once the taxonomy is in (the timeline names what changed). */
const names = new Map<string, string>();

export function loadTaxonomy(): Promise<Taxonomy> {
  taxonomy ??= get<Taxonomy>('/api/incident-types').then((t) => {
    for (const c of t.categories) for (const s of c.subcategories) names.set(s.code, lang === 'en' ? s.nameEn : s.name);
    return t;
  });
  taxonomy.catch(() => (taxonomy = null));
  return taxonomy;
}

interface Change {
  subcategory?: string;
  subcategoryCode?: string;
  platform?: string;
  severity?: number;
}

/** A reclassify step's before and after in words: 类别 A → B（平台）· 等级 1 → 3. */
export function describeReclassify(data: unknown): string {
  const d = (data ?? {}) as { from?: Change; to?: Change };
  const from = d.from ?? {};
  const to = d.to ?? {};
  const sub = (c: Change) => c.subcategory ?? c.subcategoryCode ?? '';
  const parts: string[] = [];
  if (sub(from) !== sub(to)) {
    const name = (code: string) => names.get(code) ?? code;
    const platform = from.platform !== to.platform ? `（${PLATFORM_NAME[to.platform ?? ''] ?? to.platform}）` : '';
    parts.push(`${tr('类别', 'Kind')} ${name(sub(from))} → ${name(sub(to))}${platform}`);
  }
  if (from.severity !== to.severity) parts.push(`${tr('等级', 'Severity')} ${from.severity} → ${to.severity}`);
  return parts.join(' · ');
}

/**
 * 改类改级…: a button that unfolds the platform, the subcategories of that platform, the
 * severity and a note; the confirmation sends only what changed, and `done` gets the
 * incident as the server answers it.
 */
export function reclassifyPicker(
  incident: Incident,
  done: (changed: Incident) => void,
): { button: HTMLElement; panel: HTMLElement } {
  const panel = h('div', { id: 'reclassify-box', class: 'merge-box', hidden: true });
  const button = h('button', { 'data-action': 'reclassify', id: 'reclassify-open' }, tr('改类改级…', 'Reclassify…'));
  const platform = h(
    'select',
    { id: 'reclassify-platform' },
    ...Object.entries(PLATFORM_NAME).map(([k, v]) =>
      h('option', { value: k, selected: k === incident.platform }, tr(`${v}平台`, k)),
    ),
  );
  const subcategory = h('select', { id: 'reclassify-subcategory' });
  const severity = h(
    'select',
    { id: 'reclassify-severity' },
    ...[1, 2, 3, 4].map((n) => h('option', { value: String(n), selected: n === incident.severity }, `${n}`)),
  );
  const note = h('input', { id: 'reclassify-note', placeholder: tr('改类理由', 'Why') });
  const confirm = h('button', { class: 'primary', id: 'reclassify-confirm' }, tr('确认修改', 'Change'));

  function fillSubcategories(t: Taxonomy): void {
    const list = t.categories.flatMap((c) =>
      c.subcategories.filter((s) => s.platform === platform.value && s.active !== false).map((s) => ({ c, s })),
    );
    subcategory.replaceChildren(
      h('option', { value: '' }, tr('选择类别', 'Choose the kind')),
      ...list.map(({ c, s }) =>
        h(
          'option',
          { value: s.code, selected: s.code === incident.subcategoryCode },
          lang === 'en' ? `${c.nameEn} · ${s.nameEn}` : `${c.name} · ${s.name}`,
        ),
      ),
    );
  }
  platform.addEventListener('change', () => void loadTaxonomy().then(fillSubcategories));
  confirm.addEventListener('click', async () => {
    const body: { subcategory?: string; severity?: number; note?: string } = {};
    if (subcategory.value && subcategory.value !== incident.subcategoryCode) body.subcategory = subcategory.value;
    if (Number(severity.value) !== incident.severity) body.severity = Number(severity.value);
    if (body.subcategory === undefined && body.severity === undefined)
      return toast(
        platform.value !== incident.platform && !subcategory.value
          ? tr('请选择新平台下的类别', 'Choose a kind of the new platform')
          : tr('类别和等级都没有改变', 'Neither kind nor severity changed'),
        'error',
      );
    if (note.value.trim()) body.note = note.value.trim();
    confirm.disabled = true;
    try {
      const changed = await post<Incident>(`/api/incidents/${incident.id}/reclassify`, body);
      toast(tr('已改类改级', 'Reclassified'), 'ok');
      panel.hidden = true;
      done(changed);
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    } finally {
      confirm.disabled = false;
    }
  });
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) void loadTaxonomy().then(fillSubcategories, (err: Error) => toast(err.message, 'error'));
  });
  panel.append(
    h('h3', {}, tr('改类改级', 'Reclassify and regrade')),
    h('div', { class: 'row' }, h('label', {}, tr('平台 ', 'Platform '), platform)),
    h('div', { class: 'row' }, h('label', {}, tr('类别 ', 'Kind '), subcategory)),
    h('div', { class: 'row' }, h('label', {}, tr('等级 ', 'Severity '), severity), note),
    h(
      'div',
      { class: 'card-actions' },
      confirm,
      h('button', { id: 'reclassify-cancel', onclick: () => (panel.hidden = true) }, tr('取消', 'Cancel')),
    ),
  );
  return { button, panel };
}
