// The map page: boundaries and roads from the vector tiles, cameras with their view,
// gridworkers moving live; click for a card, layer switches, search, coordinates.
import * as maplibregl from 'maplibre-gl';
import type { MapGeoJSONFeature, MapMouseEvent, Map as MlMap } from 'maplibre-gl';
import { cameras } from '../cameras-store';
import type { AppContext } from '../context';
import { formatAge, h, toast } from '../dom';
import { lang, tr } from '../i18n';
import { live } from '../live';
import type { Page } from '../page';
import { createBaseMap, reloadTiles, styleReady } from '../components/base-map';
import { addCameraLayers, CAMERA_LAYERS } from '../components/cameras-layer';
import { addIncidentLayers } from './incidents-layer';
import { incidents, STATE_LABEL } from '../incidents-store';
import { displayCrs, formatCoord, setDisplayCrs } from '../geo/coords';
import { BASE_SOURCE } from '../components/map-style';
import { forgetTownData, townData, type Place, type TownData } from '../geo/town-data';
import { WorkersLayer } from './workers-layer';
import { reportForm } from '../components/report-form';
import { lookBackButton } from '../components/look-back';
import { legend, shadingSwitch, stateFilter } from './map-legend';
import { YellowCardsLayer } from './yellow-cards-layer';
import { exposeForTests } from '../test-hooks';

const STATUS_LABEL: Record<string, string> = {
  online: tr('在线', 'online'),
  offline: tr('离线', 'offline'),
  error: tr('故障', 'error'),
  unknown: tr('未知', 'unknown'),
};

const LAYER_GROUPS: { id: string; label: string; layers: string[] }[] = [
  { id: 'grids', label: tr('网格', 'Grids'), layers: ['grids-fill', 'grids-line'] },
  { id: 'villages', label: tr('村界', 'Villages'), layers: ['villages-line'] },
  { id: 'roads', label: tr('道路', 'Roads'), layers: ['roads'] },
  { id: 'cameras', label: tr('摄像机', 'Cameras'), layers: ['cameras-dot'] },
  { id: 'fov', label: tr('视场', 'Fields of view'), layers: ['cameras-fov-fill', 'cameras-fov-line'] },
  { id: 'workers', label: tr('网格员', 'Gridworkers'), layers: ['workers-dot'] },
  { id: 'incidents', label: tr('事件', 'Incidents'), layers: ['incidents-dot'] },
];

export async function createMapPage(ctx: AppContext): Promise<Page> {
  const mapBox = h('div', { class: 'map', id: 'main-map' });
  const coordText = h('span', { id: 'cursor-coords' }, '—');
  const crsButton = h('button', { class: 'chip', id: 'crs-toggle' }, displayCrs === 'WGS84' ? 'WGS-84' : 'GCJ-02');
  const counts = h('span', { class: 'muted', id: 'map-counts' });
  const searchInput = h('input', {
    id: 'map-search',
    type: 'search',
    placeholder: tr(
      '搜索村、网格、摄像机、网格员（名称或编码）',
      'Search villages, grids, cameras, people (name or code)',
    ),
  });
  const results = h('ul', { class: 'search-results', id: 'search-results' });
  const layerSwitches = h('div', { class: 'layer-switches' });
  const panel = h(
    'aside',
    { class: 'map-panel' },
    searchInput,
    results,
    h('h3', {}, tr('图层', 'Layers')),
    layerSwitches,
  );
  const statusBar = h('div', { class: 'map-status' }, coordText, crsButton, counts);
  const el = h('section', { class: 'map-page' }, mapBox, panel, statusBar);

  let data: TownData = await townData(ctx.town.code);
  const map = createBaseMap(mapBox, data.bbox);
  exposeForTests({ map });
  let lastCursor: [number, number] | null = null;
  crsButton.addEventListener('click', () => {
    setDisplayCrs(displayCrs === 'WGS84' ? 'GCJ02' : 'WGS84');
    crsButton.textContent = displayCrs === 'WGS84' ? 'WGS-84' : 'GCJ-02';
    if (lastCursor) coordText.textContent = formatCoord(...lastCursor);
  });
  map.on('mousemove', (e) => {
    lastCursor = [e.lngLat.lng, e.lngLat.lat];
    coordText.textContent = formatCoord(e.lngLat.lng, e.lngLat.lat);
  });

  await styleReady(map);
  addCameraLayers(map);
  void cameras.load().catch(() => toast(tr('摄像机列表加载失败', 'Cameras did not load'), 'error'));
  addIncidentLayers(map, ctx.town.code);
  const cardsLayer = new YellowCardsLayer(map, ctx.town);
  cardsLayer.start().catch(() => toast(tr('黄牌统计加载失败', 'Yellow cards did not load'), 'error'));
  panel.append(shadingSwitch(cardsLayer), stateFilter(map), legend());
  const workers = new WorkersLayer(map, ctx.town.code);
  exposeForTests({ workers });
  workers.start().catch(() => toast(tr('网格员位置加载失败', 'Gridworkers did not load'), 'error'));
  setInterval(
    () =>
      (counts.textContent = `${tr('摄像机', 'cameras')} ${cameras.all().length} · ${tr('在岗网格员', 'on duty')} ${workers.workers.size}`),
    2000,
  );

  for (const g of LAYER_GROUPS) {
    const box = h('input', { type: 'checkbox', checked: true, 'data-layer': g.id });
    box.addEventListener('change', () => {
      for (const l of g.layers)
        if (map.getLayer(l)) map.setLayoutProperty(l, 'visibility', box.checked ? 'visible' : 'none');
    });
    layerSwitches.appendChild(h('label', {}, box, g.label));
  }

  addVillageLabels(map, data.places);
  // A planner published new grids: the tiles and the search index are fetched again
  // (tiles carry the map revision in their ETag, so only changed ones download).
  live.on('grids', (e) => {
    if ((e as { action?: string }).action !== 'published') return;
    forgetTownData(ctx.town.code);
    void townData(ctx.town.code).then(
      (fresh) => (data = fresh),
      () => undefined,
    );
    reloadTiles(map);
  });
  const selection = gridSelection(map);
  const popup = new maplibregl.Popup({ closeButton: true, maxWidth: '320px', className: 'card-popup' });

  // Hover: the grid under the cursor lights up and says its name.
  let hovered: number | string | undefined;
  map.on('mousemove', 'grids-fill', (e) => {
    const f = e.features?.[0];
    if (hovered !== undefined)
      map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id: hovered }, { hover: false });
    hovered = f?.id;
    if (hovered !== undefined)
      map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id: hovered }, { hover: true });
    map.getCanvas().title = f ? `${f.properties['name']} · ${f.properties['code']}` : '';
  });
  for (const l of ['cameras-dot', 'workers-dot', 'incidents-dot']) {
    map.on('mouseenter', l, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', l, () => (map.getCanvas().style.cursor = ''));
  }

  map.on('click', (e: MapMouseEvent) => {
    const hit = map.queryRenderedFeatures(e.point, {
      layers: ['incidents-dot', 'workers-dot', 'cameras-dot', 'grids-fill'].filter((l) => map.getLayer(l)),
    });
    const incident = hit.find((f) => f.layer.id === 'incidents-dot');
    if (incident) {
      const i = incidents.get(Number(incident.properties['id']));
      if (i) {
        popup
          .setLngLat([i.lon, i.lat])
          .setDOMContent(
            h(
              'div',
              { class: 'card', 'data-card': 'incident' },
              h(
                'div',
                { class: 'card-title' },
                `${i.subcategoryName} #${i.id}`,
                h('span', { class: 'status' }, STATE_LABEL[i.state] ?? i.state),
              ),
              h('div', {}, i.description),
              row(tr('网格', 'Grid'), i.gridCode ?? '—'),
              row(tr('处置人', 'Assignee'), i.assignee?.name ?? '—'),
              h(
                'div',
                { class: 'card-actions' },
                ctx.has('dispatcher', 'operator')
                  ? h(
                      'button',
                      { class: 'primary', 'data-action': 'open-incident', onclick: () => ctx.openIncident(i.id) },
                      tr('去调度', 'Dispatch'),
                    )
                  : null,
                lookHereButton([i.lon, i.lat]),
                lookBackButton(ctx, [i.lon, i.lat], Date.parse(i.reportedAt)),
              ),
            ),
          )
          .addTo(map);
        return;
      }
    }
    const worker = hit.find((f) => f.layer.id === 'workers-dot');
    const camera = hit.find((f) => f.layer.id === 'cameras-dot');
    const grid = hit.find((f) => f.layer.id === 'grids-fill');
    const at: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    let card: HTMLElement;
    if (worker) card = workerCard(Number(worker.properties['id']));
    else if (camera) card = cameraCard(Number(camera.properties['id']));
    else if (grid) {
      selection.select(grid.id);
      card = gridCard(grid, at);
    } else card = pointCard(at);
    popup
      .setLngLat(
        worker || camera
          ? ((worker ?? camera)!.geometry as unknown as { coordinates: [number, number] }).coordinates
          : at,
      )
      .setDOMContent(card)
      .addTo(map);
  });

  /** Operators and dispatchers report what they see at this point. */
  function reportButton(at: [number, number]): HTMLElement | null {
    if (!ctx.has('operator', 'dispatcher')) return null;
    const b = h('button', { 'data-action': 'report' }, tr('上报事件', 'Report an incident'));
    b.addEventListener('click', () => b.replaceWith(reportForm(at[0], at[1], () => popup.remove())));
    return b;
  }

  /** Only roles that may open the video wall get the buttons that open it. */
  function lookHereButton(at: [number, number]): HTMLElement | null {
    if (!ctx.has('operator', 'dispatcher')) return null;
    return h(
      'button',
      {
        class: 'primary',
        'data-action': 'look-here',
        onclick: () => void ctx.lookHere(at[0], at[1]).catch((err: Error) => toast(err.message, 'error')),
      },
      tr('看这里', 'Look here'),
    );
  }

  function pointCard(at: [number, number]): HTMLElement {
    return h(
      'div',
      { class: 'card' },
      h('div', { class: 'card-title' }, tr('位置', 'Point')),
      h('div', { class: 'mono' }, formatCoord(...at)),
      h('div', { class: 'card-actions' }, lookHereButton(at), lookBackButton(ctx, at), reportButton(at)),
    );
  }

  function gridCard(f: MapGeoJSONFeature, at: [number, number]): HTMLElement {
    const p = f.properties;
    const village = data.places.find((v) => v.kind === 'village' && v.code === p['village_code']);
    const here = [...workers.workers.values()].filter((w) => w.gridCode === p['code']).length;
    return h(
      'div',
      { class: 'card', 'data-card': 'grid' },
      h('div', { class: 'card-title' }, String(p['name']), h('span', { class: 'muted' }, ` ${p['code']}`)),
      row(tr('类型', 'Kind'), p['kind'] === 'dedicated' ? tr('专属网格', 'dedicated') : tr('人居网格', 'residential')),
      row(tr('所属村', 'Village'), village?.name ?? String(p['village_code'])),
      row(tr('网格员在格', 'Gridworkers in it'), String(here)),
      cardsRow(typeof f.id === 'number' ? cardsLayer.of(f.id) : { cards: 0, flagged: false }),
      row(tr('位置', 'Point'), formatCoord(...at)),
      h('div', { class: 'card-actions' }, lookHereButton(at), lookBackButton(ctx, at), reportButton(at)),
    );
  }

  function cameraCard(id: number): HTMLElement {
    const c = cameras.get(id);
    if (!c) return h('div', { class: 'card' }, `#${id}`);
    return h(
      'div',
      { class: 'card', 'data-card': 'camera' },
      h(
        'div',
        { class: 'card-title' },
        c.name,
        h('span', { class: `status status-${c.status}` }, STATUS_LABEL[c.status] ?? c.status),
      ),
      row(tr('型号', 'Model'), [c.manufacturer, c.model].filter(Boolean).join(' ') || '—'),
      row(tr('云台', 'PTZ'), c.ptz ? tr('有', 'yes') : tr('无', 'no')),
      row(tr('网格', 'Grid'), c.placement?.gridCode ?? '—'),
      c.placement
        ? row(
            tr('朝向 / 视角', 'Heading / FOV'),
            `${Math.round(c.placement.headingDeg)}° / ${Math.round(c.placement.hfovDeg)}° · ${Math.round(c.placement.rangeM)} m`,
          )
        : null,
      c.lastError ? row(tr('错误', 'Error'), c.lastError) : null,
      ctx.has('operator', 'dispatcher')
        ? h(
            'div',
            { class: 'card-actions' },
            h(
              'button',
              { class: 'primary', 'data-action': 'open-camera', onclick: () => ctx.openCamera(id) },
              tr('上墙观看', 'Watch on the wall'),
            ),
          )
        : null,
    );
  }

  function workerCard(id: number): HTMLElement {
    const w = workers.workers.get(id);
    if (!w) return h('div', { class: 'card' }, `#${id}`);
    return h(
      'div',
      { class: 'card', 'data-card': 'worker' },
      h('div', { class: 'card-title' }, w.name),
      row(tr('角色', 'Roles'), w.roles.join('、') || '—'),
      row(tr('定位时间', 'Position age'), formatAge((Date.now() - w.fixMs) / 1000, lang)),
      row(tr('网格', 'Grid'), w.gridCode ?? '—'),
      row(tr('电量', 'Battery'), w.battery === null ? '—' : `${Math.round(w.battery)}%`),
      row(tr('速度', 'Speed'), w.speedMps === null ? '—' : `${(w.speedMps * 3.6).toFixed(1)} km/h`),
      row(tr('位置', 'Point'), formatCoord(w.lon, w.lat)),
    );
  }

  // Search: places of the town, cameras and people, by name or code.
  searchInput.addEventListener('input', () => {
    const q = searchInput.value.trim().toLowerCase();
    results.replaceChildren();
    if (!q) return;
    type Hit = { label: string; sub: string; go: () => void };
    const hits: Hit[] = [];
    const match = (...s: (string | null | undefined)[]) => s.some((x) => x?.toLowerCase().includes(q));
    for (const p of data.places) {
      if (hits.length >= 12) break;
      if (match(p.name, p.code)) hits.push({ label: p.name, sub: `${kindLabel(p)} ${p.code}`, go: () => goPlace(p) });
    }
    for (const c of cameras.all()) {
      if (hits.length >= 16) break;
      if (c.placement && match(c.name, String(c.id), c.host))
        hits.push({
          label: c.name,
          sub: tr('摄像机', 'camera'),
          go: () => map.flyTo({ center: [c.placement!.lon, c.placement!.lat], zoom: 16 }),
        });
    }
    for (const w of workers.workers.values()) {
      if (hits.length >= 20) break;
      if (match(w.name, String(w.personId)))
        hits.push({
          label: w.name,
          sub: tr('网格员', 'gridworker'),
          go: () => map.flyTo({ center: [w.lon, w.lat], zoom: 16 }),
        });
    }
    for (const hit of hits) {
      results.appendChild(
        h(
          'li',
          {
            onclick: () => {
              hit.go();
              results.replaceChildren();
            },
          },
          hit.label,
          h('span', { class: 'muted' }, ` ${hit.sub}`),
        ),
      );
    }
    if (hits.length === 0) results.appendChild(h('li', { class: 'muted' }, tr('没有结果', 'Nothing found')));
  });
  searchInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') (results.querySelector('li') as HTMLElement | null)?.click();
  });

  function goPlace(p: Place): void {
    map.fitBounds(p.bbox, { padding: 60, maxZoom: 17, duration: 600 });
    if (p.kind === 'grid' && p.id !== null) selection.select(p.id);
  }

  return {
    el,
    show: () => map.resize(),
    flyTo: (lon: number, lat: number, zoom = 16) => map.flyTo({ center: [lon, lat], zoom }),
  } as Page;
}

function kindLabel(p: Place): string {
  return p.kind === 'grid' ? tr('网格', 'grid') : p.kind === 'village' ? tr('村', 'village') : tr('镇', 'town');
}

function row(label: string, value: string): HTMLElement {
  return h('div', { class: 'card-row' }, h('span', { class: 'muted' }, label), h('span', {}, value));
}

/** A grid's yellow cards, and 约谈 when they reached the limit. */
function cardsRow(c: { cards: number; flagged: boolean }): HTMLElement {
  return h(
    'div',
    { class: 'card-row', 'data-row': 'yellow-cards' },
    h('span', { class: 'muted' }, tr('黄牌', 'Yellow cards')),
    h('span', { class: c.flagged ? 'flagged' : '' }, String(c.cards), c.flagged ? tr(' · 已约谈', ' · flagged') : ''),
  );
}

/** Village names as HTML labels (the style has no glyphs), shown from zoom 12. */
function addVillageLabels(map: MlMap, places: Place[]): void {
  const labels = places
    .filter((p) => p.kind === 'village')
    .map((p) =>
      new maplibregl.Marker({ element: h('div', { class: 'village-label' }, p.name) }).setLngLat(p.center).addTo(map),
    );
  const update = () => {
    const show = map.getZoom() >= 12;
    for (const m of labels) m.getElement().style.display = show ? '' : 'none';
  };
  map.on('zoomend', update);
  update();
}

function gridSelection(map: MlMap) {
  let selected: number | string | undefined;
  return {
    select(id: number | string | undefined) {
      if (selected !== undefined)
        map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id: selected }, { selected: false });
      selected = id;
      if (id !== undefined) map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id }, { selected: true });
    },
  };
}

export { CAMERA_LAYERS };
