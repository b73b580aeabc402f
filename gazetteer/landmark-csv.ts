// Landmarks as admins keep them: a CSV file (from Excel, often GBK) with one place a
// row — name, kind, lon, lat, optional aliases and village. Read whole and checked
// whole: every bad row is named with its line and what is wrong, and nothing is kept
// unless every row is good.

export const LANDMARK_KINDS = [
  'school',
  'market',
  'committee',
  'door_plate',
  'government',
  'hospital',
  'police',
  'transport',
  'bank',
  'shop',
  'bridge',
  'landmark',
] as const;
export type LandmarkKind = (typeof LANDMARK_KINDS)[number];

const KIND_WORDS: Record<string, LandmarkKind> = {
  学校: 'school',
  小学: 'school',
  中学: 'school',
  幼儿园: 'school',
  市场: 'market',
  农贸市场: 'market',
  村委会: 'committee',
  居委会: 'committee',
  门牌: 'door_plate',
  门牌号: 'door_plate',
  政府: 'government',
  机关: 'government',
  医院: 'hospital',
  卫生院: 'hospital',
  派出所: 'police',
  车站: 'transport',
  银行: 'bank',
  商店: 'shop',
  超市: 'shop',
  桥: 'bridge',
  桥梁: 'bridge',
  地标: 'landmark',
  其他: 'landmark',
};
const HEADERS: Record<string, keyof LandmarkRow> = {
  name: 'name',
  名称: 'name',
  地名: 'name',
  kind: 'kind',
  type: 'kind',
  类型: 'kind',
  类别: 'kind',
  lon: 'lon',
  lng: 'lon',
  longitude: 'lon',
  经度: 'lon',
  lat: 'lat',
  latitude: 'lat',
  纬度: 'lat',
  aliases: 'aliases',
  alias: 'aliases',
  别名: 'aliases',
  village: 'village',
  村: 'village',
  村社区: 'village',
  所属村: 'village',
  所属村社: 'village',
};

/** The landmark field a column or attribute name stands for (name, 名称, lon, 经度 …), if any. */
export function fieldOf(header: string): keyof LandmarkRow | null {
  return HEADERS[header.trim().toLowerCase()] ?? null;
}

export interface LandmarkRow {
  line: number;
  name: string;
  kind: LandmarkKind;
  lon: number;
  lat: number;
  aliases: string[];
  /** A village's name or code, as written; resolved against the town later. */
  village: string | null;
}

export interface RowProblem {
  line: number;
  field?: string;
  problem: string;
}

export const MAX_ROWS = 50_000;

/** UTF-8 (with or without BOM), or GB18030/GBK as Excel on a Chinese Windows saves it. */
export function decodeText(bytes: Buffer): { text: string; encoding: 'utf-8' | 'gb18030' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(bytes), encoding: 'gb18030' };
  }
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): { records: string[][]; lines: number[]; error?: RowProblem } {
  const records: string[][] = [];
  const lines: number[] = [];
  const delimiter = !text.split('\n', 1)[0]!.includes(',') && text.includes('\t') ? '\t' : ',';
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f.trim() !== '')) {
        records.push(record);
        lines.push(recordLine);
      }
      record = [];
      field = '';
      line++;
      recordLine = line;
    } else field += c;
  }
  if (quoted) return { records, lines, error: { line: recordLine, problem: 'a quoted field is never closed' } };
  record.push(field);
  if (record.some((f) => f.trim() !== '')) {
    records.push(record);
    lines.push(recordLine);
  }
  return { records, lines };
}

/** The rows, or every problem found (never both). */
export function readLandmarkCsv(bytes: Buffer): { rows: LandmarkRow[]; encoding: string } | { problems: RowProblem[] } {
  if (bytes.length === 0) return { problems: [{ line: 0, problem: 'the file is empty' }] };
  const { text, encoding } = decodeText(bytes);
  const parsed = parseCsv(text.replace(/^\uFEFF/, ''));
  if (parsed.error) return { problems: [parsed.error] };
  const [header, ...records] = parsed.records;
  if (!header) return { problems: [{ line: 1, problem: 'no header row' }] };
  const columns = header.map((h) => HEADERS[h.trim().toLowerCase()] ?? null);
  const problems: RowProblem[] = [];
  const unknown = header.filter((_, i) => columns[i] === null).map((h) => h.trim());
  if (unknown.length)
    problems.push({
      line: 1,
      problem: `unknown columns: ${unknown.join(', ')} (known: name, kind, lon, lat, aliases, village or 名称, 类型, 经度, 纬度, 别名, 村社区)`,
    });
  for (const need of ['name', 'kind', 'lon', 'lat'] as const) {
    if (!columns.includes(need)) problems.push({ line: 1, problem: `the column "${need}" is missing` });
  }
  if (problems.length) return { problems };
  if (records.length === 0) return { problems: [{ line: 2, problem: 'no rows under the header' }] };
  if (records.length > MAX_ROWS)
    return {
      problems: [{ line: MAX_ROWS + 2, problem: `at most ${MAX_ROWS} rows a file (this one has ${records.length})` }],
    };

  const rows: LandmarkRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, r) => {
    const line = parsed.lines[r + 1]!;
    if (rec.length !== header.length) {
      problems.push({ line, problem: `${rec.length} fields, the header has ${header.length}` });
      return;
    }
    const get = (k: keyof LandmarkRow) => rec[columns.indexOf(k)]?.trim() ?? '';
    const bad = (field: string, problem: string) => problems.push({ line, field, problem });
    const name = get('name');
    if (!name) bad('name', 'empty');
    else if (name.length > 60) bad('name', 'longer than 60 characters');
    const kindText = get('kind');
    const kind = (LANDMARK_KINDS as readonly string[]).includes(kindText.toLowerCase())
      ? (kindText.toLowerCase() as LandmarkKind)
      : KIND_WORDS[kindText];
    if (!kind) bad('kind', `"${kindText}" is not a kind: ${LANDMARK_KINDS.join(', ')}`);
    const lon = number(get('lon'));
    const lat = number(get('lat'));
    if (lon === null || Math.abs(lon) > 180)
      bad('lon', `"${get('lon')}" is not a longitude in decimal degrees (WGS-84)`);
    if (lat === null || Math.abs(lat) > 90) bad('lat', `"${get('lat')}" is not a latitude in decimal degrees (WGS-84)`);
    if (lon !== null && lat !== null && Math.abs(lon) < 1 && Math.abs(lat) < 1) bad('lon', '0,0 is no place in a town');
    const aliases = get('aliases')
      .split(/[;；|、]/)
      .map((a) => a.trim())
      .filter(Boolean);
    if (aliases.some((a) => a.length > 60)) bad('aliases', 'an alias is longer than 60 characters');
    const key = `${kind ?? kindText}|${name}`;
    if (name && seen.has(key)) bad('name', `"${name}" (${kindText}) is already on line ${seen.get(key)}`);
    else seen.set(key, line);
    if (name && kind && lon !== null && lat !== null)
      rows.push({ line, name, kind, lon, lat, aliases, village: get('village') || null });
  });
  return problems.length ? { problems } : { rows, encoding };
}

function number(text: string): number | null {
  if (!/^[+-]?\d{1,3}(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** A CSV field, quoted when it must be. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
