// Yellow cards per grid on the map: feature state `cards` and `flagged` on the tile
// grids, loaded from the league and kept current from the incidents store's notices
// (`yellow_card`, `grid_flagged` on the push stream). The fill shows them when the shading is "cards";
// a flagged grid's red outline shows in every shading.
import type { Map as MlMap } from 'maplibre-gl';
import { get } from '../api';
import { incidents, type IncidentNotice } from '../incidents-store';
import { live } from '../live';
import { BASE_SOURCE, gridFillColor, type GridShading } from '../components/map-style';

interface LeagueRow {
  id: number | null;
  count: number;
  cardsAllTime?: number;
  flagged?: boolean;
}

export interface GridCards {
  cards: number;
  flagged: boolean;
}

export class YellowCardsLayer {
  private readonly byGrid = new Map<number, GridCards>();
  /** Cards that flag a grid (the server's YELLOW_CARDS_TO_FLAG, told by the league). */
  threshold = 5;
  shading: GridShading = 'incidents';

  constructor(
    private readonly map: MlMap,
    private readonly town: { id: number; code: string },
  ) {}

  start(): Promise<void> {
    incidents.onNotice((n) => this.apply(n));
    // Cards given while the stream was not open: ask the league again.
    live.onOpen(() => void this.load().catch(() => undefined));
    return this.load();
  }

  of(gridId: number): GridCards {
    return this.byGrid.get(gridId) ?? { cards: 0, flagged: false };
  }

  setShading(shading: GridShading): void {
    this.shading = shading;
    this.map.setPaintProperty('grids-fill', 'fill-color', gridFillColor(shading, this.threshold));
  }

  private async load(): Promise<void> {
    const res = await get<{ threshold: number; rows: LeagueRow[] }>(
      `/api/stats/yellow-cards?groupBy=grid&town=${encodeURIComponent(this.town.code)}`,
    );
    this.threshold = res.threshold;
    for (const id of this.byGrid.keys()) this.set(id, { cards: 0, flagged: false });
    for (const r of res.rows) {
      if (r.id === null) continue;
      const cards = r.cardsAllTime ?? r.count;
      this.set(Number(r.id), { cards, flagged: r.flagged ?? cards >= this.threshold });
    }
    if (this.shading === 'cards') this.setShading('cards');
  }

  private apply(e: IncidentNotice): void {
    if (e.action === 'yellow_card' && e.card && e.card.gridId !== null && e.card.townId === this.town.id) {
      const now = this.of(e.card.gridId);
      const cards = now.cards + 1;
      this.set(e.card.gridId, { cards, flagged: now.flagged || cards >= this.threshold });
    } else if (e.action === 'grid_flagged' && typeof e.gridId === 'number' && this.byGrid.has(e.gridId)) {
      // The server's count is the truth; the cards' own events may still be on their way.
      this.set(e.gridId, { cards: Math.max(this.of(e.gridId).cards, e.cards ?? 0), flagged: true });
    } else if (e.action === 'grid_flagged' && typeof e.gridId === 'number') {
      // A grid of another town has no state here; one of ours without cards yet is set.
      void this.load().catch(() => undefined);
    }
  }

  private set(gridId: number, v: GridCards): void {
    if (v.cards === 0 && !v.flagged) this.byGrid.delete(gridId);
    else this.byGrid.set(gridId, v);
    this.map.setFeatureState(
      { source: BASE_SOURCE, sourceLayer: 'grids', id: gridId },
      { cards: v.cards, flagged: v.flagged },
    );
  }
}
