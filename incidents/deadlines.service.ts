// Deadlines and yellow cards (黄牌制): a missed accept or finish deadline gives the
// responsible platform and grid a card; a grid with YELLOW_CARDS_TO_FLAG cards is
// flagged. A delayed BullMQ job fires at each deadline, and the leader's periodic sweep
// catches any that a lost job (a Redis restart) missed. Both go through one statement
// that marks the deadline missed and makes the card, unique per deadline.
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import { DeadlinesRepository, type YellowCard } from './deadlines.repository.js';
import type { IncidentEvents } from './incident-events.js';

const log = moduleLogger('deadlines');
const SWEEP_BATCH = 2500;
const SWEEP_CONNECTIONS = 2;

export class DeadlinesService {
  constructor(
    private readonly db: Db,
    private readonly events: IncidentEvents,
    private readonly flagAt: number,
  ) {}

  /** The job of one deadline; nothing happens if it was met, or already carded. */
  async expire(deadlineId: number, now = new Date()): Promise<YellowCard[]> {
    const cards = await new DeadlinesRepository(this.db).expireDue(now, 1, deadlineId);
    await this.announce(cards);
    return cards;
  }

  /**
   * Every open deadline due by `now`, in batches on two connections at once (SKIP LOCKED
   * keeps them on different deadlines); returns the cards given. A batch that comes back
   * short ends its loop; whatever the other held is taken by the next sweep.
   */
  async sweep(now = new Date()): Promise<number> {
    const repo = new DeadlinesRepository(this.db);
    let given = 0;
    await Promise.all(
      Array.from({ length: SWEEP_CONNECTIONS }, async () => {
        for (;;) {
          const cards = await repo.expireDue(now, SWEEP_BATCH);
          given += cards.length;
          await this.announce(cards);
          if (cards.length < SWEEP_BATCH) break;
        }
      }),
    );
    if (given > 0) log.info({ given }, 'yellow cards given by the sweep');
    return given;
  }

  private async announce(cards: YellowCard[]): Promise<void> {
    if (cards.length === 0) return;
    // Cards per grid in this batch, counted in one pass (a sweep gives thousands at once).
    const justNow = new Map<number, { n: number; townId: number }>();
    for (const c of cards) {
      if (c.gridId === null) continue;
      const seen = justNow.get(c.gridId);
      if (seen) seen.n++;
      else justNow.set(c.gridId, { n: 1, townId: c.townId });
    }
    const counts = await new DeadlinesRepository(this.db).cardsOfGrids([...justNow.keys()]);
    const events: { townId: number; data: unknown }[] = cards.map((card) => ({
      townId: card.townId,
      data: { action: 'yellow_card', card },
    }));
    for (const [gridId, { n, townId }] of justNow) {
      const total = counts.get(gridId) ?? 0;
      // Flagged when this batch took the grid across the line.
      if (total >= this.flagAt && total - n < this.flagAt)
        events.push({ townId, data: { action: 'grid_flagged', gridId, cards: total } });
    }
    // Many cards at once (a sweep after an outage) go out in slices.
    for (let i = 0; i < events.length; i += 500) await this.events.cards(events.slice(i, i + 500));
  }
}
