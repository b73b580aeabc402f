// Grid geometries as the server keeps them.

export interface GridGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
}

/**
 * Coordinates go to the server with the 7 decimals (about 1 cm) it answers with: a
 * finer vertex would come back rounded from the next read, and a vertex two grids
 * share would then differ between them after one of them is edited again.
 */
export function roundGeometry<T extends { coordinates: unknown }>(g: T): T {
  const r = (c: unknown): unknown =>
    Array.isArray(c) && typeof c[0] === 'number'
      ? (c as number[]).map((n) => Math.round(n * 1e7) / 1e7)
      : (c as unknown[]).map(r);
  return { ...g, coordinates: r(g.coordinates) };
}

/** A string that is the same for two shapes exactly when they are the same to 7 decimals. */
export function shapeKey(coordinates: unknown): string {
  return JSON.stringify(roundGeometry({ coordinates }).coordinates);
}
