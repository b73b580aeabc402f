// A tiny element builder for the phone app (its own: the app shares no code with the
// command room, so its bundle stays small).
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false)
      el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  return el;
}

export function toast(text: string): void {
  const el = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

export const STATE_NAMES: Record<string, string> = {
  reported: '已上报',
  dispatched: '派单中',
  accepted: '已接单',
  in_progress: '处置中',
  handled: '已处置',
  verified: '已回访',
  closed: '已办结',
  returned: '已退回',
  escalated: '已上报上级',
  merged: '已合并',
  unlocated: '待定位',
};
