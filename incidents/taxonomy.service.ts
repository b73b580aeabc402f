// The taxonomy (10 categories / 42 subcategories by default), editable by admins and
// cached in each process; every instance reloads it at most TTL after a change.
import type { Db } from '../platform/db/pool.js';
import { NotFound, Unprocessable } from '../platform/errors.js';
import { TaxonomyRepository, type Category, type Subcategory, type SubcategoryChange } from './taxonomy.repository.js';

const TTL_MS = 10_000;

export class TaxonomyService {
  private cache: { at: number; categories: Category[]; subcategories: Map<string, Subcategory> } | null = null;

  constructor(private readonly db: Db) {}

  async categories(): Promise<{ categories: (Category & { subcategories: Subcategory[] })[] }> {
    const { categories, subcategories } = await this.load();
    return {
      categories: categories.map((c) => ({
        ...c,
        subcategories: [...subcategories.values()].filter((s) => s.categoryCode === c.code),
      })),
    };
  }

  async all(): Promise<Subcategory[]> {
    return [...(await this.load()).subcategories.values()];
  }

  async find(code: string): Promise<Subcategory | null> {
    return (await this.load()).subcategories.get(code) ?? null;
  }

  /** The active subcategory, or a 422 that says which codes exist. */
  async require(code: string): Promise<Subcategory> {
    const sub = await this.find(code);
    if (!sub || !sub.active) {
      throw new Unprocessable(
        `Unknown incident subcategory "${code}"`,
        { field: 'subcategory', known: 'GET /api/incident-types' },
        'unknown_subcategory',
      );
    }
    return sub;
  }

  /** The subcategory a camera alarm kind becomes, if any. */
  async forCameraAlert(kind: string): Promise<Subcategory | null> {
    return (await this.all()).find((s) => s.active && s.cameraAlertKinds.includes(kind)) ?? null;
  }

  async update(code: string, change: SubcategoryChange): Promise<Subcategory> {
    const current = await this.find(code);
    if (!current) throw new NotFound(`Incident subcategory ${code}`);
    const accept = change.acceptMinutes ?? current.acceptMinutes;
    const finish = change.finishMinutes ?? current.finishMinutes;
    if (finish < accept)
      throw new Unprocessable('The finish deadline cannot come before the accept deadline', {
        acceptMinutes: accept,
        finishMinutes: finish,
      });
    const updated = await new TaxonomyRepository(this.db).update(code, change);
    this.cache = null;
    return updated!;
  }

  private async load() {
    if (this.cache && Date.now() - this.cache.at < TTL_MS) return this.cache;
    const repo = new TaxonomyRepository(this.db);
    const [categories, subs] = await Promise.all([repo.categories(), repo.subcategories()]);
    this.cache = { at: Date.now(), categories, subcategories: new Map(subs.map((s) => [s.code, s])) };
    return this.cache;
  }
}
