// The command room hears its town's incidents from the moment the app opens, whatever
// page is shown: a chime and a toast for a new one, a distinct call for a change that
// needs someone (escalated, returned, a yellow card, a grid flagged).
import type { AppContext } from '../context';
import { toast } from '../dom';
import { tr } from '../i18n';
import { incidents, OPEN_STATES, STATE_LABEL, type Incident } from '../incidents-store';
import { attention, attentions, chime, chimes } from '../components/sound';
import { exposeForTests } from '../test-hooks';

/** Live actions that need a person to act (incident-events, dispatch and deadlines services). */
const ATTENTION = new Set(['escalate', 'escalated', 'return']);

/** What arrives within this long sounds once, with one toast: a sweep may give hundreds of cards at once. */
const GATHER_MS = 300;

/** Collects alerts for GATHER_MS, then hands them over together. */
function gathered<T>(flush: (items: T[]) => void): (item: T) => void {
  let items: T[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  return (item) => {
    items.push(item);
    timer ??= setTimeout(() => {
      const batch = items;
      items = [];
      timer = null;
      flush(batch);
    }, GATHER_MS);
  };
}

const several = (n: number, zh: string, en: string) => `${n} ${tr(zh, en)}`;

export function watchIncidents(ctx: AppContext): void {
  const newOnes = gathered<Incident>((list) => {
    chime();
    const [first] = list;
    toast(
      list.length === 1
        ? `${tr('新事件', 'New incident')}: ${first!.subcategoryName} · ${first!.gridCode ?? ''}`
        : `${tr('新事件', 'New incidents')}: ${several(list.length, '起', 'of them')}`,
      'info',
    );
  });
  const needSomeone = gathered<string>((lines) => {
    attention();
    toast(
      lines.length === 1
        ? lines[0]!
        : `${several(lines.length, '条需要处理的变化', 'changes need someone')}: ${lines.slice(0, 3).join('；')}…`,
      'error',
    );
  });
  incidents.subscribe((_list, changed) => {
    if (!changed) return;
    const { incident: i, action, isNew, previous, own } = changed;
    if (isNew && (OPEN_STATES.includes(i.state) || i.state === 'unlocated')) newOnes(i);
    else if (ATTENTION.has(action) && previous?.state !== i.state && !own) {
      needSomeone(`${STATE_LABEL[i.state] ?? i.state}: ${i.subcategoryName} #${i.id} · ${i.gridCode ?? ''}`);
    }
  });
  incidents.onNotice((n) => {
    if (n.action === 'yellow_card' && n.card) {
      needSomeone(
        `${tr('黄牌', 'Yellow card')}: #${n.card.incidentId} ${n.card.kind === 'accept' ? tr('超时未受理', 'not accepted in time') : tr('超时未办结', 'not finished in time')}`,
      );
    } else if (n.action === 'grid_flagged') {
      needSomeone(`${tr('网格被约谈', 'Grid flagged')}: ${n.cards ?? ''} ${tr('张黄牌', 'yellow cards')}`);
    }
  });
  void incidents.load(ctx.town.code).catch((err: Error) => toast(err.message, 'error'));
  exposeForTests({ dispatch: { chimes: () => chimes, attentions: () => attentions } });
}
