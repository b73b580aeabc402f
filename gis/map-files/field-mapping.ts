// Which attribute of a planner's file holds the grid's code, name, village and kind:
// guessed from the names Chinese planning files use, always editable by the planner.
import { z } from 'zod';

export interface FieldMapping {
  code: string | null;
  name: string | null;
  village: string | null;
  kind: string | null;
}

// Most specific first; compared without case, spaces or underscores.
const GUESSES: Record<keyof FieldMapping, string[]> = {
  code: [
    '网格编码',
    '网格编号',
    '网格代码',
    '网格号',
    'wgbm',
    'wgbh',
    'wgdm',
    'gridcode',
    'gridid',
    'code',
    '编码',
    '编号',
    '代码',
    'bm',
  ],
  name: ['网格名称', '网格名', 'wgmc', 'gridname', 'name', '名称', 'mc'],
  village: [
    '所属村社',
    '所属村居',
    '所属社区',
    '所属村',
    '村社',
    '村居',
    '村社区',
    '社区',
    '村',
    '村名',
    '所属村社编码',
    'villagecode',
    'villageco',
    'village',
    'cun',
    'sscs',
    'sscj',
  ],
  kind: ['网格类型', '网格类别', 'wglx', 'kind', 'type', '类型'],
};

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-()（）]/g, '');

export function guessMapping(attributes: string[]): FieldMapping {
  const taken = new Set<string>();
  const pick = (role: keyof FieldMapping): string | null => {
    for (const guess of GUESSES[role]) {
      const hit = attributes.find((a) => !taken.has(a) && norm(a) === guess);
      if (hit) {
        taken.add(hit);
        return hit;
      }
    }
    return null;
  };
  const code = pick('code');
  const name = pick('name');
  return { code, name, village: pick('village'), kind: pick('kind') };
}

const Attribute = z.string().max(200);

/** The mapping as a query sends it; an empty value means "no such attribute". */
export const MappingQuery = {
  codeField: Attribute.optional().describe('The attribute holding the grid code (default: guessed)'),
  nameField: Attribute.optional().describe(
    'The attribute holding the grid name (default: guessed; the code when none)',
  ),
  villageField: Attribute.optional().describe(
    "The attribute holding the village's code or name (default: guessed; by location when none)",
  ),
  kindField: Attribute.optional().describe('The attribute holding the kind (专属 / dedicated, else residential)'),
};

/** The planner's choices over the guesses; an empty string means "none". */
export interface FieldChoice {
  codeField?: string;
  nameField?: string;
  villageField?: string;
  kindField?: string;
}

export function mappingFrom(guess: FieldMapping, chosen: FieldChoice): FieldMapping {
  const take = (c: string | undefined, g: string | null) => (c === undefined ? g : c === '' ? null : c);
  return {
    code: take(chosen.codeField, guess.code),
    name: take(chosen.nameField, guess.name),
    village: take(chosen.villageField, guess.village),
    kind: take(chosen.kindField, guess.kind),
  };
}

export function kindOf(value: unknown): 'residential' | 'dedicated' {
  return /专属|专用|dedicated/i.test(String(value ?? '')) ? 'dedicated' : 'residential';
}

/** An attribute value as a grid code or name: numbers without a trailing .0, text trimmed. */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return String(value).trim();
}
