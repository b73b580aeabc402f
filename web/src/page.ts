import type { AppContext } from './context';

/** A page stays alive once built (the map keeps its state); show/hide follow the tab. */
export interface Page {
  el: HTMLElement;
  show?(): void;
  hide?(): void;
}

export type PageFactory = (ctx: AppContext) => Page | Promise<Page>;
