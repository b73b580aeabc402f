// terra-draw on the planning map: reshape one grid at a time (drag vertices, add
// midpoints), draw a new grid or a split line; vertices snap to the neighbours'
// vertices, or else onto the nearest point of a neighbour's edge.
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type GeoJSONStoreFeatures,
  type SnapToCustom,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import type { Map as MlMap } from 'maplibre-gl';
import { along, type Box, type Edge } from './snap-index';

export type Ring = number[][];
const SNAP_PX = 12;

/** What may be snapped to: the other grids' vertices and edges in a lon/lat box. */
export interface SnapTargets {
  vertices(box: Box): number[][];
  edges(box: Box): Edge[];
}

export class DraftDraw {
  readonly draw: TerraDraw;
  private editingId: string | number | null = null;
  private finished: ((geometry: { type: string; coordinates: unknown }) => void) | null = null;

  constructor(
    private readonly map: MlMap,
    private readonly targets: SnapTargets,
  ) {
    const snap: SnapToCustom = (event) => this.snap(event.lng, event.lat);
    this.draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      modes: [
        new TerraDrawPolygonMode({
          snapping: { toCustom: snap },
          styles: { fillColor: '#ffd54f', fillOpacity: 0.25, outlineColor: '#ffd54f', outlineWidth: 2 },
        }),
        new TerraDrawLineStringMode({
          snapping: { toCustom: snap },
          styles: { lineStringColor: '#ff7043', lineStringWidth: 3 },
        }),
        new TerraDrawSelectMode({
          flags: {
            polygon: {
              feature: {
                draggable: false,
                coordinates: { draggable: true, midpoints: true, deletable: true, snappable: { toCustom: snap } },
              },
            },
          },
          styles: {
            selectedPolygonColor: '#ffd54f',
            selectedPolygonFillOpacity: 0.3,
            selectedPolygonOutlineColor: '#ffd54f',
            selectionPointColor: '#ffffff',
            selectionPointWidth: 5,
            midPointColor: '#ffd54f',
          },
        }),
      ],
    });
    this.draw.start();
    this.draw.on('finish', (id, context) => {
      if (context.mode !== 'polygon' && context.mode !== 'linestring') return;
      const f = this.draw.getSnapshotFeature(id);
      if (f && this.finished) this.finished(f.geometry as { type: string; coordinates: unknown });
    });
  }

  /** Loads a grid's polygon for reshaping and selects it. */
  edit(ring: Ring[]): void {
    this.reset();
    const id = this.draw.getFeatureId();
    this.draw.addFeatures([
      {
        id,
        type: 'Feature',
        properties: { mode: 'polygon' },
        geometry: { type: 'Polygon', coordinates: ring },
      } as GeoJSONStoreFeatures,
    ]);
    this.editingId = id;
    this.draw.setMode('select');
    this.draw.selectFeature(id);
  }

  /** The reshaped polygon, or null when nothing is being edited. */
  edited(): { type: 'Polygon'; coordinates: number[][][] } | null {
    if (this.editingId === null) return null;
    const f = this.draw.getSnapshotFeature(this.editingId);
    return f ? (f.geometry as { type: 'Polygon'; coordinates: number[][][] }) : null;
  }

  /** Draws a polygon or a line; `done` receives its geometry. */
  drawShape(kind: 'polygon' | 'linestring', done: (geometry: { type: string; coordinates: unknown }) => void): void {
    this.reset();
    this.finished = (g) => {
      this.finished = null;
      done(g);
    };
    this.draw.setMode(kind);
  }

  reset(): void {
    this.finished = null;
    this.editingId = null;
    this.draw.clear();
    this.draw.setMode('static');
  }

  /**
   * A neighbour's vertex within SNAP_PX of the cursor, else the nearest point of a
   * neighbour's edge within SNAP_PX (on the edge as stored, in lon/lat), else nothing.
   */
  private snap(lng: number, lat: number): number[] | undefined {
    const p = this.map.project([lng, lat]);
    // Only the vertices and edges within the tolerance's box (its corners in lon/lat, so
    // a rotated map works too) are measured in pixels.
    const corners = [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ].map(([dx, dy]) => this.map.unproject([p.x + dx! * SNAP_PX, p.y + dy! * SNAP_PX]));
    const box: Box = [
      Math.min(...corners.map((c) => c.lng)),
      Math.min(...corners.map((c) => c.lat)),
      Math.max(...corners.map((c) => c.lng)),
      Math.max(...corners.map((c) => c.lat)),
    ];
    let best: number[] | undefined;
    let bestD = SNAP_PX;
    for (const v of this.targets.vertices(box)) {
      const q = this.map.project(v as [number, number]);
      const d = Math.hypot(q.x - p.x, q.y - p.y);
      if (d < bestD) {
        bestD = d;
        best = v;
      }
    }
    if (best) return best;
    for (const [a, b] of this.targets.edges(box)) {
      const qa = this.map.project(a as [number, number]);
      const qb = this.map.project(b as [number, number]);
      // The nearest point in pixels, taken at the same fraction of the edge in lon/lat:
      // the server sees straight edges in lon/lat, so the point must lie on that line.
      const t = along([p.x, p.y], [qa.x, qa.y], [qb.x, qb.y]);
      const d = Math.hypot(qa.x + t * (qb.x - qa.x) - p.x, qa.y + t * (qb.y - qa.y) - p.y);
      if (d < bestD) {
        bestD = d;
        best = [a[0]! + t * (b[0]! - a[0]!), a[1]! + t * (b[1]! - a[1]!)];
      }
    }
    return best;
  }
}
