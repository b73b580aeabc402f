// The light map: the gridworker and the incident on a small SVG with the distance and a
// scale, enough to see which way to go; the phone's own navigation app (高德, 百度, the
// system's maps) takes over for the route. No map library: the app stays small.
import type { Fix } from './tracker';

const R = 6_371_000;

export function distanceM(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(s));
}

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag: string, attrs: Record<string, string | number>, text?: string) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text) el.textContent = text;
  return el;
};

export function lightMap(target: { lon: number; lat: number }, me: Fix | null): SVGSVGElement {
  const size = 300;
  const root = svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'lightmap', role: 'img' }) as SVGSVGElement;
  root.append(svg('rect', { width: size, height: size, fill: '#eef3f8' }));
  const d = me ? distanceM(me, target) : 0;
  // Metres per pixel so both points fit with a margin (at least 200 m across).
  const span = Math.max(200, d * 1.6);
  const mpp = span / size;
  const toXY = (p: { lon: number; lat: number }) => {
    const x = (p.lon - target.lon) * (Math.PI / 180) * R * Math.cos((target.lat * Math.PI) / 180);
    const y = (p.lat - target.lat) * (Math.PI / 180) * R;
    return [size / 2 + x / mpp, size / 2 - y / mpp] as const;
  };
  for (let i = 1; i < 4; i++) {
    root.append(svg('line', { x1: (i * size) / 4, y1: 0, x2: (i * size) / 4, y2: size, stroke: '#d6e0ea' }));
    root.append(svg('line', { x1: 0, y1: (i * size) / 4, x2: size, y2: (i * size) / 4, stroke: '#d6e0ea' }));
  }
  const [tx, ty] = toXY(target);
  if (me) {
    const [mx, my] = toXY(me);
    root.append(
      svg('line', { x1: mx, y1: my, x2: tx, y2: ty, stroke: '#1d6fdc', 'stroke-dasharray': '6 4', 'stroke-width': 2 }),
    );
    root.append(svg('circle', { cx: mx, cy: my, r: Math.max(6, Math.min(40, me.accuracy / mpp)), fill: '#1d6fdc33' }));
    root.append(
      svg('circle', { cx: mx, cy: my, r: 6, fill: '#1d6fdc', stroke: '#fff', 'stroke-width': 2, class: 'me' }),
    );
    root.append(svg('text', { x: mx + 9, y: my + 4, 'font-size': 13 }, '我'));
  }
  root.append(
    svg('circle', { cx: tx, cy: ty, r: 8, fill: '#e0412f', stroke: '#fff', 'stroke-width': 2, class: 'target' }),
  );
  root.append(svg('text', { x: tx + 10, y: ty + 4, 'font-size': 13 }, '事件'));
  const bar = niceMetres(span / 4);
  root.append(
    svg('line', { x1: 10, y1: size - 14, x2: 10 + bar / mpp, y2: size - 14, stroke: '#333', 'stroke-width': 3 }),
  );
  root.append(svg('text', { x: 10, y: size - 20, 'font-size': 12 }, bar >= 1000 ? `${bar / 1000} 公里` : `${bar} 米`));
  root.append(svg('text', { x: size / 2, y: 14, 'font-size': 12, 'text-anchor': 'middle' }, '北 ↑'));
  return root;
}

function niceMetres(m: number): number {
  const p = 10 ** Math.floor(Math.log10(m));
  return (
    [1, 2, 5, 10]
      .map((f) => f * p)
      .filter((v) => v <= m)
      .pop() ?? p
  );
}

/** Hand-over to the phone's navigation apps; coordinates are WGS-84, each URI says so. */
export function navigationLinks(target: { lon: number; lat: number }, name: string): { label: string; href: string }[] {
  const n = encodeURIComponent(name);
  return [
    // 高德 URI API (路径规划): dev=1 means the coordinates are WGS-84 and 高德 converts them.
    {
      label: '高德地图',
      href: `amapuri://route/plan/?dlat=${target.lat}&dlon=${target.lon}&dname=${n}&dev=1&t=2&sourceApplication=wangge`,
    },
    // 百度 URI API: coord_type=wgs84 for GPS coordinates; mode=walking.
    {
      label: '百度地图',
      href: `baidumap://map/direction?destination=latlng:${target.lat},${target.lon}|name:${n}&coord_type=wgs84&mode=walking&src=wangge.phone`,
    },
    // RFC 5870 geo: URI, which Android hands to whichever map app the phone has.
    { label: '系统地图', href: `geo:${target.lat},${target.lon}?q=${target.lat},${target.lon}(${n})` },
  ];
}
