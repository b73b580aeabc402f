// What every page shares: the logged-in account, its towns, the current town, and a
// few cross-page actions (open a camera on the wall, aim cameras at a point, open an
// incident's card).
import type { Account, Area, Role } from './api/types';

export interface AppContext {
  me: Account;
  towns: Area[];
  town: Area;
  has(...roles: Role[]): boolean;
  go(page: string): void;
  /** Puts a camera on the video wall (first free tile) and shows the wall. */
  openCamera(cameraId: number): void;
  /** "Look here": aims the best PTZ camera at the point and opens it on the wall. */
  lookHere(lon: number, lat: number): Promise<void>;
  /** Shows the dispatch page with this incident's card (operators and dispatchers). */
  openIncident(incidentId: number): void;
  /** The link that shows an incident where this account works on it; null when it has no such page. */
  incidentHref(incidentId: number): string | null;
  /** Shows the 回放 page playing these cameras (up to four, in step) from an instant (ms). */
  openPlayback(cameraIds: number[], at: number): void;
  /** Shows a point on the map page. */
  showOnMap(lon: number, lat: number, zoom?: number): void;
}

export function hasRole(me: Account, roles: readonly Role[]): boolean {
  return me.roles.includes('admin') || roles.some((r) => me.roles.includes(r));
}
