// The county page's map: every town from the vector tiles' town shapes, shaded through
// feature state (no geometry fetched but the tiles), a label per town. Loaded apart from
// the page (MapLibre is the heavy part), so the towns' numbers come while it loads.
import * as maplibregl from 'maplibre-gl';
import type { ExpressionSpecification, Map as MlMap, StyleSpecification } from 'maplibre-gl';
import { h } from '../dom';
import { createBaseMap } from '../components/base-map';
import { BASE_SOURCE } from '../components/map-style';
import type { Bbox } from '../geo/town-data';
import { exposeForTests } from '../test-hooks';

// The worker starts (its script loaded and parsed) while the towns' numbers come: the
// map is made only once they are in (it needs their box).
maplibregl.prewarm();

/**
 * The county opens no closer than this: its towns from the tiles, without their grids
 * (in the tiles from zoom 10), so 8,000 grids are not drawn to be seen as a blur.
 */
const OVERVIEW_MAX_ZOOM = 9.9;

/** From good (0) to bad (1); towns without a value (-1) keep the base colour. */
const SHADE: ExpressionSpecification = [
  'case',
  ['boolean', ['feature-state', 'selected'], false],
  '#4d4320',
  ['==', ['coalesce', ['feature-state', 'shade'], -1], -1],
  '#0f2030',
  ['interpolate', ['linear'], ['feature-state', 'shade'], 0, '#145a4a', 0.5, '#5a5a1c', 1, '#7a1f1f'],
];

/** The towns shaded; village boundaries only closer in (at the county's scale they are noise, and frames). */
function overview(style: StyleSpecification): void {
  for (const layer of style.layers) {
    if (layer.id === 'towns-fill' && layer.type === 'fill') layer.paint = { ...layer.paint, 'fill-color': SHADE };
    if (layer.id === 'villages-line') layer.minzoom = 10;
  }
}

export interface ShadedTown {
  id: number;
  code: string;
  name: string;
  centre: [number, number];
  /** 0 good … 1 bad; -1: no value. */
  shade: number;
  /** The measure as the table says it. */
  label: string;
}

export class CountyMap {
  private readonly map: MlMap;
  private readonly labels = new Map<number, HTMLElement>();
  private pending: { towns: ShadedTown[]; selected: number | null } | null = null;
  private styled = false;

  /** `box` must be on screen (sized): the map frames `bbox` at once. */
  constructor(
    private readonly box: HTMLElement,
    bbox: Bbox,
    private readonly onTown: (code: string) => void,
  ) {
    performance.mark('county:map-made');
    this.map = createBaseMap(box, bbox, { whole: true, maxZoom: OVERVIEW_MAX_ZOOM, adjust: overview });
    exposeForTests({ countyMap: this.map });
    // Shaded as soon as the style is parsed, before any tile is drawn: shading after the
    // first full render (the 'load' event) costs one more frame, 200–300 ms in software GL.
    this.map.once('style.load', () => {
      performance.mark('county:style-loaded');
      this.styled = true;
      if (this.pending) this.shade(this.pending.towns, this.pending.selected);
    });
    // Ready once the towns are drawn (the bench and the tests wait for it). 'idle' comes
    // only with the style and every tile in, and may come in the same frame as 'load'.
    this.map.once('idle', () => {
      performance.mark('county:drawn');
      this.box.dataset['ready'] = '1';
    });
  }

  shade(towns: ShadedTown[], selected: number | null): void {
    if (!this.styled) {
      this.pending = { towns, selected };
      return;
    }
    for (const t of towns) {
      this.map.setFeatureState(
        { source: BASE_SOURCE, sourceLayer: 'towns', id: t.id },
        { shade: t.shade, selected: t.id === selected },
      );
      let label = this.labels.get(t.id);
      if (!label) {
        label = h('div', { class: 'county-label', 'data-town-label': t.code, onclick: () => this.onTown(t.code) });
        new maplibregl.Marker({ element: label }).setLngLat(t.centre).addTo(this.map);
        this.labels.set(t.id, label);
      }
      label.replaceChildren(h('b', {}, t.name), h('span', {}, t.label));
    }
  }

  frame(bbox: Bbox): void {
    this.map.fitBounds(bbox, { padding: 30, duration: 600 });
  }

  resize(): void {
    this.map.resize();
  }
}
