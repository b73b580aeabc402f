import type { AppContext } from '../context';
import { h } from '../dom';
import type { Page } from '../shell/page';

export function createStatsPage(_ctx: AppContext): Page {
  return { el: h('section', {}, h('h2', {}, '统计')) };
}
