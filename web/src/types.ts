// Shapes of the server's answers that the app reads (a subset of /api/openapi.json).
// The account and its roles are the server's own types (type-only: erased from the bundle).
export type { AccountIdentity as Account } from '../../platform/auth/auth-context.js';
export type { Role } from '../../platform/auth/roles.js';

export interface Area {
  id: number;
  code: string;
  name: string;
  level: 'city' | 'district' | 'town' | 'village';
}

export interface Placement {
  lon: number;
  lat: number;
  mountHeightM: number;
  headingDeg: number;
  hfovDeg: number;
  rangeM: number;
  highPosition: boolean;
  zoomMax: number;
  panOffsetDeg: number;
  tiltOffsetDeg: number;
  gridCode: string | null;
}

export type CameraStatus = 'unknown' | 'online' | 'offline' | 'error';

export interface CameraProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  /** "H264", "H265", … as the camera spells it. */
  encoding: string;
  fps: number | null;
  stream: 'main' | 'sub' | null;
}

export interface Camera {
  id: number;
  townId: number;
  name: string;
  host: string;
  port: number;
  username: string;
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
  hardwareId: string | null;
  /** Media profiles with codec and resolution, and which one plays as main / sub. */
  profiles: CameraProfile[];
  /** Whether the camera has a main / sub RTSP stream; the URIs never leave the server. */
  streams: { main: boolean; sub: boolean };
  hasSnapshot: boolean;
  ptz: Record<string, unknown> | null;
  status: CameraStatus;
  lastSeenAt: string | null;
  lastError: string | null;
  lastCheckedAt: string | null;
  clockOffsetMs: number | null;
  placement: Placement | null;
}

export interface OnDutyPerson {
  personId: number;
  name: string;
  roles: string[];
  dutyStatus: string;
  lon: number | null;
  lat: number | null;
  fixTime: string | null;
  ageSeconds: number | null;
  gridCode: string | null;
  battery: number | null;
  speedMps: number | null;
}

export interface LivePosition {
  personId: number;
  lon: number;
  lat: number;
  time: string;
  gridCode: string | null;
  speed: number | null;
  battery: number | null;
}

export interface LockHolder {
  accountId: number;
  username: string;
  rank: number;
  since: string;
}
