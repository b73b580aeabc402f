// Names the organisation pages share: kinds, duties, handoff states and steps.
import { tr } from '../i18n';

export const KIND_LABEL: Record<string, string> = {
  command_room: tr('综合信息指挥室', 'Command room'),
  platform: tr('平台', 'Platform'),
  department: tr('部门', 'Department'),
  village: tr('村社', 'Village'),
  county_centre: tr('县级社会治理中心', 'County centre'),
  county_department: tr('县级部门', 'County department'),
};
export const DUTY_LABEL: Record<string, string> = {
  intake: tr('受理', 'Intake'),
  handler: tr('处置', 'Handler'),
  head: tr('负责人', 'Head'),
};
export const PLATFORM_LABEL: Record<string, string> = {
  zongzhi: '综治工作',
  shichang: '市场监管',
  zhifa: '综合执法',
  bianmin: '便民服务',
};
export const HANDOFF_STATE: Record<string, string> = {
  offered: tr('待受理', 'offered'),
  accepted: tr('办理中', 'accepted'),
  fed_back: tr('已反馈', 'fed back'),
  returned: tr('已退回', 'returned'),
  closed: tr('已终结', 'closed'),
  withdrawn: tr('已撤回', 'withdrawn'),
};
export const HANDOFF_KIND: Record<string, string> = {
  handoff: tr('交办', 'Handoff'),
  escalation: tr('上报', 'Escalation'),
  handdown: tr('下派', 'Hand-down'),
};
export const STEP_LABEL: Record<string, string> = {
  accept: tr('受理', 'Accept'),
  feedback: tr('反馈', 'Feed back'),
  return: tr('退回', 'Return'),
  close: tr('终结', 'Close'),
  withdraw: tr('撤回', 'Withdraw'),
  urge: tr('督办', 'Urge'),
  handoff: tr('交办', 'Hand off'),
  escalation: tr('上报', 'Escalate'),
  handdown: tr('下派', 'Hand down'),
  yellow_card: tr('黄牌', 'Yellow card'),
  remind: tr('催办', 'Reminder'),
};

export interface OrgRef {
  id: number;
  code: string;
  name: string;
  kind: string;
}
export interface Handoff {
  id: number;
  incidentId: number;
  org: OrgRef;
  fromOrg: { id: number; name: string } | null;
  kind: string;
  role: 'lead' | 'helper';
  state: string;
  offeredAt: string;
  note: string | null;
  acceptDueAt: string;
  finishDueAt: string;
  acceptedAt: string | null;
  fedBackAt: string | null;
  feedback: string | null;
  returnReason: string | null;
  cards: string[];
}
export interface HandoffEvent {
  id: number;
  handoffId: number | null;
  at: string;
  action: string;
  actor: { label: string; org: { name: string } | null };
  note: string | null;
}
export interface IncidentHandoffs {
  handoffs: Handoff[];
  events: HandoffEvent[];
  suggestions: (OrgRef & { platform: string | null })[];
  actions: Record<number, string[]>;
  canOffer: boolean;
}

/** The deadline that matters for a handoff now. */
export function dueOfHandoff(h: Handoff): { label: string; at: number } | null {
  if (h.state === 'offered') return { label: tr('受理', 'accept'), at: Date.parse(h.acceptDueAt) };
  if (h.state === 'accepted') return { label: tr('办结', 'finish'), at: Date.parse(h.finishDueAt) };
  return null;
}

export function timeText(at: string): string {
  return new Date(at).toLocaleString('zh-CN', { hour12: false });
}

/** replaceChildren that skips what is not there (null for a part not shown). */
export function fill(el: Element, ...children: (Node | string | null | undefined | false)[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
