// Cameras on the map: a dot per camera coloured by state, and its field-of-view
// sector. Both are GeoJSON sources updated in place when the store changes.
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { cameras } from '../cameras-store';
import type { Camera } from '../api/types';
import { COLORS } from './map-style';
import { fovPolygon } from '../geo/fov';

export const CAMERA_LAYERS = ['cameras-fov-fill', 'cameras-fov-line', 'cameras-dot'];

const statusColor: unknown = [
  'match',
  ['get', 'status'],
  'online',
  COLORS.online,
  'offline',
  COLORS.offline,
  'error',
  COLORS.error,
  COLORS.unknown,
];

export function addCameraLayers(map: MlMap): () => void {
  const empty = { type: 'FeatureCollection' as const, features: [] };
  map.addSource('cameras', { type: 'geojson', data: empty });
  map.addSource('cameras-fov', { type: 'geojson', data: empty });
  map.addLayer({
    id: 'cameras-fov-fill',
    type: 'fill',
    source: 'cameras-fov',
    paint: { 'fill-color': statusColor as string, 'fill-opacity': 0.12 },
  });
  map.addLayer({
    id: 'cameras-fov-line',
    type: 'line',
    source: 'cameras-fov',
    paint: { 'line-color': statusColor as string, 'line-opacity': 0.5, 'line-width': 1 },
  });
  map.addLayer({
    id: 'cameras-dot',
    type: 'circle',
    source: 'cameras',
    paint: {
      'circle-color': statusColor as string,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3, 16, 7],
      'circle-stroke-color': ['case', ['get', 'ptz'], '#ffffff', '#0b1622'],
      'circle-stroke-width': 1.5,
    },
  });
  const render = (list: Camera[]) => setCameraData(map, list);
  render(cameras.all());
  return cameras.subscribe(render);
}

export function setCameraData(map: MlMap, list: Camera[]): void {
  const placed = list.filter((c) => c.placement);
  (map.getSource('cameras') as GeoJSONSource | undefined)?.setData({
    type: 'FeatureCollection',
    features: placed.map((c) => ({
      type: 'Feature',
      id: c.id,
      properties: { id: c.id, name: c.name, status: c.status, ptz: c.ptz !== null },
      geometry: { type: 'Point', coordinates: [c.placement!.lon, c.placement!.lat] },
    })),
  });
  (map.getSource('cameras-fov') as GeoJSONSource | undefined)?.setData({
    type: 'FeatureCollection',
    features: placed.map((c) => ({
      type: 'Feature',
      id: c.id,
      properties: { id: c.id, status: c.status },
      geometry: { type: 'Polygon', coordinates: [fovPolygon(c.placement!)] },
    })),
  });
}
