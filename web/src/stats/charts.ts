// Small SVG charts (horizontal bars) so the statistics page needs no chart library.
const NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface Bar {
  label: string;
  value: number;
  /** Shown at the bar's end instead of the value. */
  text?: string;
  color?: string;
}

export function barChart(bars: Bar[], opts: { max?: number; width?: number; color?: string } = {}): SVGSVGElement {
  const rowH = 22;
  const labelW = 130;
  const width = opts.width ?? 520;
  const barW = width - labelW - 70;
  const max = opts.max ?? Math.max(1, ...bars.map((b) => b.value));
  const root = svg('svg', { width, height: Math.max(rowH, bars.length * rowH) + 4, class: 'chart', role: 'img' });
  bars.forEach((b, i) => {
    const y = i * rowH + 2;
    root.append(
      svg(
        'text',
        { x: labelW - 6, y: y + 15, 'text-anchor': 'end', class: 'chart-label' },
        b.label.length > 12 ? `${b.label.slice(0, 11)}…` : b.label,
      ),
      svg('rect', {
        x: labelW,
        y: y + 3,
        width: Math.max(1, (b.value / max) * barW),
        height: rowH - 8,
        rx: 2,
        fill: b.color ?? opts.color ?? '#29b6f6',
        'data-value': b.value,
      }),
      svg(
        'text',
        { x: labelW + Math.max(1, (b.value / max) * barW) + 6, y: y + 15, class: 'chart-value' },
        b.text ?? String(b.value),
      ),
    );
  });
  return root;
}
