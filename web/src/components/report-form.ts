// Reporting an incident from a point on the map, or from what a camera shows (operators
// and dispatchers): the server classifies, routes, sets the deadlines and may merge it
// with a nearby one; with a camera it also keeps that camera's picture of the moment.
import { api, ApiError, get, newIdempotencyKey } from '../api';
import { h, toast } from '../dom';
import { lang, tr } from '../i18n';
import { incidents } from '../incidents-store';

interface Taxonomy {
  categories: {
    code: string;
    name: string;
    nameEn: string;
    subcategories: { code: string; name: string; nameEn: string; active?: boolean }[];
  }[];
}

export interface ReportOptions {
  /** The camera whose picture shows it: the post carries it and the server attaches a snapshot. */
  cameraId?: number;
  /** Offered in the success toast as 查看事件 (open the incident's card). */
  openIncident?: (incidentId: number) => void;
}

let taxonomy: Promise<Taxonomy> | null = null;

export function reportForm(lon: number, lat: number, onDone: () => void, options: ReportOptions = {}): HTMLElement {
  const select = h('select', { id: 'report-type' }, h('option', { value: '' }, tr('选择事件类型', 'Choose the kind')));
  const description = h('textarea', {
    id: 'report-description',
    rows: 3,
    placeholder: tr('看到了什么', 'What is happening'),
  });
  const submit = h('button', { class: 'primary', id: 'report-submit' }, tr('上报', 'Report'));
  const withCamera = options.cameraId !== undefined;
  const note = withCamera
    ? h(
        'div',
        { class: 'muted report-note', id: 'report-snapshot-note' },
        tr('将附上摄像机此刻的画面', "The camera's picture of this moment is attached"),
      )
    : null;
  taxonomy ??= get<Taxonomy>('/api/incident-types');
  taxonomy
    .then((t) => {
      for (const c of t.categories) {
        select.appendChild(
          h(
            'optgroup',
            { label: lang === 'en' ? c.nameEn : c.name },
            ...c.subcategories
              .filter((s) => s.active !== false)
              .map((s) => h('option', { value: s.code }, lang === 'en' ? s.nameEn : s.name)),
          ),
        );
      }
    })
    .catch(() => (taxonomy = null));
  // One key per report meant: sent again after an error (the answer lost), it files once.
  let reportKey = newIdempotencyKey();
  submit.addEventListener('click', async () => {
    if (!select.value || !description.value.trim())
      return toast(tr('请选择类型并填写描述', 'Choose a kind and describe it'), 'error');
    submit.disabled = true;
    const label = submit.textContent;
    // Taking the camera's picture can take a second or two: say what is happening.
    if (withCamera) submit.textContent = tr('正在抓拍并上报…', 'Taking the picture…');
    try {
      const body = {
        subcategory: select.value,
        description: description.value.trim(),
        lon,
        lat,
        ...(withCamera ? { cameraId: options.cameraId } : {}),
      };
      const { incident: inc, merged } = await api.post('/api/incidents', { body, idempotencyKey: reportKey });
      reportKey = newIdempotencyKey();
      incidents.upsert(inc, 'reported');
      const text = merged
        ? `${tr('已并入附近同类事件', 'Added to the same kind of incident nearby')} #${inc.id}`
        : `${tr('已上报', 'Reported')} #${inc.id}`;
      toast(
        text,
        'ok',
        inc?.id && options.openIncident
          ? { label: tr('查看事件', 'Open it'), id: 'open-reported', run: () => options.openIncident!(inc.id) }
          : undefined,
      );
      onDone();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), 'error');
    } finally {
      submit.disabled = false;
      submit.textContent = label;
    }
  });
  return h('div', { class: 'report-form' }, select, description, note, submit);
}
