// What the public reads about a request's progress: one fixed text per state, never the
// command room's notes (who was sent, how far away, what the revisit heard).
import type { IncidentState } from '../model.js';

export const PUBLIC_STATUS: Record<IncidentState, string> = {
  reported: '已受理，等待派单 Received, waiting to be assigned',
  dispatched: '已派单，等待处置人员接单 Assigned, waiting to be taken',
  accepted: '处置人员已接单 Taken by the person in charge',
  in_progress: '正在处置 Being handled',
  handled: '已处置，等待回访核实 Handled, to be checked with the reporter',
  verified: '已回访核实，等待办结 Checked, to be closed',
  closed: '已办结，感谢反映 Resolved; thank you for reporting',
  escalated: '已转上级部门协调处理 Passed on to the responsible department',
  returned: '重新处置中 Being handled again',
  merged: '已并入同类事件 Merged into another request of the same kind',
  unlocated: '已受理，正在确定位置 Received; the command room is finding the address on the map',
};

export function publicStatus(state: IncidentState, mergedInto: number | null): string {
  return state === 'merged' && mergedInto !== null
    ? `已并入事件 #${mergedInto} Merged into request ${mergedInto}`
    : PUBLIC_STATUS[state];
}
