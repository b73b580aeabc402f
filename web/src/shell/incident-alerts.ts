// The command room hears its town's incidents from the moment the app opens, whatever
// page is shown: a chime and a toast for a new one, a distinct call for a change that
// needs someone (escalated, returned, a yellow card, a grid flagged).
import type { AppContext } from '../context';
import { toast } from '../dom';
import { tr } from '../i18n';
import { incidents, OPEN_STATES, STATE_LABEL } from '../incidents-store';
import { attention, attentions, chime, chimes } from '../dispatch/sound';

/** Live actions that need a person to act (incident-events, dispatch and deadlines services). */
const ATTENTION = new Set(['escalate', 'escalated', 'return']);

/** Incidents this tab acted on just now: their echo on the stream should not call. */
const ownActions = new Map<number, number>();
export function actingOn(incidentId: number): void {
  ownActions.set(incidentId, Date.now());
}
const ownRecently = (id: number) => Date.now() - (ownActions.get(id) ?? 0) < 10_000;

export function watchIncidents(ctx: AppContext): void {
  incidents.subscribe((_list, changed) => {
    if (!changed) return;
    const { incident: i, action, isNew, previous } = changed;
    const where = i.gridCode ?? '';
    if (isNew && OPEN_STATES.includes(i.state)) {
      chime();
      toast(`${tr('新事件', 'New incident')}: ${i.subcategoryName} · ${where}`, 'info');
    } else if (ATTENTION.has(action) && previous?.state !== i.state && !ownRecently(i.id)) {
      attention();
      toast(`${STATE_LABEL[i.state] ?? i.state}: ${i.subcategoryName} #${i.id} · ${where}`, 'error');
    }
  });
  incidents.onNotice((n) => {
    if (n.action === 'yellow_card' && n.card) {
      attention();
      toast(`${tr('黄牌', 'Yellow card')}: #${n.card.incidentId} ${n.card.kind === 'accept' ? tr('超时未受理', 'not accepted in time') : tr('超时未办结', 'not finished in time')}`, 'error');
    } else if (n.action === 'grid_flagged') {
      attention();
      toast(`${tr('网格被约谈', 'Grid flagged')}: ${n.cards ?? ''} ${tr('张黄牌', 'yellow cards')}`, 'error');
    }
  });
  void incidents.load(ctx.town.code).catch((err: Error) => toast(err.message, 'error'));
  window.__wg = { ...window.__wg, dispatch: { chimes: () => chimes, attentions: () => attentions } };
}
