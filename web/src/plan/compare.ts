// Comparing the draft with the published grids: the diff list, each row flying to its
// grid, and the grids the draft removes drawn from their published geometry (the diff
// endpoint answers codes only, so they come from the town's published map).
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { h } from '../dom';
import { tr } from '../i18n';
import { bboxOf, townFeatures } from '../geo/town-data';

export interface Diff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

type Geometry = { type: string; coordinates: unknown };
type Kind = 'added' | 'changed' | 'removed';

const EMPTY = { type: 'FeatureCollection' as const, features: [] };
const SIGN: Record<Kind, string> = { added: '+', changed: '~', removed: '−' };
const LAYERS = ['removed-fill', 'removed-line'];

export class CompareView {
  private removed = new Map<string, Geometry>();
  private shown = 0;

  constructor(
    private readonly map: MlMap,
    private readonly townCode: string,
    private readonly box: HTMLElement,
    private readonly draftGeometry: (code: string) => Geometry | undefined,
  ) {
    map.addSource('removed', { type: 'geojson', data: EMPTY });
    // Under the issues, which matter more.
    const before = map.getLayer('issues-fill') ? 'issues-fill' : undefined;
    map.addLayer(
      { id: 'removed-fill', type: 'fill', source: 'removed', paint: { 'fill-color': '#c62828', 'fill-opacity': 0.35 } },
      before,
    );
    map.addLayer(
      {
        id: 'removed-line',
        type: 'line',
        source: 'removed',
        paint: { 'line-color': '#ef5350', 'line-width': 2, 'line-dasharray': [3, 2] },
      },
      before,
    );
  }

  setVisible(visible: boolean): void {
    for (const l of LAYERS) this.map.setLayoutProperty(l, 'visibility', visible ? 'visible' : 'none');
  }

  async show(diff: Diff | null): Promise<void> {
    const mine = ++this.shown;
    if (!diff) {
      this.box.textContent = '';
      this.draw(new Map());
      return;
    }
    const rows: [string, Kind][] = [
      ...diff.added.map((c): [string, Kind] => [c, 'added']),
      ...diff.changed.map((c): [string, Kind] => [c, 'changed']),
      ...diff.removed.map((c): [string, Kind] => [c, 'removed']),
    ];
    this.box.replaceChildren(
      h(
        'div',
        {},
        `${tr('新增', 'added')} ${diff.added.length} · ${tr('修改', 'changed')} ${diff.changed.length} · ${tr('删除', 'removed')} ${diff.removed.length} · ${tr('未变', 'unchanged')} ${diff.unchanged}`,
      ),
      ...rows.map(([c, k]) =>
        h(
          'div',
          {
            class: `diff-row diff-${k}`,
            'data-diff': k,
            'data-code': c,
            title: tr('在地图上查看', 'Show on the map'),
            onclick: () => void this.flyTo(c, k),
          },
          `${SIGN[k]} ${c}`,
        ),
      ),
    );
    if (diff.removed.length === 0) return this.draw(new Map());
    const published = await this.publishedGrids().catch(() => new Map<string, Geometry>());
    if (mine !== this.shown) return;
    this.draw(new Map(diff.removed.flatMap((c) => (published.has(c) ? [[c, published.get(c)!] as const] : []))));
  }

  private draw(removed: Map<string, Geometry>): void {
    this.removed = removed;
    const features = [...removed].map(([code, geometry]) => ({ type: 'Feature', properties: { code }, geometry }));
    (this.map.getSource('removed') as GeoJSONSource).setData({ type: 'FeatureCollection', features } as never);
  }

  private async flyTo(code: string, kind: Kind): Promise<void> {
    const g =
      kind === 'removed'
        ? (this.removed.get(code) ?? (await this.publishedGrids()).get(code))
        : this.draftGeometry(code);
    if (g) this.map.fitBounds(bboxOf(g.coordinates), { padding: 80, maxZoom: 17, duration: 500 });
  }

  /** The published grids by code, from the town's map (shared with townData(); forgetTownData() after a publish). */
  private async publishedGrids(): Promise<Map<string, Geometry>> {
    const fc = await townFeatures(this.townCode);
    return new Map(
      fc.features
        .filter((f) => f.properties['layer'] === 'grid')
        .map((f) => [String(f.properties['code']), f.geometry]),
    );
  }
}
