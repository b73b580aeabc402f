import type { AppContext } from '../context';
import { h } from '../dom';
import type { Page } from '../shell/page';

export function createWallPage(_ctx: AppContext): Page {
  return { el: h('section', {}, h('h2', {}, '视频墙')) };
}
