// Coordinates as the operator wants them: WGS-84 (GPS, the server's own) or GCJ-02
// (what Chinese web maps and phones show).
import gcoord from 'gcoord';

export type Crs = 'WGS84' | 'GCJ02';

export let displayCrs: Crs = localStorage.getItem('wg.crs') === 'GCJ02' ? 'GCJ02' : 'WGS84';

export function setDisplayCrs(crs: Crs): void {
  displayCrs = crs;
  localStorage.setItem('wg.crs', crs);
}

export function toDisplay(lon: number, lat: number, crs: Crs = displayCrs): [number, number] {
  if (crs === 'WGS84') return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
  return [x, y];
}

export function formatCoord(lon: number, lat: number, crs: Crs = displayCrs): string {
  const [x, y] = toDisplay(lon, lat, crs);
  return `${x.toFixed(6)}, ${y.toFixed(6)} (${crs === 'WGS84' ? 'WGS-84' : 'GCJ-02'})`;
}
