// Reporting an incident from a point on the map (operators and dispatchers): the
// server classifies, routes, sets the deadlines and may merge it with a nearby one.
import { ApiError, get, post } from '../api';
import { h, toast } from '../dom';
import { lang, tr } from '../i18n';
import { incidents, type Incident } from '../incidents-store';

interface Taxonomy {
  categories: { code: string; name: string; nameEn: string; subcategories: { code: string; name: string; nameEn: string; active?: boolean }[] }[];
}

let taxonomy: Promise<Taxonomy> | null = null;

export function reportForm(lon: number, lat: number, onDone: () => void): HTMLElement {
  const select = h('select', { id: 'report-type' }, h('option', { value: '' }, tr('选择事件类型', 'Choose the kind')));
  const description = h('textarea', { id: 'report-description', rows: 3, placeholder: tr('看到了什么', 'What is happening') });
  const submit = h('button', { class: 'primary', id: 'report-submit' }, tr('上报', 'Report'));
  taxonomy ??= get<Taxonomy>('/api/incident-types');
  taxonomy.then((t) => {
    for (const c of t.categories) {
      select.appendChild(h('optgroup', { label: lang === 'en' ? c.nameEn : c.name }, ...c.subcategories.filter((s) => s.active !== false).map((s) => h('option', { value: s.code }, lang === 'en' ? s.nameEn : s.name))));
    }
  }).catch(() => (taxonomy = null));
  submit.addEventListener('click', async () => {
    if (!select.value || !description.value.trim()) return toast(tr('请选择类型并填写描述', 'Choose a kind and describe it'), 'error');
    submit.disabled = true;
    try {
      const res = await post<Incident | { incident: Incident }>('/api/incidents', { subcategory: select.value, description: description.value.trim(), lon, lat });
      const inc = 'incident' in res ? res.incident : res;
      if (inc?.id) incidents.upsert(inc, 'reported');
      toast(`${tr('已上报', 'Reported')} #${inc?.id ?? ''}`, 'ok');
      onDone();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', { class: 'report-form' }, select, description, submit);
}
