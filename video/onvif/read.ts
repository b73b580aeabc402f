// Readers for the library's answers. It turns XML into loosely shaped objects
// (xml2js + its "linerase": one element → value, several → array, "12" → 12,
// "true" → true, ISO dates → Date), and cameras differ in what they include,
// so every field is read defensively from `unknown`.

export type Obj = Record<string, unknown>;

export function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
    ? (value as Obj)
    : undefined;
}

/** A path of keys into nested objects; an array on the way is entered at its first element. */
export function at(value: unknown, ...keys: string[]): unknown {
  let v = value;
  for (const key of keys) {
    if (Array.isArray(v)) v = v[0];
    const o = obj(v);
    if (!o) return undefined;
    v = o[key];
  }
  return v;
}

/** One element or several, always as an array. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** Text of an element (xml2js puts text beside attributes in `_`). */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return str(value[0]);
  const o = obj(value);
  return o && '_' in o ? str(o._) : undefined;
}

export function num(value: unknown): number | undefined {
  const s = typeof value === 'number' ? value : Number(str(value));
  return Number.isFinite(s) ? s : undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const s = str(value)?.toLowerCase();
  return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : undefined;
}

export function date(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  const s = str(value);
  if (s === undefined) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** An attribute (xml2js keeps them under `$`). */
export function attr(value: unknown, name: string): unknown {
  return obj(obj(value)?.$)?.[name];
}
