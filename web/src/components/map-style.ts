// The offline base map: a dark background and the server's own vector tiles (towns,
// villages, grids, roads). No glyphs or sprites: names are shown as HTML (labels,
// cards), so nothing is fetched from the internet.
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';

export const BASE_SOURCE = 'base';

export const COLORS = {
  background: '#0b1622',
  town: '#4fc3f7',
  village: '#7aa7c7',
  grid: '#2f6f8f',
  gridFill: '#12324a',
  selected: '#ffd54f',
  road: '#3a4a5c',
  roadMajor: '#56687d',
  online: '#4caf50',
  offline: '#ef5350',
  error: '#ff9800',
  unknown: '#90a4ae',
  flagged: '#ff1744',
};

/** What the grid fill shows: open incidents per grid, or yellow cards per grid. */
export type GridShading = 'incidents' | 'cards';

/** Yellow-card shades: one card, and the flag threshold (or more). */
export const CARD_SHADES = ['#4a4417', '#9c8a12'] as const;

const FLAGGED: ExpressionSpecification = ['boolean', ['feature-state', 'flagged'], false];

/**
 * The grid fill: selected first, then the chosen shading from feature state (`load` =
 * open incidents, `cards` / `flagged` = yellow cards), so switching fetches no tile.
 */
export function gridFillColor(shading: GridShading, flagAt = 5): ExpressionSpecification {
  const cards: ExpressionSpecification = ['coalesce', ['feature-state', 'cards'], 0];
  const load: ExpressionSpecification = ['coalesce', ['feature-state', 'load'], 0];
  const shade: unknown[] =
    shading === 'cards'
      ? [
          FLAGGED,
          '#5c1a1f',
          ['>', cards, 0],
          ['interpolate', ['linear'], cards, 1, CARD_SHADES[0], Math.max(2, flagAt), CARD_SHADES[1]],
        ]
      : [
          ['>', load, 0],
          ['interpolate', ['linear'], load, 1, '#3b2f1c', 5, '#5a2a1c'],
        ];
  // Spread pairs of (condition, colour): too loose for the tuple type, right at run time.
  return [
    'case',
    ['boolean', ['feature-state', 'selected'], false],
    '#4d4320',
    ...shade,
    ['==', ['get', 'kind'], 'dedicated'],
    '#1a2c3f',
    COLORS.gridFill,
  ] as unknown as ExpressionSpecification;
}

export function baseStyle(origin: string): StyleSpecification {
  return {
    version: 8,
    sources: {
      [BASE_SOURCE]: {
        type: 'vector',
        tiles: [`${origin}/tiles/grids/{z}/{x}/{y}.mvt`],
        minzoom: 0,
        maxzoom: 16,
      },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
      {
        // Under the grids from zoom 10 on: one full-screen fill fewer per frame there.
        id: 'towns-fill',
        type: 'fill',
        source: BASE_SOURCE,
        'source-layer': 'towns',
        maxzoom: 10,
        paint: { 'fill-color': '#0f2030', 'fill-opacity': 0.9 },
      },
      {
        id: 'grids-fill',
        type: 'fill',
        source: BASE_SOURCE,
        'source-layer': 'grids',
        paint: {
          'fill-color': gridFillColor('incidents'),
          'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.95, 0.7],
        },
      },
      {
        id: 'roads',
        type: 'line',
        source: BASE_SOURCE,
        'source-layer': 'roads',
        paint: {
          'line-color': ['match', ['get', 'class'], 'street', COLORS.road, COLORS.roadMajor],
          'line-width': [
            'interpolate',
            ['linear'],
            ['zoom'],
            11,
            0.6,
            16,
            ['match', ['get', 'class'], 'street', 2.5, 5],
          ],
        },
      },
      {
        // One layer for every outline and the selected one: a second layer for the
        // selection alone cost a redraw of all 8,000 outlines.
        id: 'grids-line',
        type: 'line',
        source: BASE_SOURCE,
        'source-layer': 'grids',
        paint: {
          // Flagged grids (too many yellow cards) keep a red outline whatever the shading.
          'line-color': [
            'case',
            ['boolean', ['feature-state', 'selected'], false],
            COLORS.selected,
            FLAGGED,
            COLORS.flagged,
            COLORS.grid,
          ],
          'line-width': [
            'interpolate',
            ['linear'],
            ['zoom'],
            10,
            ['case', ['boolean', ['feature-state', 'selected'], false], 3, FLAGGED, 2, 0.5],
            16,
            ['case', ['boolean', ['feature-state', 'selected'], false], 3.5, FLAGGED, 3, 1.5],
          ],
        },
      },
      {
        id: 'villages-line',
        type: 'line',
        source: BASE_SOURCE,
        'source-layer': 'villages',
        paint: {
          'line-color': COLORS.village,
          'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.8, 16, 2.2],
          'line-dasharray': [3, 2],
        },
      },
      {
        id: 'towns-line',
        type: 'line',
        source: BASE_SOURCE,
        'source-layer': 'towns',
        paint: { 'line-color': COLORS.town, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 16, 3.5] },
      },
    ],
  };
}
