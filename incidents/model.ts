// The incident's vocabulary, shared by the services, the routes and the web app.
export const INCIDENT_STATES = [
  'reported',
  'dispatched',
  'accepted',
  'in_progress',
  'handled',
  'verified',
  'closed',
  'escalated',
  'returned',
  'merged',
  // 待定位: a hotline call whose address named no single place, until the command room places it.
  'unlocated',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which an incident still needs someone. */
export const OPEN_STATES: readonly IncidentState[] = [
  'reported',
  'dispatched',
  'accepted',
  'in_progress',
  'handled',
  'verified',
  'escalated',
  'returned',
  'unlocated',
];

export const PLATFORMS = ['zongzhi', 'shichang', 'zhifa', 'bianmin'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const PLATFORM_NAMES: Record<Platform, string> = {
  zongzhi: '综治工作',
  shichang: '市场监管',
  zhifa: '综合执法',
  bianmin: '便民服务',
};

export const INCIDENT_SOURCES = ['gridworker', 'camera', 'open311', 'operator'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const ESCALATION_LEVELS = ['grid', 'village', 'town', 'city'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export interface Incident {
  id: number;
  townId: number;
  villageId: number | null;
  gridId: number | null;
  gridVersionId: number | null;
  gridCode: string | null;
  gridName: string | null;
  subcategoryCode: string;
  subcategoryName: string;
  categoryCode: string;
  platform: Platform;
  severity: number;
  description: string;
  address: string | null;
  lon: number;
  lat: number;
  source: IncidentSource;
  state: IncidentState;
  level: EscalationLevel;
  settledOnSpot: boolean;
  assignee: { personId: number; name: string } | null;
  mergedInto: number | null;
  cameraId: number | null;
  reportCount: number;
  rating: number | null;
  reportedAt: Date;
  acceptedAt: Date | null;
  handledAt: Date | null;
  closedAt: Date | null;
  acceptDueAt: Date;
  finishDueAt: Date;
  dispatchMisses: number;
  updatedAt: Date;
}

/** Who does something to an incident; recorded with every step (留痕). */
export type Actor =
  | { kind: 'account'; accountId: number; personId: number | null; commandRoom: boolean; label: string }
  | { kind: 'phone'; personId: number; deviceId: number; label: string }
  | { kind: 'system'; label: string }
  | { kind: 'citizen'; clientId: number | null; label: string }
  | { kind: 'camera'; cameraId: number; label: string };
