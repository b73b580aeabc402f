// The big screen's heat map on a plain 2D canvas: the town's grids drawn once into a
// background bitmap, open incidents as soft glows on top, redrawn only when asked. A wall
// display runs for days: no WebGL, nothing drawn between changes.
import type { TownFeatures } from '../geo/town-data';
import { bboxOf, type Bbox } from '../geo/town-data';

export interface HeatPoint {
  lon: number;
  lat: number;
  /** 1–4 */
  weight: number;
}

export class HeatCanvas {
  readonly el = document.createElement('canvas');
  private background: HTMLCanvasElement | null = null;
  private bbox: Bbox = [0, 0, 1, 1];
  private features: TownFeatures | null = null;
  private points: HeatPoint[] = [];

  constructor() {
    this.el.style.width = '100%';
    this.el.style.height = '100%';
    this.el.id = 'bs-heat';
  }

  setTown(features: TownFeatures): void {
    this.features = features;
    this.bbox = bboxOf(
      features.features.filter((f) => f.properties['layer'] === 'town').map((f) => f.geometry.coordinates),
    );
    if (this.bbox[0] > this.bbox[2]) this.bbox = bboxOf(features.features.map((f) => f.geometry.coordinates));
    this.background = null;
    this.draw();
  }

  setPoints(points: HeatPoint[]): void {
    this.points = points;
    this.draw();
  }

  /** Projects lon/lat into the canvas, keeping the town's aspect (cos of the latitude). */
  private projector(w: number, h: number): (lon: number, lat: number) => [number, number] {
    const [x0, y0, x1, y1] = this.bbox;
    const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    const scale = Math.min((w * 0.94) / ((x1 - x0) * k), (h * 0.94) / (y1 - y0));
    const ox = (w - (x1 - x0) * k * scale) / 2;
    const oy = (h - (y1 - y0) * scale) / 2;
    return (lon, lat) => [ox + (lon - x0) * k * scale, h - oy - (lat - y0) * scale];
  }

  draw(): void {
    const w = this.el.clientWidth;
    const h = this.el.clientHeight;
    if (!w || !h || !this.features) return;
    if (this.el.width !== w || this.el.height !== h || !this.background) {
      this.el.width = w;
      this.el.height = h;
      this.background = this.drawBackground(w, h);
    }
    const c = this.el.getContext('2d')!;
    c.globalCompositeOperation = 'source-over';
    c.drawImage(this.background, 0, 0);
    const at = this.projector(w, h);
    const r = Math.max(18, h * 0.045);
    c.globalCompositeOperation = 'lighter';
    for (const p of this.points) {
      const [x, y] = at(p.lon, p.lat);
      const g = c.createRadialGradient(x, y, 0, x, y, r * (0.7 + p.weight * 0.15));
      g.addColorStop(0, `rgba(255, ${140 - p.weight * 25}, 40, ${0.25 + p.weight * 0.1})`);
      g.addColorStop(1, 'rgba(255, 60, 20, 0)');
      c.fillStyle = g;
      c.fillRect(x - r * 1.4, y - r * 1.4, r * 2.8, r * 2.8);
    }
  }

  private drawBackground(w: number, h: number): HTMLCanvasElement {
    const bg = document.createElement('canvas');
    bg.width = w;
    bg.height = h;
    const c = bg.getContext('2d')!;
    c.fillStyle = '#07111f';
    c.fillRect(0, 0, w, h);
    const at = this.projector(w, h);
    const ring = (coords: number[][]) => {
      coords.forEach(([lon, lat], i) => {
        const [x, y] = at(lon!, lat!);
        if (i === 0) c.moveTo(x, y);
        else c.lineTo(x, y);
      });
      c.closePath();
    };
    for (const f of this.features!.features) {
      const layer = f.properties['layer'];
      if (layer !== 'grid' && layer !== 'village') continue;
      const g = f.geometry;
      const polys = (
        g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
      ) as number[][][][];
      c.beginPath();
      for (const poly of polys) for (const r of poly) ring(r);
      if (layer === 'grid') {
        c.fillStyle = '#0d2237';
        c.fill();
        c.strokeStyle = '#1e4468';
        c.lineWidth = 1;
      } else {
        c.strokeStyle = '#3c78b0';
        c.lineWidth = 2;
      }
      c.stroke();
    }
    return bg;
  }
}
