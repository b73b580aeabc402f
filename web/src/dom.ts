// A tiny element builder: enough for a dense command-room UI without a framework.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'style' && typeof value === 'object') {
      Object.assign(el.style, value);
    } else if (key in el && typeof value !== 'string') {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Seconds as a short age: 12秒, 3分, 2时. */
export function formatAge(seconds: number | null, lang: 'zh' | 'en'): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const units = lang === 'zh' ? ['秒', '分', '时', '天'] : ['s', 'm', 'h', 'd'];
  if (s < 60) return `${s}${units[0]}`;
  if (s < 3600) return `${Math.floor(s / 60)}${units[1]}`;
  if (s < 86400) return `${Math.floor(s / 3600)}${units[2]}`;
  return `${Math.floor(s / 86400)}${units[3]}`;
}

/** A passing message; `action` adds a button (e.g. open what was just reported). */
export function toast(
  message: string,
  kind: 'info' | 'error' | 'ok' = 'info',
  action?: { label: string; id: string; run: () => void },
): void {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts' });
    document.body.appendChild(box);
  }
  const t = h('div', { class: `toast toast-${kind}` }, message);
  if (action)
    t.append(
      ' ',
      h(
        'button',
        {
          class: 'link',
          'data-action': action.id,
          onclick: () => {
            t.remove();
            action.run();
          },
        },
        action.label,
      ),
    );
  box.appendChild(t);
  // A toast with something to click stays long enough to reach it.
  setTimeout(() => t.remove(), action ? 10_000 : kind === 'error' ? 8000 : 4000);
}
