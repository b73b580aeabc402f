// 待定位 on the dispatch page: hotline calls whose address named no single place, listed
// above the queue (oldest call first); an incident's card then shows a small map with
// what the gazetteer understood (its suggestion and candidates) where a click puts the
// incident, and 确定位置 places it, after which it is routed and dispatched as usual.
import * as maplibregl from 'maplibre-gl';
import type { Map as MlMap } from 'maplibre-gl';
import { api, ApiError, get } from '../api';
import { formatAge, h, toast } from '../dom';
import { lang, tr } from '../i18n';
import type { Incident } from '../incidents-store';
import { createBaseMap } from '../components/base-map';
import { townData } from '../geo/town-data';
import { exposeForTests } from '../test-hooks';

export const UNLOCATED = 'unlocated';

interface Geocode {
  reason?: string;
  suggestion?: { lon: number; lat: number; label: string } | null;
  candidates?: { name: string; kind: string; lon: number; lat: number }[];
  understood?: { village: string | null; roads: string[]; landmark: string | null; number: number | null };
}

/** The 待定位 strip above the queue; hidden while nothing waits. */
export function unlocatedList(onOpen: (id: number) => void): {
  el: HTMLElement;
  render(list: Incident[], selected: number | null): void;
} {
  const rows = h('div', { id: 'unlocated-rows', class: 'unlocated-rows' });
  const count = h('span', { id: 'unlocated-count' });
  const el = h(
    'div',
    { class: 'unlocated', id: 'unlocated', hidden: true },
    h(
      'div',
      { class: 'unlocated-title' },
      h('b', {}, tr('待定位', 'To place')),
      ' ',
      count,
      h(
        'span',
        { class: 'muted' },
        tr(
          ' 地址未能确定位置的来电：打开后在地图上点选位置',
          ' calls whose address named no single place: open one and click the map',
        ),
      ),
    ),
    rows,
  );
  return {
    el,
    render(list, selected) {
      const waiting = list
        .filter((i) => i.state === UNLOCATED)
        .sort((a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt));
      el.hidden = waiting.length === 0;
      count.textContent = `(${waiting.length})`;
      const now = Date.now();
      rows.replaceChildren(
        ...waiting.map((i) =>
          h(
            'div',
            {
              class: `unlocated-row clickable${i.id === selected ? ' selected' : ''}`,
              'data-unlocated': i.id,
              onclick: () => onOpen(i.id),
            },
            h('b', {}, `#${i.id} ${i.subcategoryName}`),
            ' ',
            h('span', {}, i.address ?? ''),
            h('span', { class: 'muted' }, ` · ${formatAge((now - Date.parse(i.reportedAt)) / 1000, lang)}`),
          ),
        ),
      );
    },
  };
}

/**
 * The card's placing panel: the address as called in, what was understood and why it
 * was not placed, a map framed on the suggestion with the candidates; a click (or a
 * candidate) sets the point, 确定位置 sends it.
 */
export function placingPanel(i: Incident, townCode: string, placed: (inc: Incident) => void): HTMLElement {
  const info = h('div', { class: 'muted', id: 'place-reason' }, tr('读取地址解析…', 'Reading what the address said…'));
  const chosen = h(
    'span',
    { id: 'place-point', class: 'muted' },
    tr('在地图上点选事件位置', 'Click the map where it is'),
  );
  const confirm = h('button', { class: 'primary', id: 'place-confirm', disabled: true }, tr('确定位置', 'Place here'));
  const mapBox = h('div', { class: 'place-map', id: 'place-map' });
  const candidates = h('div', { class: 'place-candidates', id: 'place-candidates' });
  const panel = h(
    'div',
    { class: 'placing' },
    h('h3', {}, tr('待定位：在地图上确定位置', 'To place: find it on the map')),
    h(
      'div',
      { class: 'card-row' },
      h('span', { class: 'muted' }, tr('来电地址', 'Address called in')),
      h('b', { id: 'place-address' }, i.address ?? '—'),
    ),
    info,
    candidates,
    mapBox,
    h('div', { class: 'card-actions' }, chosen, confirm),
  );
  let point: [number, number] | null = null;
  let marker: maplibregl.Marker | null = null;
  let map: MlMap | null = null;

  const choose = (lon: number, lat: number, label?: string) => {
    point = [lon, lat];
    if (!map) return;
    marker ??= new maplibregl.Marker({ color: '#e53935', draggable: true }).setLngLat(point).addTo(map);
    marker.setLngLat(point);
    marker.on('dragend', () => {
      const p = marker!.getLngLat();
      choose(p.lng, p.lat);
    });
    chosen.textContent = `${label ? `${label} · ` : ''}${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    chosen.classList.remove('muted');
    confirm.disabled = false;
  };

  confirm.addEventListener('click', () => {
    if (!point) return;
    confirm.disabled = true;
    api
      .post('/api/incidents/{id}/place', { path: { id: i.id }, body: { lon: point[0], lat: point[1] } })
      .then((inc) => {
        toast(`${tr('已确定位置', 'Placed')} #${i.id} · ${inc.gridName ?? inc.gridCode ?? ''}`, 'ok');
        placed(inc);
      })
      .catch((err: unknown) => {
        confirm.disabled = false;
        toast(err instanceof ApiError ? err.message : String(err), 'error');
      });
  });

  void Promise.all([
    get<{ items: (Incident & { geocode: Geocode | null })[] }>(
      `/api/incidents/unlocated?town=${encodeURIComponent(townCode)}`,
    ),
    townData(townCode),
  ])
    .then(([{ items }, town]) => {
      const g = items.find((x) => x.id === i.id)?.geocode ?? {};
      info.textContent = g.reason ?? '';
      // Framed on what the address said (a village, a road, the candidates), else the whole town.
      const near = g.suggestion && g.suggestion.label !== '' && !g.reason?.includes('只知道镇');
      const start = g.suggestion ?? { lon: i.lon, lat: i.lat, label: '' };
      const box: [number, number, number, number] =
        near || g.candidates?.length
          ? [start.lon - 0.006, start.lat - 0.006, start.lon + 0.006, start.lat + 0.006]
          : [...town.bbox];
      if (!near && g.candidates?.length) box.splice(0, 4, 180, 90, -180, -90);
      for (const c of g.candidates ?? []) {
        box[0] = Math.min(box[0], c.lon - 0.002);
        box[1] = Math.min(box[1], c.lat - 0.002);
        box[2] = Math.max(box[2], c.lon + 0.002);
        box[3] = Math.max(box[3], c.lat + 0.002);
      }
      map = createBaseMap(mapBox, box);
      exposeForTests({ placeMap: map });
      map.on('click', (e) => choose(e.lngLat.lng, e.lngLat.lat));
      for (const c of g.candidates ?? []) {
        const dot = h('div', { class: 'place-candidate', title: c.name });
        new maplibregl.Marker({ element: dot }).setLngLat([c.lon, c.lat]).addTo(map);
        dot.addEventListener('click', (ev) => {
          ev.stopPropagation();
          choose(c.lon, c.lat, c.name);
        });
      }
      candidates.replaceChildren(
        ...(g.candidates ?? []).map((c) =>
          h(
            'button',
            {
              class: 'link',
              'data-candidate': c.name,
              onclick: () => {
                map?.flyTo({ center: [c.lon, c.lat], zoom: 16 });
                choose(c.lon, c.lat, c.name);
              },
            },
            c.name,
          ),
        ),
      );
    })
    .catch((err: Error) => {
      info.textContent = err.message;
    });
  return panel;
}
