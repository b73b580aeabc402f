// Incidents on the map by state, and grids shaded by how many open incidents they
// hold (feature state on the vector-tile grids, so no tile is fetched again).
import type { FilterSpecification, GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { incidents, OPEN_STATES, type Incident } from '../incidents-store';
import { BASE_SOURCE } from '../components/map-style';

/** One colour per open state: the legend and the state filter list them all. */
export const STATE_COLORS: Record<string, string> = {
  reported: '#ff1744',
  returned: '#f06292',
  dispatched: '#ff9100',
  escalated: '#d500f9',
  accepted: '#ffd54f',
  in_progress: '#ffee58',
  handled: '#66bb6a',
  verified: '#26a69a',
};

const STATE_COLOR_EXPR = ['match', ['get', 'state'], ...Object.entries(STATE_COLORS).flat(), '#ffd54f'];

/** Shows only incidents in these states (a layer filter: the source is not rebuilt). */
export function setIncidentStates(map: MlMap, states: readonly string[]): void {
  if (map.getLayer('incidents-dot'))
    map.setFilter('incidents-dot', ['in', ['get', 'state'], ['literal', [...states]]] as FilterSpecification);
}

export function addIncidentLayers(map: MlMap, townCode: string): void {
  map.addSource('incidents', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({
    id: 'incidents-dot',
    type: 'circle',
    source: 'incidents',
    paint: {
      'circle-color': STATE_COLOR_EXPR as unknown as string,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 4, 16, 9],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  });
  let shaded = new Map<number, number>();
  const render = (list: Incident[]) => {
    const open = list.filter((i) => OPEN_STATES.includes(i.state));
    (map.getSource('incidents') as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: open.map((i) => ({
        type: 'Feature',
        id: i.id,
        properties: { id: i.id, state: i.state, severity: i.severity },
        geometry: { type: 'Point', coordinates: [i.lon, i.lat] },
      })),
    });
    const load = new Map<number, number>();
    for (const i of open) if (i.gridId !== null) load.set(i.gridId, (load.get(i.gridId) ?? 0) + 1);
    for (const id of shaded.keys())
      if (!load.has(id)) map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id }, { load: 0 });
    for (const [id, n] of load) map.setFeatureState({ source: BASE_SOURCE, sourceLayer: 'grids', id }, { load: n });
    shaded = load;
  };
  incidents.subscribe((list) => render(list));
  void incidents
    .load(townCode)
    .then(() => render(incidents.all()))
    .catch(() => undefined);
}
