// The map panel's controls that are also its legend: what the grid fill shows (open
// incidents or yellow cards), incident states as coloured checkboxes (hide the ones
// not wanted), and the colours of cameras, gridworkers and grids. Choices are kept
// per browser.
import type { Map as MlMap } from 'maplibre-gl';
import { h } from '../dom';
import { tr } from '../i18n';
import { OPEN_STATES, STATE_LABEL } from '../incidents-store';
import { setIncidentStates, STATE_COLORS } from './incidents-layer';
import { CARD_SHADES, COLORS, type GridShading } from '../components/map-style';
import type { YellowCardsLayer } from './yellow-cards-layer';

const SHADING_KEY = 'wg.map.shading';
const HIDDEN_STATES_KEY = 'wg.map.hiddenStates';

/** Radio buttons: the grid fill by open incidents or by yellow cards. */
export function shadingSwitch(cards: YellowCardsLayer): HTMLElement {
  const saved: GridShading = localStorage.getItem(SHADING_KEY) === 'cards' ? 'cards' : 'incidents';
  const option = (value: GridShading, label: string) => {
    const input = h('input', { type: 'radio', name: 'grid-shading', value, checked: value === saved });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      cards.setShading(value);
      localStorage.setItem(SHADING_KEY, value);
    });
    return h('label', {}, input, label);
  };
  if (saved !== cards.shading) cards.setShading(saved);
  return h(
    'div',
    { class: 'grid-shading', id: 'grid-shading' },
    h('h3', {}, tr('网格着色', 'Grid shading')),
    option('incidents', tr('未结事件', 'Open incidents')),
    option('cards', tr('黄牌', 'Yellow cards')),
  );
}

/** Every open state with its colour, and a checkbox to show or hide it on the map. */
export function stateFilter(map: MlMap): HTMLElement {
  const hidden = new Set<string>(readList(HIDDEN_STATES_KEY));
  const apply = () => {
    setIncidentStates(
      map,
      OPEN_STATES.filter((s) => !hidden.has(s)),
    );
    localStorage.setItem(HIDDEN_STATES_KEY, JSON.stringify([...hidden]));
  };
  const items = OPEN_STATES.map((state) => {
    const box = h('input', { type: 'checkbox', checked: !hidden.has(state), 'data-state': state });
    box.addEventListener('change', () => {
      if (box.checked) hidden.delete(state);
      else hidden.add(state);
      apply();
    });
    return h(
      'label',
      { class: 'legend-item' },
      box,
      h('i', { style: { background: STATE_COLORS[state] ?? '#ffd54f' } }),
      STATE_LABEL[state] ?? state,
    );
  });
  apply();
  return h(
    'div',
    { class: 'state-filter', id: 'state-filter' },
    h('h3', {}, tr('事件状态', 'Incident states')),
    ...items,
  );
}

export function legend(): HTMLElement {
  const dot = (color: string, label: string) =>
    h('div', { class: 'legend-item' }, h('i', { style: { background: color } }), label);
  const area = (fill: string, label: string, outline?: string) =>
    h(
      'div',
      { class: 'legend-item' },
      h('i', { class: 'legend-area', style: { background: fill, borderColor: outline ?? 'transparent' } }),
      label,
    );
  return h(
    'div',
    { class: 'legend', id: 'map-legend' },
    h('h3', {}, tr('图例', 'Legend')),
    dot(COLORS.online, tr('摄像机在线', 'camera online')),
    dot(COLORS.offline, tr('摄像机离线', 'camera offline')),
    dot(COLORS.error, tr('摄像机故障', 'camera error')),
    dot('#29b6f6', tr('网格员 · 1分钟内', 'gridworker · < 1 min')),
    dot('#ffca28', tr('网格员 · 5分钟内', 'gridworker · < 5 min')),
    dot('#78909c', tr('网格员 · 更早', 'gridworker · older')),
    area('#5a2a1c', tr('网格 · 有未结事件', 'grid · open incidents')),
    area(CARD_SHADES[1], tr('网格 · 黄牌（着色选黄牌时）', 'grid · yellow cards (shading: cards)')),
    area('#5c1a1f', tr('网格 · 约谈（黄牌达上限）', 'grid · flagged (card limit reached)'), COLORS.flagged),
  );
}

function readList(key: string): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
