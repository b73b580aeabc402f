// Map files in and out of grid plans. An upload is read twice, statelessly: a preview
// (what the file holds, its CRS and extent, the attributes and the guessed mapping)
// that changes nothing, then the import with the planner's mapping, which ends in the
// same all-or-nothing draft import as a GeoJSON upload, validated.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Db } from '../../platform/db/pool.js';
import { AppError, BadRequest, NotFound } from '../../platform/errors.js';
import { AreasRepository } from '../areas.repository.js';
import type { PlansService, GridDraftInput } from '../plans.service.js';
import type { ValidationReport } from '../plan-validation.js';
import { guessMapping, kindOf, mappingFrom, textOf, type FieldChoice, type FieldMapping } from './field-mapping.js';
import { MapFileReader, type MapFeature, type MapFileReport, type ReadOptions } from './map-file-reader.js';
import { writeGrids, type ExportFormat, type WrittenFile } from './map-file-writer.js';
import { MapFilesRepository, type VillageRef } from './map-files.repository.js';

const CODE = /^[0-9A-Za-z_-]{1,40}$/;
const OUTLINE_MAX = 2000;

export interface MapFilePreview extends MapFileReport {
  mapping: FieldMapping;
  villages: { matched: number; unmatched: string[]; byLocation: boolean };
  /** The features' outlines for the map (up to 2,000 features; the extent always). */
  outline: { type: 'FeatureCollection'; features: unknown[] } | null;
}

export class MapFilesService {
  constructor(
    private readonly db: Db,
    private readonly plans: PlansService,
    private readonly reader: MapFileReader,
    private readonly timeoutMs: number,
  ) {}

  /** A GeoJSON collection whose `crs` member names another system, in WGS-84 (for the GeoJSON draft import). */
  reprojectGeoJson<T extends { features: { geometry: unknown }[] }>(collection: T, crsId: string): Promise<T> {
    return this.reader.reprojectGeoJson(collection, crsId);
  }

  async preview(
    auth: AuthContext,
    planId: number,
    upload: Buffer,
    options: ReadOptions,
    chosen: FieldChoice,
  ): Promise<MapFilePreview> {
    const { towns } = await this.scope(auth, planId);
    const { features, report } = await this.reader.read(upload, options);
    const mapping = mappingFrom(guessMapping(report.attributes.map((a) => a.name)), chosen);
    const villages = await new MapFilesRepository(this.db).villages(towns);
    const match = villageMatcher(villages);
    const values = mapping.village ? [...new Set(features.map((f) => textOf(f.properties[mapping.village!])))] : [];
    const unmatched = values.filter((v) => !match(v));
    return {
      ...report,
      mapping,
      villages: {
        matched: values.length - unmatched.length,
        unmatched: unmatched.slice(0, 50),
        byLocation: !mapping.village,
      },
      outline:
        features.length <= OUTLINE_MAX
          ? {
              type: 'FeatureCollection',
              features: features.map((f, i) => ({
                type: 'Feature',
                id: i,
                properties: { code: mapping.code ? textOf(f.properties[mapping.code]) : '' },
                geometry: f.geometry,
              })),
            }
          : null,
    };
  }

  async import(
    auth: AuthContext,
    planId: number,
    upload: Buffer,
    options: ReadOptions,
    chosen: FieldChoice,
    allowInvalid: boolean,
  ) {
    const { towns } = await this.scope(auth, planId);
    const { features, report } = await this.reader.read(upload, options);
    const mapping = mappingFrom(guessMapping(report.attributes.map((a) => a.name)), chosen);
    const grids = await this.toDrafts(
      features,
      mapping,
      towns,
      report.attributes.map((a) => a.name),
    );
    const { imported } = await this.plans.importGrids(auth, planId, grids, allowInvalid);
    const validation: ValidationReport = await this.plans.validate(auth, planId);
    return { imported, mapping, file: { ...report, attributes: report.attributes.map((a) => a.name) }, validation };
  }

  async exportPlan(
    auth: AuthContext,
    planId: number,
    format: ExportFormat,
    crs: 'WGS84' | 'CGCS2000',
  ): Promise<WrittenFile> {
    await this.plans.get(auth, planId);
    const grids = await new MapFilesRepository(this.db).planGrids(planId);
    return writeGrids(this.reader, grids, `plan-${planId}`, format, crs, this.timeoutMs);
  }

  async exportTown(
    auth: AuthContext,
    townCode: string,
    format: ExportFormat,
    crs: 'WGS84' | 'CGCS2000',
  ): Promise<WrittenFile> {
    const town = await new AreasRepository(this.db).findByCode(townCode);
    if (!town || town.level !== 'town' || !auth.canAccessTown(town.id)) throw new NotFound(`Town ${townCode}`);
    const grids = await new MapFilesRepository(this.db).publishedGrids(town.id);
    return writeGrids(this.reader, grids, `grids-${town.code}`, format, crs, this.timeoutMs);
  }

  // --- helpers --------------------------------------------------------------

  private async scope(auth: AuthContext, planId: number): Promise<{ towns: number[] }> {
    const plan = await this.plans.get(auth, planId);
    const areas = new AreasRepository(this.db);
    return { towns: await areas.townsWithin((await areas.findById(plan.scope.id))!) };
  }

  /** The features as draft grids: mapped values checked, villages by code, name or location. */
  private async toDrafts(
    features: MapFeature[],
    mapping: FieldMapping,
    towns: number[],
    attributes: string[],
  ): Promise<GridDraftInput[]> {
    for (const [role, field] of Object.entries(mapping)) {
      if (field && !attributes.includes(field)) {
        throw new BadRequest(
          `The file has no attribute ${field} (chosen for ${role}): it has ${attributes.join(', ')}`,
          { field: `${role}Field`, attributes },
          'unknown_attribute',
        );
      }
    }
    if (!mapping.code) {
      throw new AppError(
        422,
        'code_field_required',
        `Say which attribute holds the grid code (codeField): none of ${attributes.join(', ') || '(no attributes)'} looks like one`,
        { attributes },
      );
    }
    const bad: { feature: number; field: string; value: unknown; problem: string }[] = [];
    const rows = features.map((f, i) => {
      const code = textOf(f.properties[mapping.code!]);
      if (!CODE.test(code))
        bad.push({
          feature: i + 1,
          field: mapping.code!,
          value: f.properties[mapping.code!],
          problem: '1–40 letters, digits, _ or -',
        });
      const name = (mapping.name ? textOf(f.properties[mapping.name]) : '') || code;
      if (name.length > 100)
        bad.push({ feature: i + 1, field: mapping.name!, value: name, problem: 'at most 100 characters' });
      const mapped = new Set(Object.values(mapping).filter(Boolean));
      const extra = Object.fromEntries(Object.entries(f.properties).filter(([k]) => !mapped.has(k)));
      return {
        code,
        name,
        kind: kindOf(mapping.kind ? f.properties[mapping.kind] : null),
        extra,
        village: mapping.village ? textOf(f.properties[mapping.village]) : '',
        geometry: f.geometry,
      };
    });
    if (bad.length) {
      const first = bad[0]!;
      throw new BadRequest(
        `Feature ${first.feature}: ${first.field} = ${JSON.stringify(first.value)} is not a grid code or name (${first.problem})${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`,
        { problems: bad.slice(0, 100) },
        'bad_attribute',
      );
    }
    const repo = new MapFilesRepository(this.db);
    let villageCodes: (string | null)[];
    if (mapping.village) {
      const match = villageMatcher(await repo.villages(towns));
      villageCodes = rows.map((r) => match(r.village));
      const unknown = [...new Set(rows.filter((_, i) => !villageCodes[i]).map((r) => r.village))];
      if (unknown.length) {
        throw new BadRequest(
          `${unknown.length} value(s) of ${mapping.village} name no village of this plan (by code or name): ${unknown.slice(0, 10).join(', ')}`,
          { field: 'villageField', values: unknown.slice(0, 100) },
          'unknown_village',
        );
      }
    } else {
      villageCodes = await repo.villagesAt(
        rows.map((r) => r.geometry),
        towns,
      );
      const outside = rows.filter((_, i) => !villageCodes[i]).map((r) => r.code);
      if (outside.length) {
        throw new BadRequest(
          `${outside.length} grid(s) lie in no village of this plan (${outside.slice(0, 10).join(', ')}): is the coordinate system right? Or say which attribute names the village`,
          { codes: outside.slice(0, 100) },
          'outside_villages',
        );
      }
    }
    return rows.map((r, i) => ({
      code: r.code,
      name: r.name,
      kind: r.kind,
      villageCode: villageCodes[i]!,
      geometry: r.geometry,
      attributes: r.extra,
    }));
  }
}

/** A village by its code, its name, or its name without the 村 / 社区 / 村委会 ending. */
function villageMatcher(villages: VillageRef[]): (value: string) => string | null {
  const strip = (s: string) => s.trim().replace(/(村民委员会|居民委员会|村委会|居委会|社区|村)$/, '');
  const byCode = new Map(villages.map((v) => [v.code, v.code]));
  const byName = new Map(villages.map((v) => [v.name, v.code]));
  const byStem = new Map(villages.map((v) => [strip(v.name), v.code]));
  return (value) => byCode.get(value) ?? byName.get(value) ?? byStem.get(strip(value)) ?? null;
}
