// Import a planner's map file (zipped Shapefile, GeoPackage, KML/KMZ, MapInfo TAB,
// GeoJSON) into the draft: the server previews it first (features, CRS, extent drawn
// next to the town, attributes with samples, the guessed mapping), the planner checks
// or changes the mapping and the CRS, then imports; and export the draft as a file.
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { ApiError, get, getToken, uploadRaw } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Bbox } from '../geo/town-data';
import { exposeForTests } from '../test-hooks';

interface Mapping {
  code: string | null;
  name: string | null;
  village: string | null;
  kind: string | null;
}

interface Preview {
  format: string;
  layer: string;
  layers: { name: string; geometry: string; features: number }[];
  features: number;
  crs: { id: string | null; name: string; from: 'file' | 'planner' };
  encoding: string | null;
  extent: Bbox;
  attributes: { name: string; samples: unknown[] }[];
  warnings: string[];
  mapping: Mapping;
  villages: { matched: number; unmatched: string[]; byLocation: boolean };
  outline: { type: 'FeatureCollection'; features: unknown[] } | null;
}

interface Imported {
  imported: number;
  validation: { ok: boolean; errors: number; warnings: number };
}

const ROLES: { role: keyof Mapping; label: string }[] = [
  { role: 'code', label: tr('网格编码', 'Grid code') },
  { role: 'name', label: tr('网格名称', 'Grid name') },
  { role: 'village', label: tr('所属村社', 'Village') },
  { role: 'kind', label: tr('网格类型', 'Kind') },
];
const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export class MapFileImport {
  readonly el: HTMLElement;
  private file: File | null = null;
  private preview: Preview | null = null;
  private readonly input = h('input', {
    type: 'file',
    id: 'mapfile-input',
    accept: '.zip,.gpkg,.kml,.kmz,.geojson,.json',
  });
  private readonly crs = h(
    'select',
    { id: 'mapfile-crs' },
    h('option', { value: '' }, tr('坐标系：按文件', 'CRS: as the file says')),
  );
  /** Shown when the file has several layers (a GeoPackage, KML folders). */
  private readonly layer = h('select', { id: 'mapfile-layer', hidden: true });
  private readonly info = h('div', { id: 'mapfile-preview', class: 'muted' });
  private readonly error = h('div', { id: 'mapfile-error', class: 'login-error', hidden: true });
  private readonly fields = h('div', { id: 'mapfile-mapping', class: 'plan-form' });
  private readonly importButton = h(
    'button',
    { class: 'primary', id: 'mapfile-import', disabled: true, onclick: () => void this.import() },
    tr('导入到草案', 'Import into the draft'),
  );

  constructor(
    private readonly map: MlMap,
    private readonly townBbox: Bbox,
    private readonly townCode: string,
    private readonly planId: () => number | null,
    private readonly imported: () => Promise<void>,
  ) {
    const format = h(
      'select',
      { id: 'export-format' },
      ...['shp', 'gpkg', 'kml'].map((f) =>
        h('option', { value: f }, { shp: 'Shapefile (zip)', gpkg: 'GeoPackage', kml: 'KML' }[f]!),
      ),
    );
    const exportCrs = h(
      'select',
      { id: 'export-crs' },
      h('option', { value: 'WGS84' }, 'WGS-84'),
      h('option', { value: 'CGCS2000' }, 'CGCS2000'),
    );
    const exportWhat = h(
      'select',
      { id: 'export-what' },
      h('option', { value: 'draft' }, tr('草案', 'The draft')),
      h('option', { value: 'published' }, tr('已发布网格', 'Published grids')),
    );
    this.el = h(
      'div',
      { class: 'plan-form', id: 'mapfile' },
      h(
        'div',
        { class: 'muted' },
        tr(
          'Shapefile（zip）、GeoPackage、KML/KMZ、MapInfo（zip）或 GeoJSON',
          'Shapefile (zip), GeoPackage, KML/KMZ, MapInfo (zip) or GeoJSON',
        ),
      ),
      this.input,
      this.crs,
      this.layer,
      this.error,
      this.info,
      this.fields,
      h(
        'div',
        { class: 'row' },
        this.importButton,
        h('button', { id: 'mapfile-clear', onclick: () => this.clear() }, tr('取消', 'Cancel')),
      ),
      h(
        'div',
        { class: 'row' },
        exportWhat,
        format,
        exportCrs,
        h(
          'button',
          {
            id: 'export-draft',
            onclick: () => void this.export(exportWhat.value === 'published', format.value, exportCrs.value),
          },
          tr('导出', 'Export'),
        ),
      ),
    );
    this.input.addEventListener('change', () => {
      this.file = this.input.files?.[0] ?? null;
      this.crs.value = '';
      this.layer.replaceChildren();
      this.layer.hidden = true;
      void this.read();
    });
    this.crs.addEventListener('change', () => void this.read());
    this.layer.addEventListener('change', () => void this.read());
    map.addSource('mapfile', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'mapfile-fill',
      type: 'fill',
      source: 'mapfile',
      paint: { 'fill-color': '#ff9800', 'fill-opacity': 0.15 },
    });
    map.addLayer({
      id: 'mapfile-line',
      type: 'line',
      source: 'mapfile',
      paint: { 'line-color': '#ff9800', 'line-width': 1.5, 'line-dasharray': [3, 2] },
    });
    void get<{ id: string; name: string }[]>('/api/map-files/crs')
      .then((choices) => {
        this.crs.append(...choices.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)));
      })
      .catch(() => undefined);
    exposeForTests({ mapFilePreview: () => this.preview });
  }

  clear(): void {
    this.file = null;
    this.preview = null;
    this.input.value = '';
    this.layer.replaceChildren();
    this.layer.hidden = true;
    this.info.replaceChildren();
    this.fields.replaceChildren();
    this.showError(null);
    this.importButton.disabled = true;
    (this.map.getSource('mapfile') as GeoJSONSource | undefined)?.setData(EMPTY);
  }

  private query(): string {
    const q = new URLSearchParams({ filename: this.file?.name ?? '' });
    if (this.crs.value) q.set('crs', this.crs.value);
    if (this.layer.value) q.set('layer', this.layer.value);
    for (const select of this.fields.querySelectorAll<HTMLSelectElement>('select[data-role]'))
      q.set(`${select.dataset['role']}Field`, select.value);
    return q.toString();
  }

  private upload<T>(path: string): Promise<T> {
    // Sent as bytes whatever the file is: a .json is not parsed as a request body.
    return uploadRaw<T>(path, new Blob([this.file!], { type: 'application/octet-stream' }), () => undefined);
  }

  private async read(): Promise<void> {
    const id = this.planId();
    if (!this.file || !id) return;
    this.showError(null);
    this.importButton.disabled = true;
    this.info.textContent = tr('正在读取…', 'Reading…');
    this.fields.replaceChildren();
    try {
      // The first read guesses the mapping; later reads (a CRS chosen) keep the planner's.
      const q = new URLSearchParams({ filename: this.file.name });
      if (this.crs.value) q.set('crs', this.crs.value);
      if (this.layer.value) q.set('layer', this.layer.value);
      const p = await this.upload<Preview>(`/api/plans/${id}/map-file/preview?${q}`);
      this.show(p);
    } catch (err) {
      this.info.textContent = '';
      this.showError(err);
    }
  }

  private show(p: Preview): void {
    this.preview = p;
    if (p.layers.length > 1) {
      this.layer.replaceChildren(
        ...p.layers.map((l) =>
          h('option', { value: l.name, selected: l.name === p.layer }, `${l.name} · ${l.geometry} · ${l.features}`),
        ),
      );
      this.layer.hidden = false;
    }
    const [w, s, e, n] = p.extent;
    this.info.replaceChildren(
      h('div', {}, `${p.format} · ${p.layer} · ${p.features} ${tr('个要素', 'features')}`),
      h(
        'div',
        { id: 'mapfile-crs-found' },
        `${tr('坐标系', 'CRS')}: ${p.crs.name}${p.crs.id ? ` (${p.crs.id})` : ''}${p.crs.from === 'planner' ? tr('（指定）', ' (chosen)') : ''}`,
      ),
      ...(p.encoding ? [h('div', {}, `${tr('编码', 'Encoding')}: ${p.encoding}`)] : []),
      h('div', {}, `${tr('范围', 'Extent')}: ${w.toFixed(5)}, ${s.toFixed(5)} – ${e.toFixed(5)}, ${n.toFixed(5)}`),
      h(
        'div',
        { id: 'mapfile-villages' },
        p.villages.byLocation
          ? tr('所属村社：按位置确定', 'Villages: by location')
          : `${tr('村社匹配', 'Villages matched')}: ${p.villages.matched}${p.villages.unmatched.length ? ` · ${tr('未匹配', 'unmatched')}: ${p.villages.unmatched.join('、')}` : ''}`,
      ),
      ...p.warnings.map((w) => h('div', { class: 'login-error' }, w)),
    );
    const options = (selected: string | null) => [
      h('option', { value: '', selected: !selected }, tr('（无）', '(none)')),
      ...p.attributes.map((a) =>
        h(
          'option',
          { value: a.name, selected: a.name === selected },
          `${a.name}${a.samples.length ? ` (${a.samples.map(String).join(', ')})` : ''}`,
        ),
      ),
    ];
    this.fields.replaceChildren(
      h('div', {}, tr('字段对应（可修改）', 'Attributes (editable)')),
      ...ROLES.map(({ role, label }) =>
        h(
          'label',
          { class: 'row' },
          h('span', {}, label),
          h('select', { 'data-role': role, id: `mapfile-${role}` }, ...options(p.mapping[role])),
        ),
      ),
      h('div', { class: 'muted' }, tr('其余字段随网格保存', 'Other attributes are kept with the grids')),
    );
    this.importButton.disabled = false;
    // Drawn beside the town, and both in view: a wrong CRS shows as a file far away.
    const data = p.outline ?? {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: {},
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [w, s],
                [e, s],
                [e, n],
                [w, n],
                [w, s],
              ],
            ],
          },
        },
      ],
    };
    (this.map.getSource('mapfile') as GeoJSONSource).setData(data as never);
    const t = this.townBbox;
    this.map.fitBounds(
      [
        [Math.min(w, t[0]), Math.min(s, t[1])],
        [Math.max(e, t[2]), Math.max(n, t[3])],
      ],
      { padding: 30, duration: 0 },
    );
  }

  private async import(): Promise<void> {
    const id = this.planId();
    if (!this.file || !id) return;
    this.importButton.disabled = true;
    this.showError(null);
    try {
      const done = await this.upload<Imported>(`/api/plans/${id}/map-file?${this.query()}`);
      const v = done.validation;
      toast(
        `${tr('已导入', 'Imported')} ${done.imported} ${tr('个网格', 'grids')} · ${v.ok ? tr('检查通过', 'valid') : `${v.errors} ${tr('个错误', 'errors')}`}`,
        v.ok ? 'ok' : 'info',
      );
      this.clear();
      await this.imported();
    } catch (err) {
      this.importButton.disabled = false;
      this.showError(err);
    }
  }

  private async export(published: boolean, format: string, crs: string): Promise<void> {
    const id = this.planId();
    if (!id && !published) return;
    const path = published ? `/api/towns/${this.townCode}/grids/export` : `/api/plans/${id}/export`;
    const res = await fetch(`${path}?format=${format}&crs=${crs}`, {
      headers: { authorization: `Bearer ${getToken() ?? ''}` },
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      toast(body?.error?.message ?? res.statusText, 'error');
      return;
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `plan-${id}.${format}`;
    const link = h('a', { href: URL.createObjectURL(await res.blob()), download: name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  private showError(err: unknown): void {
    if (!err) {
      this.error.hidden = true;
      this.error.textContent = '';
      return;
    }
    this.error.hidden = false;
    this.error.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    // A file without a CRS: the planner picks one here, and the preview runs again.
    if (err instanceof ApiError && err.code === 'crs_required') this.crs.focus();
  }
}
