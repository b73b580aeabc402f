// The vocabulary of organisations and of the cases handed to them (交办), shared by the
// services, the routes and the web app's copy of these shapes.

/** The four platforms (四个平台), as the incidents' taxonomy names them. */
export const PLATFORMS = ['zongzhi', 'shichang', 'zhifa', 'bianmin'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const ORG_KINDS = [
  'command_room',
  'platform',
  'department',
  'village',
  'county_centre',
  'county_department',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
export const COUNTY_KINDS: readonly OrgKind[] = ['county_centre', 'county_department'];
/** Organisations a case can be handed to and that answer for it (deadlines, yellow cards). */
export const HOLDER_KINDS: readonly OrgKind[] = ['department', 'village', 'county_department', 'platform'];

/** 受理 intake, 处置 handler, 负责人 head. */
export const DUTIES = ['intake', 'handler', 'head'] as const;
export type Duty = (typeof DUTIES)[number];

export interface Organisation {
  id: number;
  code: string;
  name: string;
  kind: OrgKind;
  townId: number | null;
  areaId: number;
  areaCode: string;
  parentId: number | null;
  platform: Platform | null;
  categories: string[];
  acceptMinutes: number;
  finishMinutes: number;
  phone: string | null;
  active: boolean;
  members: number;
}

export interface Member {
  orgId: number;
  accountId: number;
  username: string;
  displayName: string;
  duty: Duty;
}

export const HANDOFF_KINDS = ['handoff', 'escalation', 'handdown'] as const;
export type HandoffKind = (typeof HANDOFF_KINDS)[number];
export const HANDOFF_STATES = ['offered', 'accepted', 'fed_back', 'returned', 'closed', 'withdrawn'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];
export const OPEN_HANDOFF_STATES: readonly HandoffState[] = ['offered', 'accepted', 'fed_back'];

export interface Handoff {
  id: number;
  incidentId: number;
  townId: number;
  org: { id: number; code: string; name: string; kind: OrgKind };
  fromOrg: { id: number; name: string } | null;
  kind: HandoffKind;
  role: 'lead' | 'helper';
  state: HandoffState;
  offeredAt: Date;
  note: string | null;
  acceptDueAt: Date;
  finishDueAt: Date;
  acceptedAt: Date | null;
  fedBackAt: Date | null;
  feedback: string | null;
  returnedAt: Date | null;
  returnReason: string | null;
  closedAt: Date | null;
  cards: ('accept' | 'finish')[];
}

/** A queue row: the handoff and what the holder needs to see of its incident. */
export interface QueueItem extends Handoff {
  incident: {
    id: number;
    subcategoryName: string;
    platform: Platform;
    severity: number;
    description: string;
    address: string | null;
    lon: number;
    lat: number;
    state: string;
    gridCode: string | null;
    townName: string;
    reportedAt: Date;
  };
}

export interface HandoffEvent {
  id: number;
  handoffId: number | null;
  at: Date;
  action: string;
  actor: { accountId: number | null; label: string; org: { id: number; name: string } | null };
  note: string | null;
  data: unknown;
}
