// The offline base map: a dark background and the server's own vector tiles (towns,
// villages, grids, roads). No glyphs or sprites: names are shown as HTML (labels,
// cards), so nothing is fetched from the internet.
import type { StyleSpecification } from 'maplibre-gl';

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
};

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
        id: 'towns-fill', type: 'fill', source: BASE_SOURCE, 'source-layer': 'towns', maxzoom: 10,
        paint: { 'fill-color': '#0f2030', 'fill-opacity': 0.9 },
      },
      {
        id: 'grids-fill', type: 'fill', source: BASE_SOURCE, 'source-layer': 'grids',
        paint: {
          // Shaded by open incidents (feature state `load`) and picked out when selected.
          'fill-color': [
            'case',
            ['boolean', ['feature-state', 'selected'], false], '#4d4320',
            ['>', ['coalesce', ['feature-state', 'load'], 0], 0],
            ['interpolate', ['linear'], ['coalesce', ['feature-state', 'load'], 0], 1, '#3b2f1c', 5, '#5a2a1c'],
            ['==', ['get', 'kind'], 'dedicated'], '#1a2c3f',
            COLORS.gridFill,
          ],
          'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.95, 0.7],
        },
      },
      {
        id: 'roads', type: 'line', source: BASE_SOURCE, 'source-layer': 'roads',
        paint: {
          'line-color': ['match', ['get', 'class'], 'street', COLORS.road, COLORS.roadMajor],
          'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.6, 16, ['match', ['get', 'class'], 'street', 2.5, 5]],
        },
      },
      {
        // One layer for every outline and the selected one: a second layer for the
        // selection alone cost a redraw of all 8,000 outlines.
        id: 'grids-line', type: 'line', source: BASE_SOURCE, 'source-layer': 'grids',
        paint: {
          'line-color': ['case', ['boolean', ['feature-state', 'selected'], false], COLORS.selected, COLORS.grid],
          'line-width': ['interpolate', ['linear'], ['zoom'],
            10, ['case', ['boolean', ['feature-state', 'selected'], false], 3, 0.5],
            16, ['case', ['boolean', ['feature-state', 'selected'], false], 3.5, 1.5]],
        },
      },
      {
        id: 'villages-line', type: 'line', source: BASE_SOURCE, 'source-layer': 'villages',
        paint: { 'line-color': COLORS.village, 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.8, 16, 2.2], 'line-dasharray': [3, 2] },
      },
      {
        id: 'towns-line', type: 'line', source: BASE_SOURCE, 'source-layer': 'towns',
        paint: { 'line-color': COLORS.town, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 16, 3.5] },
      },
    ],
  };
}
