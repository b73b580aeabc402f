// Wall layouts: the usual 1/4/9/16/25/36 squares, 6 and 8 with one big tile (as the
// major camera clients draw them), and a custom ROWSxCOLUMNS.
export const LAYOUTS = ['1', '4', '6', '8', '9', '16', '25', '36'] as const;

export interface LayoutGrid {
  rows: number;
  cols: number;
  /** Per tile: CSS grid placement. */
  tiles: { row: number; col: number; rowSpan: number; colSpan: number }[];
}

export function isLayout(layout: string): boolean {
  return (LAYOUTS as readonly string[]).includes(layout) || /^[1-9]x[1-9]$/.test(layout);
}

export function layoutGrid(layout: string): LayoutGrid {
  const custom = /^([1-9])x([1-9])$/.exec(layout);
  if (custom) return uniform(Number(custom[1]), Number(custom[2]));
  const n = Number(layout);
  // 6: a 2×2 tile and five around it on 3×3; 8: a 3×3 tile and seven around it on 4×4.
  if (n === 6 || n === 8) {
    const side = n === 6 ? 3 : 4;
    const big = side - 1;
    const tiles = [{ row: 1, col: 1, rowSpan: big, colSpan: big }];
    for (let r = 1; r <= big; r++) tiles.push({ row: r, col: side, rowSpan: 1, colSpan: 1 });
    for (let c = 1; c <= side; c++) tiles.push({ row: side, col: c, rowSpan: 1, colSpan: 1 });
    return { rows: side, cols: side, tiles };
  }
  const side = Math.max(1, Math.round(Math.sqrt(n)));
  return uniform(side, side);
}

function uniform(rows: number, cols: number): LayoutGrid {
  const tiles = [];
  for (let r = 1; r <= rows; r++)
    for (let c = 1; c <= cols; c++) tiles.push({ row: r, col: c, rowSpan: 1, colSpan: 1 });
  return { rows, cols, tiles };
}
