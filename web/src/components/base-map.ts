// A MapLibre map on the offline style, tiles fetched with the session's token, framed
// on the town. Every page with a map (map, installation, planning) starts here.
import * as maplibregl from 'maplibre-gl';
import type { Map as MlMap, StyleSpecification, VectorTileSource } from 'maplibre-gl';
// The worker is its own file in maplibre-gl 6: ship it as an asset of the build.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { getToken } from '../api';
import { BASE_SOURCE, baseStyle } from './map-style';
import type { Bbox } from '../geo/town-data';

maplibregl.setWorkerUrl(workerUrl);

export const GRIDS_MIN_ZOOM = 10;

/**
 * `whole`: keep the whole box in view (a county of towns) rather than opening at the grids'
 * zoom; `maxZoom`: frame the box no closer than this; `adjust`: changes the page makes to
 * the style before the map is made (a data-driven paint set later makes MapLibre fetch and
 * lay out every tile again).
 */
export function createBaseMap(
  container: HTMLElement,
  bbox: Bbox,
  options: { whole?: boolean; maxZoom?: number; adjust?: (style: StyleSpecification) => void } = {},
): MlMap {
  const style = baseStyle(location.origin);
  options.adjust?.(style);
  const map = new maplibregl.Map({
    container,
    style,
    bounds: bbox,
    // maxZoom only when given: an undefined one makes MapLibre frame at NaN.
    fitBoundsOptions: options.maxZoom === undefined ? { padding: 30 } : { padding: 30, maxZoom: options.maxZoom },
    attributionControl: false,
    maxPitch: 0,
    // No fade-in of changed tiles: a live source changes every second, and each fade is
    // ~20 extra frames drawn for nothing.
    fadeDuration: 0,
    dragRotate: false,
    // Tiles need the bearer token; the browser cache revalidates with the ETag.
    transformRequest: (url: string) =>
      url.startsWith(location.origin) ? { url, headers: { authorization: `Bearer ${getToken() ?? ''}` } } : { url },
    localIdeographFontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif',
  });
  // Grids are in the tiles from zoom 10: a town too big to fit at 10 opens on its centre.
  if (!options.whole && map.getZoom() < GRIDS_MIN_ZOOM) map.jumpTo({ zoom: GRIDS_MIN_ZOOM });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

/** Resolves once the style is loaded (sources and layers may be added). */
export function styleReady(map: MlMap): Promise<void> {
  return map.isStyleLoaded() ? Promise.resolve() : new Promise((resolve) => map.once('load', () => resolve()));
}

/** After a publish the tiles change: fetch them again (the ETag makes unchanged ones cheap). */
export function reloadTiles(map: MlMap): void {
  const src = map.getSource(BASE_SOURCE) as VectorTileSource | undefined;
  if (src?.tiles) src.setTiles([...src.tiles]);
}
