// Placing a camera on the map: drag the camera to where it hangs, drag the handle to
// turn its heading (the handle's distance is the range), drag the sector's edge (or
// slide) to open or close the field of view.
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { h } from '../dom';
import { bearingDeg, distanceM, fovPolygon } from '../geo/fov';

export interface PlacementDraft {
  lon: number;
  lat: number;
  headingDeg: number;
  hfovDeg: number;
  rangeM: number;
  mountHeightM: number;
  highPosition: boolean;
}

const M_PER_DEG_LAT = 111_320;
/** The slider's least field of view. */
const MIN_HFOV = 10;

export class PlacementEditor {
  private readonly cameraMarker: maplibregl.Marker;
  private readonly handleMarker: maplibregl.Marker;
  private readonly fovMarker: maplibregl.Marker;
  private listeners = new Set<(d: PlacementDraft) => void>();

  constructor(
    private readonly map: MlMap,
    public draft: PlacementDraft,
  ) {
    if (!map.getSource('edit-fov')) {
      map.addSource('edit-fov', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'edit-fov-fill',
        type: 'fill',
        source: 'edit-fov',
        paint: { 'fill-color': '#ffd54f', 'fill-opacity': 0.2 },
      });
      map.addLayer({
        id: 'edit-fov-line',
        type: 'line',
        source: 'edit-fov',
        paint: { 'line-color': '#ffd54f', 'line-width': 1.5 },
      });
    }
    this.cameraMarker = new maplibregl.Marker({
      element: h('div', { class: 'cam-marker', id: 'placement-camera', title: '拖动摄像机位置' }),
      draggable: true,
    })
      .setLngLat([draft.lon, draft.lat])
      .addTo(map);
    // The sector's right edge: its angle off the heading is half the field of view. Added
    // before the heading handle, which stays on top where they meet (zoomed out).
    this.fovMarker = new maplibregl.Marker({
      element: h('div', { class: 'fov-handle', id: 'placement-fov', title: '拖动调整视角' }),
      draggable: true,
    })
      .setLngLat(this.fovPoint())
      .addTo(map);
    this.fovMarker.on('drag', () => {
      const p = this.fovMarker.getLngLat();
      const off = Math.abs(
        ((bearingDeg([this.draft.lon, this.draft.lat], [p.lng, p.lat]) - this.draft.headingDeg + 540) % 360) - 180,
      );
      this.update({ hfovDeg: Math.min(360, Math.max(MIN_HFOV, Math.round(off * 2))) }, true, false);
    });
    this.fovMarker.on('dragend', () => this.fovMarker.setLngLat(this.fovPoint()));
    this.handleMarker = new maplibregl.Marker({
      element: h('div', { class: 'heading-handle', id: 'placement-heading', title: '拖动调整朝向和距离' }),
      draggable: true,
    })
      .setLngLat(this.handlePoint())
      .addTo(map);
    this.cameraMarker.on('drag', () => {
      const p = this.cameraMarker.getLngLat();
      this.update({ lon: p.lng, lat: p.lat });
    });
    this.handleMarker.on('drag', () => {
      const p = this.handleMarker.getLngLat();
      const from: [number, number] = [this.draft.lon, this.draft.lat];
      this.update(
        {
          headingDeg: Math.round(bearingDeg(from, [p.lng, p.lat])),
          rangeM: Math.max(5, Math.round(distanceM(from, [p.lng, p.lat]))),
        },
        false,
      );
    });
    this.handleMarker.on('dragend', () => this.handleMarker.setLngLat(this.handlePoint()));
    this.render();
  }

  onChange(listener: (d: PlacementDraft) => void): void {
    this.listeners.add(listener);
  }

  /** The handle being dragged stays under the pointer (`moveHandle` / `moveFov` false). */
  update(patch: Partial<PlacementDraft>, moveHandle = true, moveFov = true): void {
    this.draft = { ...this.draft, ...patch };
    this.cameraMarker.setLngLat([this.draft.lon, this.draft.lat]);
    if (moveHandle) this.handleMarker.setLngLat(this.handlePoint());
    if (moveFov) this.fovMarker.setLngLat(this.fovPoint());
    this.render();
    for (const l of this.listeners) l(this.draft);
  }

  private handlePoint(): [number, number] {
    return this.pointAt(this.draft.headingDeg);
  }

  private fovPoint(): [number, number] {
    return this.pointAt(this.draft.headingDeg + this.draft.hfovDeg / 2);
  }

  /** The point at the range in this bearing from the camera. */
  private pointAt(bearing: number): [number, number] {
    const b = (bearing * Math.PI) / 180;
    const mPerDegLon = M_PER_DEG_LAT * Math.cos((this.draft.lat * Math.PI) / 180);
    return [
      this.draft.lon + (Math.sin(b) * this.draft.rangeM) / mPerDegLon,
      this.draft.lat + (Math.cos(b) * this.draft.rangeM) / M_PER_DEG_LAT,
    ];
  }

  private render(): void {
    (this.map.getSource('edit-fov') as GeoJSONSource | undefined)?.setData({
      type: 'Feature',
      properties: {},
      geometry: { type: 'Polygon', coordinates: [fovPolygon(this.draft)] },
    });
  }

  dispose(): void {
    this.cameraMarker.remove();
    this.handleMarker.remove();
    this.fovMarker.remove();
    (this.map.getSource('edit-fov') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [] });
  }
}
