import type { DbClient } from '../platform/db/pool.js';
import type { Platform } from './model.js';

export interface Category {
  code: string;
  name: string;
  nameEn: string;
  sort: number;
}

export interface Open311Attribute {
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  description: string;
  order: number;
  values?: { key: string; name: string }[];
}

export interface Subcategory {
  code: string;
  categoryCode: string;
  categoryName: string;
  name: string;
  nameEn: string;
  platform: Platform;
  severity: number;
  acceptMinutes: number;
  finishMinutes: number;
  mergeRadiusM: number;
  mergeWindowMin: number;
  attributes: Open311Attribute[];
  cameraAlertKinds: string[];
  active: boolean;
}

export type SubcategoryChange = Partial<
  Pick<
    Subcategory,
    | 'name'
    | 'nameEn'
    | 'platform'
    | 'severity'
    | 'acceptMinutes'
    | 'finishMinutes'
    | 'mergeRadiusM'
    | 'mergeWindowMin'
    | 'active'
    | 'cameraAlertKinds'
  >
>;

const SELECT = `SELECT s.code, s.category_code AS "categoryCode", c.name AS "categoryName", s.name, s.name_en AS "nameEn",
  s.platform, s.severity, s.accept_minutes AS "acceptMinutes", s.finish_minutes AS "finishMinutes",
  s.merge_radius_m AS "mergeRadiusM", s.merge_window_min AS "mergeWindowMin", s.attributes,
  s.camera_alert_kinds AS "cameraAlertKinds", s.active
  FROM incident_subcategories s JOIN incident_categories c ON c.code = s.category_code`;

const COLUMNS: Record<keyof SubcategoryChange, string> = {
  name: 'name',
  nameEn: 'name_en',
  platform: 'platform',
  severity: 'severity',
  acceptMinutes: 'accept_minutes',
  finishMinutes: 'finish_minutes',
  mergeRadiusM: 'merge_radius_m',
  mergeWindowMin: 'merge_window_min',
  active: 'active',
  cameraAlertKinds: 'camera_alert_kinds',
};

export class TaxonomyRepository {
  constructor(private readonly db: DbClient) {}

  async categories(): Promise<Category[]> {
    const { rows } = await this.db.query<Category>(
      `SELECT code, name, name_en AS "nameEn", sort FROM incident_categories ORDER BY sort`,
    );
    return rows;
  }

  async subcategories(): Promise<Subcategory[]> {
    const { rows } = await this.db.query<Subcategory>(`${SELECT} ORDER BY c.sort, s.sort`);
    return rows;
  }

  async update(code: string, change: SubcategoryChange): Promise<Subcategory | null> {
    const keys = (Object.keys(change) as (keyof SubcategoryChange)[]).filter((k) => change[k] !== undefined);
    if (keys.length > 0) {
      const sets = keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`);
      await this.db.query(`UPDATE incident_subcategories SET ${sets.join(', ')} WHERE code = $1`, [
        code,
        ...keys.map((k) => change[k]),
      ]);
    }
    const { rows } = await this.db.query<Subcategory>(`${SELECT} WHERE s.code = $1`, [code]);
    return rows[0] ?? null;
  }
}
