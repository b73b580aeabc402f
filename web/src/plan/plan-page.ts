// Grid planning: open a draft of the town, reshape / draw / split / merge / delete
// grids on the map, undo those edits, validate (errors drawn on the map, listed to
// jump to each), publish, and compare the draft with the published grids.
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { ApiError, del, get, patch, post } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { createBaseMap, reloadTiles, styleReady } from '../components/base-map';
import { bboxOf, forgetTownData, townData, type Bbox } from '../geo/town-data';
import type { Page } from '../page';
import { CompareView, type Diff } from './compare';
import { DraftDraw } from './draw';
import { MapFileImport } from './map-file-import';
import { roundGeometry, shapeKey } from './geometry';
import { partAt, partOf, withPart } from './multipart';
import { SnapIndex } from './snap-index';
import { tJunctionFixes } from './tjunction';
import { unmerge, unsplit, UndoStack, whyNotUndone, type Step, type UndoOutcome } from './undo';
import { exposeForTests } from '../test-hooks';

interface Plan {
  id: number;
  scopeAreaId: number;
  title: string;
  status: 'draft' | 'published' | 'discarded';
  gridCount: number;
  createdAt: string;
}

interface DraftFeature {
  type: 'Feature';
  properties: { code: string; name: string; kind: string; village_code: string; [k: string]: unknown };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

interface Issue {
  severity: 'error' | 'warning';
  kind: string;
  grids: string[];
  message: string;
  areaM2?: number;
  location?: { type: string; coordinates: unknown } | null;
  geometry?: { type: string; coordinates: unknown } | null;
}

interface Report {
  ok: boolean;
  errors: number;
  warnings: number;
  issues: Issue[];
}

type Tool = 'reshape' | 'draw' | 'split' | 'merge' | 'delete' | null;

const ISSUE_LABEL: Record<string, string> = {
  invalid_polygon: tr('无效多边形', 'Invalid polygon'),
  overlap: tr('重叠', 'Overlap'),
  gap: tr('缝隙', 'Gap'),
  outside_scope: tr('超出范围', 'Outside the scope'),
  code_conflict: tr('编码冲突', 'Code conflict'),
  village_outside_scope: tr('村不在范围内', 'Village outside the scope'),
  empty_plan: tr('方案为空', 'Empty plan'),
};

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export async function createPlanPage(ctx: AppContext): Promise<Page> {
  const planSelect = h('select', { id: 'plan-select' });
  const title = h('input', {
    id: 'plan-title',
    placeholder: tr('方案名称', 'Plan title'),
    value: `${ctx.town.name}网格调整`,
  });
  const toolButtons = new Map<Tool, HTMLButtonElement>();
  const tool = (id: Exclude<Tool, null>, label: string) => {
    const b = h('button', { 'data-tool': id, onclick: () => setTool(tool_ === id ? null : id) }, label);
    toolButtons.set(id, b);
    return b;
  };
  let tool_: Tool = null;
  const hint = h('div', { class: 'muted plan-hint', id: 'plan-hint' });
  const form = h('div', { class: 'plan-form', id: 'plan-form' });
  const issuesList = h('ul', { class: 'issues', id: 'issues' });
  const resultBox = h('div', { id: 'plan-result' });
  const summary = h('div', { id: 'plan-summary', class: 'muted' });
  const diffBox = h('div', { id: 'plan-diff', class: 'muted' });
  const compare = h('input', { type: 'checkbox', id: 'plan-compare', checked: true });
  const undoButton = h(
    'button',
    { id: 'plan-undo', disabled: true, title: 'Ctrl+Z', onclick: () => void undo() },
    tr('撤销', 'Undo'),
  );
  const undoWhat = h('span', { id: 'plan-undo-what', class: 'muted' });
  // Why the last undo was refused or left half done; until the next edit or undo.
  const undoNote = h('div', { id: 'plan-undo-note', class: 'login-error', hidden: true });
  const noteUndo = (text: string) => {
    undoNote.textContent = text;
    undoNote.hidden = !text;
  };
  const mapFileBox = h('div', {});
  const panel = h(
    'aside',
    { class: 'plan-panel' },
    h('h3', {}, tr('草案', 'Draft')),
    h('div', { class: 'row' }, planSelect),
    h(
      'div',
      { class: 'row' },
      title,
      h('button', { id: 'plan-new', onclick: () => void newPlan() }, tr('新建草案', 'New draft')),
    ),
    summary,
    h('h3', {}, tr('导入 / 导出地图文件', 'Import / export a map file')),
    mapFileBox,
    h('h3', {}, tr('编辑', 'Edit')),
    h(
      'div',
      { class: 'tools' },
      tool('reshape', tr('修改形状', 'Reshape')),
      tool('draw', tr('绘制', 'Draw')),
      tool('split', tr('切分', 'Split')),
      tool('merge', tr('合并', 'Merge')),
      tool('delete', tr('删除', 'Delete')),
    ),
    h('div', { class: 'row' }, undoButton, undoWhat),
    undoNote,
    hint,
    form,
    h('h3', {}, tr('检查与发布', 'Validate and publish')),
    h(
      'div',
      { class: 'row' },
      h('button', { id: 'plan-validate', onclick: () => void validate() }, tr('检查', 'Validate')),
      h('button', { class: 'primary', id: 'plan-publish', onclick: () => void publish() }, tr('发布', 'Publish')),
      h('button', { class: 'danger', id: 'plan-discard', onclick: () => void discard() }, tr('放弃', 'Discard')),
    ),
    resultBox,
    issuesList,
    h('h3', {}, tr('与已发布对比', 'Compare with published')),
    h('label', {}, compare, tr('显示已发布网格', 'Show published grids')),
    diffBox,
  );
  const mapBox = h('div', { class: 'map', id: 'plan-map' });
  const el = h('section', { class: 'plan-page' }, h('div', { class: 'plan-map-box' }, mapBox), panel);

  const town = await townData(ctx.town.code);
  const map = createBaseMap(mapBox, town.bbox);
  await styleReady(map);
  addDraftLayers(map);
  let draft: DraftFeature[] = [];
  let plan: Plan | null = null;
  let selectedCodes: string[] = [];
  let diff: Diff | null = null;
  const compareView = new CompareView(
    map,
    ctx.town.code,
    diffBox,
    (code) => draft.find((d) => d.properties.code === code)?.geometry,
  );
  let vertices = SnapIndex.empty();
  // While reshaping, the grid's own vertices and edges are not targets: only the neighbours'.
  const own = () => (tool_ === 'reshape' ? selectedCodes[0] : undefined);
  const draw = new DraftDraw(map, {
    vertices: (box) => vertices.within(box, own()),
    edges: (box) => vertices.edgesWithin(box, own()),
  });
  // The edits of this draft session, last first, each with the calls that take it back.
  const history = new UndoStack();
  // An import replaces every grid of the draft: the edits before it cannot be taken back one by one.
  const mapFile = new MapFileImport(
    map,
    town.bbox,
    ctx.town.code,
    () => plan?.id ?? null,
    async () => {
      history.clear();
      showUndo();
      await Promise.all([reloadDraft(), validate()]);
    },
  );
  mapFileBox.append(mapFile.el);
  exposeForTests({ planMap: map, planDraw: draw });

  compare.addEventListener('change', () => {
    map.setLayoutProperty('grids-line', 'visibility', compare.checked ? 'visible' : 'none');
    compareView.setVisible(compare.checked);
  });
  map.setLayoutProperty('grids-fill', 'visibility', 'none');
  map.setPaintProperty('grids-line', 'line-color', '#8e9aa6');
  map.setPaintProperty('grids-line', 'line-dasharray', [2, 2]);

  // Plans of this town. -------------------------------------------------------------------
  async function loadPlans(selectId?: number): Promise<void> {
    const plans = (await get<Plan[]>('/api/plans?status=draft')).filter((p) => p.scopeAreaId === ctx.town.id);
    planSelect.replaceChildren(
      h('option', { value: '' }, plans.length ? tr('选择草案', 'Choose a draft') : tr('没有草案', 'No draft')),
      ...plans.map((p) =>
        h('option', { value: p.id, selected: p.id === (selectId ?? plan?.id) }, `#${p.id} ${p.title}`),
      ),
    );
    const chosen = plans.find((p) => p.id === (selectId ?? plan?.id)) ?? null;
    await open(chosen);
  }
  planSelect.addEventListener('change', () => void loadPlans(Number(planSelect.value) || undefined));

  async function newPlan(): Promise<void> {
    try {
      const created = await post<Plan>('/api/plans', {
        scopeCode: ctx.town.code,
        title: title.value.trim() || 'draft',
      });
      toast(tr('已新建草案', 'Draft started'), 'ok');
      await loadPlans(created.id);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  async function open(p: Plan | null): Promise<void> {
    plan = p;
    history.clear();
    noteUndo('');
    showUndo();
    setTool(null);
    showIssues(null);
    if (!p) {
      loading++; // a draft still being read is not drawn
      draft = [];
      vertices = SnapIndex.empty();
      renderDraft();
      summary.textContent = '';
      diff = null;
      await compareView.show(null);
      return;
    }
    await Promise.all([reloadDraft(), validate()]);
  }

  // Like validation, reads of the draft can overlap (an edit and an undo, or the plan
  // switched meanwhile): only the last read of the plan shown is drawn.
  let loading = 0;
  /** Reads the draft and its diff again and draws them; `read` gets the grids as read, whether or not a later read overtook this one. */
  async function reloadDraft(read?: (grids: DraftFeature[]) => void): Promise<void> {
    if (!plan) return;
    const mine = ++loading;
    const id = plan.id;
    const current = () => mine === loading && plan?.id === id;
    try {
      const [fc, d] = await Promise.all([
        get<{ features: DraftFeature[] }>(`/api/plans/${id}/grids`),
        get<Diff>(`/api/plans/${id}/diff`),
      ]);
      read?.(fc.features);
      if (!current()) return;
      draft = fc.features;
      vertices = new SnapIndex(
        draft.map((f) => f.properties.code),
        draft.map((f) => f.geometry.coordinates),
      );
      diff = d;
      renderDraft();
      summary.textContent = `#${id} · ${draft.length} ${tr('个网格', 'grids')}`;
      await compareView.show(d);
    } catch (err) {
      if (current()) toast(message(err), 'error');
    }
  }

  function renderDraft(): void {
    const status = new Map<string, string>();
    for (const c of diff?.added ?? []) status.set(c, 'added');
    for (const c of diff?.changed ?? []) status.set(c, 'changed');
    (map.getSource('draft') as GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: draft.map((f, i) => ({
        ...f,
        id: i,
        properties: {
          ...f.properties,
          diff: status.get(f.properties.code) ?? 'same',
          selected: selectedCodes.includes(f.properties.code),
        },
      })) as never,
    });
  }

  // Tools. --------------------------------------------------------------------------------
  function setTool(t: Tool): void {
    tool_ = t;
    selectedCodes = [];
    draw.reset();
    form.replaceChildren();
    for (const [id, b] of toolButtons) b.classList.toggle('active', id === t);
    hint.textContent = {
      reshape: tr(
        '点击一个网格，拖动顶点（会吸附到相邻网格的顶点或边上），然后保存。',
        "Click a grid, drag its vertices (they snap to the neighbours' vertices or onto their edges), then save.",
      ),
      draw: tr(
        '在地图上逐点绘制新网格，双击或点回起点结束。',
        'Click point by point; close on the first point to finish.',
      ),
      split: tr('点击要切分的网格，再画一条穿过它的线。', 'Click the grid to split, then draw a line across it.'),
      merge: tr('依次点击要合并的相邻网格，然后合并。', 'Click the touching grids to merge, then merge.'),
      delete: tr('点击要删除的网格。', 'Click the grid to delete.'),
    }[t ?? 'reshape'];
    if (!t) hint.textContent = '';
    if (t === 'draw') {
      draw.drawShape('polygon', (g) => askNewGrid(g));
    }
    renderDraft();
  }

  map.on('click', 'draft-fill', (e) => {
    if (!plan || !tool_) return;
    const code = String(e.features?.[0]?.properties['code'] ?? '');
    const f = draft.find((d) => d.properties.code === code);
    if (!f) return;
    if (tool_ === 'reshape' && selectedCodes.length === 0) {
      selectedCodes = [code];
      const part = partAt(f.geometry, [e.lngLat.lng, e.lngLat.lat]);
      draw.edit(partOf(f.geometry, part));
      reshapeStart = shapeKey(draw.edited()?.coordinates);
      const multi =
        f.geometry.type === 'MultiPolygon'
          ? ` · ${tr('第', 'part ')}${part + 1}${tr('部分', '')} / ${(f.geometry.coordinates as unknown[]).length}`
          : '';
      form.replaceChildren(
        h('div', {}, `${tr('正在修改', 'Reshaping')} ${f.properties.name} (${code})${multi}`),
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            { class: 'primary', id: 'reshape-save', onclick: () => void saveReshape(f, part) },
            tr('保存形状', 'Save shape'),
          ),
          h('button', { onclick: () => setTool('reshape') }, tr('取消', 'Cancel')),
        ),
      );
      renderDraft();
    } else if (tool_ === 'delete') {
      void deleteGrid(code);
    } else if (tool_ === 'split' && selectedCodes.length === 0) {
      selectedCodes = [code];
      renderDraft();
      hint.textContent = `${tr('画一条穿过', 'Draw a line across')} ${code} ${tr('的线', '')}`;
      draw.drawShape('linestring', (line) => askSplit(code, line));
    } else if (tool_ === 'merge') {
      selectedCodes = selectedCodes.includes(code) ? selectedCodes.filter((c) => c !== code) : [...selectedCodes, code];
      renderDraft();
      askMerge();
    }
  });

  // An edit or an undo runs alone: another one meanwhile (Ctrl+Z, a save clicked
  // twice) is not started, and the undo button and the form's buttons show it. Over
  // once the draft has been read again after it (its validation may still run).
  let busy = false;
  function setBusy(b: boolean): void {
    busy = b;
    el.classList.toggle('plan-busy', b);
    for (const button of form.querySelectorAll('button')) button.disabled = b;
    showUndo();
  }

  /**
   * Runs an edit. `action` puts in `undo`, as each of its calls succeeds, the calls
   * that take it back (first to run first); whatever was done can be undone, even
   * when a later call of the edit failed.
   */
  async function edit(action: (undo: Step[]) => Promise<unknown>, done: string, what = done): Promise<boolean> {
    if (!plan || busy) return false;
    const id = plan.id;
    setBusy(true);
    const undoSteps: Step[] = [];
    let ok = false;
    try {
      await action(undoSteps);
      toast(done, 'ok');
      ok = true;
    } catch (err) {
      toast(message(err), 'error');
    }
    if (!ok && !undoSteps.length) {
      setBusy(false);
      return false;
    }
    noteUndo('');
    if (plan?.id !== id) {
      setBusy(false);
      return ok;
    }
    // The edit is recorded with the draft as read right after it, which an undo compares with.
    let recorded = false;
    const record = (grids: DraftFeature[] | null) => {
      if (recorded) return;
      recorded = true;
      if (undoSteps.length && plan?.id === id) history.push(what, undoSteps, grids);
      setBusy(false);
    };
    // Check at once after any edit: the drawn and listed issues always match the draft.
    const checking = validate();
    await reloadDraft(record);
    record(null);
    await checking;
    return ok;
  }

  function showUndo(): void {
    const last = history.peek();
    undoButton.disabled = !last || busy;
    undoWhat.textContent = last
      ? `${tr('可撤销', 'Can undo')}: ${last.what}`
      : tr('没有可撤销的修改', 'Nothing to undo');
  }

  /** The shape the grid being reshaped had when it was clicked, to tell whether it was changed. */
  let reshapeStart = '';
  /** Takes back the last edit of this session (Ctrl+Z); a reshape not yet saved is dropped first. */
  async function undo(): Promise<void> {
    if (!plan || busy) return;
    const editing = draw.edited();
    if (tool_ === 'reshape' && editing && shapeKey(editing.coordinates) !== reshapeStart) {
      setTool('reshape');
      toast(tr('已放弃未保存的形状', 'Unsaved shape dropped'), 'ok');
      return;
    }
    if (!history.peek()) return;
    const id = plan.id;
    setTool(null);
    setBusy(true);
    noteUndo('');
    try {
      tellUndone(await history.undo(id));
    } catch (err) {
      toast(`${tr('撤销失败，可重试', 'Undo failed, try again')}: ${message(err)}`, 'error');
    }
    if (plan?.id !== id) {
      setBusy(false);
      return;
    }
    // Checked again, as after every edit.
    const checking = validate();
    await reloadDraft(() => setBusy(false));
    setBusy(false);
    await checking;
  }

  function tellUndone(outcome: UndoOutcome | null): void {
    showUndo(); // the stack changed (done or dropped): the line says so at once, not after the reload
    if (outcome?.kind === 'done') toast(`${tr('已撤销', 'Undone')}: ${outcome.entry.what}`, 'ok');
    else if (outcome) {
      const why = whyNotUndone(outcome, message);
      noteUndo(why);
      toast(why, 'error');
    }
  }

  document.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== 'z') return;
    if (el.hidden || !el.isConnected) return;
    // Ctrl+Z in a text field undoes the typing, not the draft.
    const target = e.target as HTMLElement | null;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    e.preventDefault();
    void undo();
  });

  async function saveReshape(grid: DraftFeature, part: number): Promise<void> {
    const edited = draw.edited();
    if (!plan || !edited) return;
    const id = plan.id;
    const code = grid.properties.code;
    // The other parts of a MultiPolygon go back as they were.
    const geometry = roundGeometry(withPart(grid.geometry, part, edited.coordinates));
    const fixes = tJunctionFixes(vertices, draft, code, grid.geometry.coordinates, geometry.coordinates);
    const ok = await edit(
      async (undo) => {
        // The neighbours first: a vertex put on a straight edge changes nothing by itself.
        for (const n of fixes) {
          await patch(`/api/plans/${id}/grids/${n.code}`, { geometry: n.after });
          undo.unshift({ op: 'patch', code: n.code, change: { geometry: n.before } });
        }
        await patch(`/api/plans/${id}/grids/${code}`, { geometry });
        undo.unshift({ op: 'patch', code, change: { geometry: grid.geometry } });
      },
      tr('形状已保存', 'Shape saved'),
      `${tr('修改形状', 'Reshape')} ${code}${fixes.length ? ` (+${fixes.map((n) => n.code).join(', ')})` : ''}`,
    );
    if (ok) setTool(null);
  }

  async function deleteGrid(code: string): Promise<void> {
    if (!plan || !confirm(`${tr('删除网格', 'Delete grid')} ${code}?`)) return;
    const id = plan.id;
    const grid = draft.find((d) => d.properties.code === code);
    await edit(
      async (undo) => {
        await del(`/api/plans/${id}/grids/${code}`);
        if (grid) undo.unshift({ op: 'create', feature: grid });
      },
      `${tr('已删除', 'Deleted')} ${code}`,
      `${tr('删除', 'Delete')} ${code}`,
    );
  }

  function askNewGrid(geometry: { type: string; coordinates: unknown }): void {
    const code = h('input', { id: 'new-code', placeholder: tr('编码', 'Code') });
    const name = h('input', { id: 'new-name', placeholder: tr('名称', 'Name') });
    const village = h(
      'select',
      { id: 'new-village' },
      ...town.places.filter((p) => p.kind === 'village').map((v) => h('option', { value: v.code }, v.name)),
    );
    form.replaceChildren(
      h('div', { class: 'row' }, code, name),
      village,
      h(
        'button',
        {
          class: 'primary',
          id: 'new-save',
          onclick: async () => {
            const id = plan!.id;
            const newCode = code.value.trim();
            const rounded = roundGeometry(geometry);
            const fixes = tJunctionFixes(vertices, draft, null, null, rounded.coordinates);
            const ok = await edit(
              async (undo) => {
                await post(`/api/plans/${id}/grids`, {
                  type: 'Feature',
                  properties: {
                    code: newCode,
                    name: name.value.trim(),
                    kind: 'residential',
                    village_code: village.value,
                  },
                  geometry: rounded,
                });
                undo.unshift({ op: 'delete', code: newCode });
                for (const n of fixes) {
                  await patch(`/api/plans/${id}/grids/${n.code}`, { geometry: n.after });
                  undo.unshift({ op: 'patch', code: n.code, change: { geometry: n.before } });
                }
              },
              tr('已添加网格', 'Grid added'),
              `${tr('绘制', 'Draw')} ${newCode}`,
            );
            if (ok) setTool(null);
          },
        },
        tr('保存新网格', 'Save the new grid'),
      ),
    );
  }

  function askSplit(code: string, line: { type: string; coordinates: unknown }): void {
    const a = h('input', { id: 'split-a', value: code });
    const b = h('input', { id: 'split-b', value: `${code}B` });
    form.replaceChildren(
      h('div', { class: 'muted' }, tr('两部分的编码（大的在前）', 'Codes of the parts (largest first)')),
      h('div', { class: 'row' }, a, b),
      h(
        'button',
        {
          class: 'primary',
          id: 'split-save',
          onclick: async () => {
            const grid = draft.find((d) => d.properties.code === code)!;
            const id = plan!.id;
            const parts = [
              { code: a.value.trim(), name: grid.properties.name },
              { code: b.value.trim(), name: `${grid.properties.name}B` },
            ];
            const ok = await edit(
              async (undo) => {
                await post(`/api/plans/${id}/grids/${code}/split`, { line, parts });
                undo.unshift(
                  ...unsplit(
                    grid,
                    parts.map((p) => p.code),
                  ),
                );
              },
              tr('已切分', 'Split'),
              `${tr('切分', 'Split')} ${code}`,
            );
            if (ok) setTool(null);
          },
        },
        tr('切分', 'Split'),
      ),
    );
  }

  function askMerge(): void {
    if (selectedCodes.length < 2) {
      form.replaceChildren(
        h('div', { class: 'muted' }, `${tr('已选', 'Selected')}: ${selectedCodes.join(', ') || '—'}`),
      );
      return;
    }
    const first = draft.find((d) => d.properties.code === selectedCodes[0])!;
    const code = h('input', { id: 'merge-code', value: first.properties.code });
    const name = h('input', { id: 'merge-name', value: first.properties.name });
    // Grids of different villages: the planner says which village the merged grid joins.
    const village = h(
      'select',
      { id: 'merge-village' },
      ...town.places
        .filter((p) => p.kind === 'village')
        .map((v) => h('option', { value: v.code, selected: v.code === first.properties.village_code }, v.name)),
    );
    form.replaceChildren(
      h('div', {}, `${tr('已选', 'Selected')}: ${selectedCodes.join(', ')}`),
      h('div', { class: 'row' }, code, name),
      h('label', {}, tr('所属村', 'Village'), village),
      h(
        'button',
        {
          class: 'primary',
          id: 'merge-save',
          onclick: async () => {
            const id = plan!.id;
            const codes = [...selectedCodes];
            const into = code.value.trim();
            const originals = codes.map((c) => draft.find((d) => d.properties.code === c)!);
            const ok = await edit(
              async (undo) => {
                await post(`/api/plans/${id}/merge`, {
                  codes,
                  into: { code: into, name: name.value.trim(), village_code: village.value },
                });
                undo.unshift(...unmerge(into, originals));
              },
              tr('已合并', 'Merged'),
              `${tr('合并', 'Merge')} ${codes.join(' + ')}`,
            );
            if (ok) setTool(null);
          },
        },
        tr('合并', 'Merge'),
      ),
    );
  }

  // Validation and publishing. --------------------------------------------------------------
  const result = () => resultBox;
  // Edits can follow each other faster than the server validates: only the last answer counts.
  let validation = 0;
  async function validate(): Promise<void> {
    if (!plan) return;
    const mine = ++validation;
    const id = plan.id;
    const current = () => mine === validation && plan?.id === id;
    try {
      const report = await post<Report>(`/api/plans/${id}/validate`);
      if (current()) showIssues(report);
    } catch (err) {
      if (current()) toast((err as Error).message, 'error');
    }
  }

  async function publish(): Promise<void> {
    if (!plan) return;
    try {
      const res = await post<{ revision: number }>(`/api/plans/${plan.id}/publish`);
      reloadTiles(map);
      forgetTownData(ctx.town.code);
      await loadPlans();
      result().replaceChildren(
        h(
          'div',
          { class: 'ok', id: 'publish-ok' },
          `${tr('已发布', 'Published')} · ${tr('版本', 'revision')} ${res.revision}`,
        ),
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 'plan_has_errors') {
        showIssues(err.details as Report);
        result().replaceChildren(
          h(
            'div',
            { class: 'login-error', id: 'publish-refused' },
            `${tr('发布被拒绝', 'Publish refused')}: ${err.message}`,
          ),
        );
      } else toast((err as Error).message, 'error');
    }
  }

  async function discard(): Promise<void> {
    if (!plan || !confirm(tr('放弃这个草案？', 'Discard this draft?'))) return;
    await del(`/api/plans/${plan.id}`).catch((err: Error) => toast(err.message, 'error'));
    plan = null;
    await loadPlans();
  }

  function showIssues(report: Report | null): void {
    const features = (report?.issues ?? []).flatMap((issue, i) =>
      [issue.geometry, issue.location]
        .filter((g): g is { type: string; coordinates: unknown } => !!g)
        .map((g) => ({ type: 'Feature', properties: { i, kind: issue.kind, severity: issue.severity }, geometry: g })),
    );
    (map.getSource('issues') as GeoJSONSource).setData({ type: 'FeatureCollection', features } as never);
    if (!report) {
      issuesList.replaceChildren();
      result().replaceChildren();
      return;
    }
    result().replaceChildren(
      h(
        'div',
        { class: report.ok ? 'ok' : 'login-error', id: 'validate-result' },
        report.ok ? tr('检查通过', 'No errors') : `${report.errors} ${tr('个错误', 'errors')}`,
        report.warnings ? ` · ${report.warnings} ${tr('个警告', 'warnings')}` : '',
      ),
    );
    issuesList.replaceChildren(
      ...report.issues.map((issue) =>
        h(
          'li',
          { class: `issue issue-${issue.severity}`, 'data-kind': issue.kind, onclick: () => jumpTo(issue) },
          h('b', {}, ISSUE_LABEL[issue.kind] ?? issue.kind),
          ` ${issue.grids.join(' / ')}`,
          issue.areaM2 ? h('span', { class: 'muted' }, ` ${issue.areaM2} m²`) : null,
          h('div', { class: 'muted' }, issue.message),
        ),
      ),
    );
  }

  function jumpTo(issue: Issue): void {
    const g = issue.geometry ?? issue.location;
    let b: Bbox | null = g ? bboxOf(g.coordinates) : null;
    if (!b) {
      const grids = draft.filter((d) => issue.grids.includes(d.properties.code));
      if (grids.length) b = grids.reduce<Bbox>((acc, d) => bboxOf(d.geometry.coordinates, acc), [180, 90, -180, -90]);
    }
    if (b) map.fitBounds(b, { padding: 80, maxZoom: 18, duration: 500 });
  }

  await loadPlans();
  return { el, show: () => map.resize() };
}

function addDraftLayers(map: MlMap): void {
  map.addSource('draft', { type: 'geojson', data: EMPTY });
  map.addSource('issues', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'draft-fill',
    type: 'fill',
    source: 'draft',
    paint: {
      'fill-color': [
        'case',
        ['get', 'selected'],
        '#4d4320',
        ['match', ['get', 'diff'], 'added', '#1e4620', 'changed', '#4a3a12', '#12324a'],
      ],
      'fill-opacity': 0.6,
    },
  });
  map.addLayer({
    id: 'draft-line',
    type: 'line',
    source: 'draft',
    paint: {
      'line-color': ['case', ['get', 'selected'], '#ffd54f', '#4fc3f7'],
      'line-width': ['case', ['get', 'selected'], 3, 1.2],
    },
  });
  map.addLayer({
    id: 'issues-fill',
    type: 'fill',
    source: 'issues',
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': ['match', ['get', 'kind'], 'gap', '#ff9800', '#ff1744'], 'fill-opacity': 0.7 },
  });
  map.addLayer({
    id: 'issues-line',
    type: 'line',
    source: 'issues',
    paint: { 'line-color': ['match', ['get', 'kind'], 'gap', '#ff9800', '#ff1744'], 'line-width': 2 },
  });
  map.addLayer({
    id: 'issues-point',
    type: 'circle',
    source: 'issues',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-color': '#ff1744', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 },
  });
}

function message(err: unknown): string {
  return err instanceof ApiError ? `${err.message} (${err.code})` : String(err);
}
