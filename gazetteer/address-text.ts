// How a Chinese address is written down by a 12345 clerk or a citizen, reduced to one
// canonical string: full-width digits and letters made ASCII (NFKC), spaces and
// punctuation dropped, and a door number in Chinese numerals (十二号) made Arabic (12号).
// Numerals inside names (兴航一弄, 三十六亩村) are left alone: only those before 号 change.

const DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 十二 → 12, 二十 → 20, 一百零五 → 105, 一二三 → 123 (read digit by digit); null when not a numeral. */
export function chineseNumeral(text: string): number | null {
  if (!text) return null;
  if (![...text].some((c) => c in UNITS)) {
    let n = 0;
    for (const c of text) {
      const d = DIGITS[c];
      if (d === undefined) return null;
      n = n * 10 + d;
    }
    return n;
  }
  let total = 0;
  let digit: number | null = null;
  for (const c of text) {
    if (c in DIGITS) digit = DIGITS[c]!;
    else if (c in UNITS) {
      total += (digit ?? 1) * UNITS[c]!;
      digit = null;
    } else return null;
  }
  return total + (digit ?? 0);
}

const NUMERAL_BEFORE_NUMBER = /([零〇一二两三四五六七八九十百千]+)(?=号|栋|幢)/g;
// Spaces, punctuation and brackets of both widths (after NFKC most are ASCII).
const NOISE = /[\s,.;:!?'"`()[\]{}<>|/\\~@#$%^&*+=_，。、；：！？“”‘’（）【】《》〈〉「」『』…·—]+/g;

/** The canonical form the index matches against. */
export function normalizeAddress(raw: string): string {
  return raw
    .normalize('NFKC')
    .toLowerCase()
    .replace(NOISE, '')
    .replace(NUMERAL_BEFORE_NUMBER, (m) => String(chineseNumeral(m) ?? m));
}

/** Suffixes that people drop or add: a place is found by its name with or without them. */
export const TOWN_SUFFIXES = ['街道办事处', '街道', '镇', '乡'];
export const VILLAGE_SUFFIXES = ['社区居委会', '村委会', '居委会', '社区', '村'];

export function stripSuffix(name: string, suffixes: readonly string[]): string | null {
  for (const s of suffixes) {
    if (name.endsWith(s) && name.length - s.length >= 2) return name.slice(0, -s.length);
  }
  return null;
}

/**
 * The ways people write a landmark's name: with or without the town in front (航埠镇中心
 * 小学, 航埠中心小学, 中心小学), 小学/中学 shortened (航埠中), 农贸市场 called 菜市场.
 */
export function landmarkVariants(name: string, townForms: readonly string[]): string[] {
  const forms = new Set([name]);
  for (const t of townForms) {
    if (name.startsWith(t) && name.length - t.length >= 3) {
      const rest = name.slice(t.length);
      forms.add(rest);
      for (const u of townForms) forms.add(u + rest);
    }
  }
  for (const f of [...forms]) {
    if (f.endsWith('小学') && f.length >= 4) forms.add(`${f.slice(0, -2)}小`);
    if (f.endsWith('中学') && f.length >= 4) forms.add(`${f.slice(0, -2)}中`);
    if (f.endsWith('农贸市场')) {
      forms.add(`${f.slice(0, -4)}菜市场`);
      forms.add(`${f.slice(0, -4)}菜场`);
    }
    if (f.endsWith('卫生院')) forms.add(`${f.slice(0, -3)}医院`);
  }
  // Bare generic words alone are no landmark of their own.
  return [...forms].filter((f) => f.length >= 3);
}

/** The words a village committee is called by, for each way of writing the village. */
export function committeeVariants(villageForms: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of villageForms) {
    for (const w of ['村委会', '村委', '村部', '居委会', '社区居委会', '村民委员会', '党群服务中心', '委会'])
      out.add(v + w);
  }
  return [...out];
}

/** Words after a landmark that say the place is at or near it. */
export const RELATIONS = [
  '门口',
  '大门口',
  '大门',
  '旁边',
  '边上',
  '附近',
  '周边',
  '对面',
  '隔壁',
  '后面',
  '前面',
  '里面',
  '东侧',
  '西侧',
  '南侧',
  '北侧',
  '旁',
  '内',
];
/** Words that join two roads into a crossing. */
export const CROSSING_WORDS = ['交叉路口', '十字路口', '交叉口', '交界处', '路口', '交汇处'];
