// The video patrol log from the wall: seconds each camera was on screen and playing are
// counted per tile and sent (/api/patrol/views) when the tile changes camera or every
// minute; the side panel shows the shift's checklist progress (本班巡查 done/total).
import { get, post } from '../api';
import type { AppContext } from '../context';
import { h } from '../dom';
import { tr } from '../i18n';

const FLUSH_S = 60;

/** Counts one view's playing seconds; flush() sends what was counted so far. */
export class ViewCounter {
  private seconds = 0;

  constructor(
    readonly cameraId: number,
    private readonly mode: 'tile' | 'enlarged',
  ) {}

  /** Called once a second with whether the picture is playing on screen. */
  tick(playing: boolean): void {
    if (!playing) return;
    this.seconds++;
    if (this.seconds >= FLUSH_S) this.flush();
  }

  flush(): void {
    if (this.seconds < 1) return;
    const seconds = this.seconds;
    this.seconds = 0;
    void post('/api/patrol/views', { cameraId: this.cameraId, mode: this.mode, seconds }).catch(() => undefined);
  }
}

interface ChecklistView {
  done: number;
  total: number;
  shift: { start: string };
  items: { cameraId: number; name: string; done: boolean; seconds: number }[];
}

/** 本班巡查: the shift's checklist progress, refreshed every 30 s. */
export function patrolProgress(ctx: AppContext): { el: HTMLElement; dispose(): void } {
  const el = h('div', { class: 'patrol-progress muted', id: 'patrol-progress' });
  const refresh = async () => {
    const list = await get<ChecklistView | null>(`/api/patrol/checklist?town=${encodeURIComponent(ctx.town.code)}`);
    if (!list) {
      el.textContent = tr('本镇未设巡查清单', 'No patrol checklist for this town');
      return;
    }
    el.replaceChildren(
      h('div', {}, `${tr('本班巡查', 'This shift')}（${list.shift.start}）：${list.done}/${list.total}`),
      ...list.items
        .filter((i) => !i.done)
        .slice(0, 8)
        .map((i) => h('div', { 'data-camera': i.cameraId }, `○ ${i.name}`)),
    );
  };
  void refresh().catch(() => undefined);
  const timer = setInterval(() => void refresh().catch(() => undefined), 30_000);
  return { el, dispose: () => clearInterval(timer) };
}
