// The in-process address index: every way of writing each town, village, road and
// landmark of the gazetteer in one dictionary, an address cut into its longest known
// words (航埠镇 | 兴航社区 | 兴航三路 | 12号 | 门口), and the words resolved to one point
// or, when they do not say one place for certain, to 待定位 with what was understood.
// Pure and synchronous: built from rows once per gazetteer or map change, then
// tens of thousands of addresses a second.
import {
  committeeVariants,
  CROSSING_WORDS,
  landmarkVariants,
  normalizeAddress,
  RELATIONS,
  stripSuffix,
  TOWN_SUFFIXES,
  VILLAGE_SUFFIXES,
} from './address-text.js';

export type LonLat = [number, number];

export interface GazetteerTown {
  id: number;
  code: string;
  name: string;
  point: LonLat;
  parentNames: string[];
}
export interface GazetteerVillage {
  id: number;
  townId: number;
  code: string;
  name: string;
  point: LonLat;
}
export interface GazetteerRoad {
  townId: number;
  name: string;
  lines: LonLat[][];
}
export interface GazetteerLandmark {
  id: number;
  townId: number;
  villageId: number | null;
  name: string;
  kind: string;
  aliases: string[];
  lon: number;
  lat: number;
}

export interface GazetteerData {
  towns: GazetteerTown[];
  villages: GazetteerVillage[];
  roads: GazetteerRoad[];
  landmarks: GazetteerLandmark[];
}

/** How a confident answer was found. */
export type PlacedBy = 'door_plate' | 'landmark' | 'interpolated' | 'nearby_plate' | 'intersection';

export interface Understood {
  town: string | null;
  village: string | null;
  roads: string[];
  number: number | null;
  landmark: string | null;
  relation: string | null;
  /** Names matched with one character written differently (杭埠中学 for 航埠中学). */
  fuzzy: string[];
}

export interface Candidate {
  name: string;
  kind: string;
  lon: number;
  lat: number;
}

export type LocateResult =
  | { status: 'placed'; townId: number; lon: number; lat: number; by: PlacedBy; place: string; understood: Understood }
  | {
      status: 'unlocated';
      townId: number | null;
      reason: string;
      understood: Understood;
      /** Where the command room may start looking (a village, a road, the town). */
      suggestion: { lon: number; lat: number; label: string } | null;
      candidates: Candidate[];
    };

type Entry =
  | { type: 'town'; town: GazetteerTown }
  | { type: 'parent' }
  | { type: 'village'; village: GazetteerVillage }
  | { type: 'road'; road: GazetteerRoad }
  | { type: 'landmark'; landmark: GazetteerLandmark }
  | { type: 'relation'; word: string }
  | { type: 'crossing' }
  | { type: 'generic'; word: string };

/**
 * Words for a kind of place that, with a village, say which one (长泽街村小学 → the
 * village's only primary school); alone they name nothing.
 */
const GENERIC: Record<string, (l: GazetteerLandmark) => boolean> = {
  小学: (l) => l.name.endsWith('小学'),
  中学: (l) => l.name.endsWith('中学'),
  幼儿园: (l) => l.name.endsWith('幼儿园'),
  学校: (l) => l.kind === 'school',
  卫生室: (l) => l.kind === 'hospital',
  诊所: (l) => l.kind === 'hospital',
  医院: (l) => l.kind === 'hospital',
  市场: (l) => l.kind === 'market',
  菜场: (l) => l.kind === 'market',
  菜市场: (l) => l.kind === 'market',
  敬老院: (l) => l.name.endsWith('敬老院'),
  村委会: (l) => l.kind === 'committee',
  村部: (l) => l.kind === 'committee',
};

interface Token {
  entries: Entry[];
  text: string;
  fuzzy: boolean;
}

const NUMBER = /^(\d{1,5})(?:-\d{1,4})?号/;
// Characters a one-letter slip must not change: 北一村 is not 北二村, 小学 is not 中学.
const DISTINCT = new Set([...'一二三四五六七八九十东南西北上下前后左右大中小新老']);
const PLATE_TOLERANCE_M = 300;
const MAX_INTERPOLATION_GAP = 20;
const NEAR_PLATE_GAP = 4;

export function metres(a: LonLat, b: LonLat): number {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * Math.cos(((a[1] + b[1]) / 2) * rad) * 111_320;
  const y = (b[1] - a[1]) * 110_540;
  return Math.hypot(x, y);
}

interface Plate {
  number: number;
  landmark: GazetteerLandmark;
}

export class AddressIndex {
  private readonly words = new Map<string, Entry[]>();
  private readonly oneOff = new Map<string, Set<string>>();
  private lengths: number[] = [];
  /** Every beginning of a known word, so a scan stops as soon as nothing can follow. */
  private readonly prefixes = new Set<string>();
  /**
   * Where a slip may start, so most positions skip the search: a word's first two
   * characters (slip from the third on), its second and third (slip in the first), its
   * first and third (slip in the second).
   */
  private readonly slipGate = new Set<string>();
  /** Door plates by road or village key ("r:<town>:<name>", "v:<id>"), sorted by number. */
  private readonly plates = new Map<string, Plate[]>();
  private readonly townsById = new Map<number, GazetteerTown>();
  private readonly crossings = new Map<string, LonLat[]>();

  private constructor(
    readonly data: GazetteerData,
    readonly revision: string,
  ) {}

  static build(data: GazetteerData, revision = ''): AddressIndex {
    const ix = new AddressIndex(data, revision);
    ix.fill();
    return ix;
  }

  get size(): { towns: number; villages: number; roads: number; landmarks: number; doorPlates: number; words: number } {
    let doorPlates = 0;
    for (const list of this.plates.values()) doorPlates += list.length;
    return {
      towns: this.data.towns.length,
      villages: this.data.villages.length,
      roads: this.data.roads.length,
      landmarks: this.data.landmarks.length,
      doorPlates,
      words: this.words.size,
    };
  }

  private add(word: string, entry: Entry): void {
    const w = normalizeAddress(word);
    if (w.length < 2) return;
    const list = this.words.get(w);
    if (list) {
      if (!list.some((e) => sameEntry(e, entry))) list.push(entry);
    } else this.words.set(w, [entry]);
  }

  private fill(): void {
    const { towns, villages, roads, landmarks } = this.data;
    const townForms = new Map<number, string[]>();
    for (const t of towns) {
      this.townsById.set(t.id, t);
      const forms = [t.name, stripSuffix(t.name, TOWN_SUFFIXES)].filter((f): f is string => !!f);
      townForms.set(t.id, forms);
      for (const f of forms) this.add(f, { type: 'town', town: t });
      for (const p of t.parentNames) {
        for (const f of [p, stripSuffix(p, ['市', '区', '县'])]) if (f) this.add(f, { type: 'parent' });
      }
    }
    for (const p of ['中华人民共和国', '中国', '浙江省', '浙江']) this.add(p, { type: 'parent' });
    const villageForms = new Map<number, string[]>();
    for (const v of villages) {
      const base = stripSuffix(v.name, VILLAGE_SUFFIXES);
      const forms = [v.name, ...(base ? [base, `${base}村`, `${base}社区`] : [])];
      villageForms.set(v.id, forms);
      for (const f of forms) this.add(f, { type: 'village', village: v });
    }
    for (const r of roads) this.add(r.name, { type: 'road', road: r });
    for (const word of RELATIONS) this.add(word, { type: 'relation', word });
    for (const word of [...CROSSING_WORDS, '与', '和']) if (word.length >= 2) this.add(word, { type: 'crossing' });
    for (const word of Object.keys(GENERIC)) this.add(word, { type: 'generic', word });

    for (const l of landmarks) {
      if (l.kind === 'door_plate') continue;
      const forms = [l.name, ...l.aliases].flatMap((n) => landmarkVariants(n, townForms.get(l.townId) ?? []));
      if (l.kind === 'committee' && l.villageId !== null)
        forms.push(...committeeVariants(villageForms.get(l.villageId) ?? []));
      for (const f of forms) this.add(f, { type: 'landmark', landmark: l });
    }
    this.lengths = [...new Set([...this.words.keys()].map((w) => w.length))].sort((a, b) => b - a);
    for (const w of this.words.keys()) for (let k = 1; k <= w.length; k++) this.prefixes.add(w.slice(0, k));
    // One-character slips, for names long enough that one slip still says which.
    for (const [word, entries] of this.words) {
      if (word.length < 4 || !entries.some((e) => e.type === 'landmark' || e.type === 'road' || e.type === 'village'))
        continue;
      for (let i = 0; i < word.length; i++) {
        if (DISTINCT.has(word[i]!) || /\d/.test(word[i]!)) continue;
        const key = `${word.slice(0, i)}?${word.slice(i + 1)}`;
        this.slipGate
          .add(`a${word.slice(0, 2)}`)
          .add(`b${word.slice(1, 3)}`)
          .add(`c${word[0]}${word[2]}`);
        const set = this.oneOff.get(key) ?? new Set<string>();
        set.add(word);
        this.oneOff.set(key, set);
      }
    }
    // Door plates read with the same words: 航埠大道58号, 万川村12号.
    for (const l of landmarks) {
      if (l.kind !== 'door_plate') continue;
      const { tokens, number } = this.tokenize(normalizeAddress(l.name));
      if (number === null) continue;
      const road = tokens
        .flatMap((t) => t.entries)
        .find((e): e is Entry & { type: 'road' } => e.type === 'road' && e.road.townId === l.townId);
      const village = tokens
        .flatMap((t) => t.entries)
        .find((e): e is Entry & { type: 'village' } => e.type === 'village' && e.village.townId === l.townId);
      const key = road ? roadKey(road.road) : village ? `v:${village.village.id}` : null;
      if (!key) continue;
      const list = this.plates.get(key) ?? [];
      list.push({ number, landmark: l });
      this.plates.set(key, list);
    }
    for (const list of this.plates.values()) list.sort((a, b) => a.number - b.number);
    this.findCrossings();
  }

  /** Where two named roads of a town meet (segment intersections, computed once). */
  private findCrossings(): void {
    const byTown = new Map<number, Map<string, LonLat[][]>>();
    for (const r of this.data.roads) {
      const names = byTown.get(r.townId) ?? new Map<string, LonLat[][]>();
      names.set(r.name, [...(names.get(r.name) ?? []), ...r.lines]);
      byTown.set(r.townId, names);
    }
    for (const [townId, names] of byTown) {
      const list = [...names].map(([name, lines]) => ({ name, lines, box: boxOf(lines) }));
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          if (!a.name || !b.name || !boxesMeet(a.box, b.box)) continue;
          const points = crossingPoints(a.lines, b.lines);
          if (points.length) this.crossings.set(crossKey(townId, a.name, b.name), points);
        }
      }
    }
  }

  /** The address cut into known words, longest first at each position; unknown characters are skipped. */
  private tokenize(text: string): { tokens: Token[]; number: number | null; numberAfter: number } {
    const tokens: Token[] = [];
    let number: number | null = null;
    let numberAfter = -1;
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      const n = c >= 48 && c <= 57 ? NUMBER.exec(text.slice(i, i + 12)) : null;
      if (n) {
        if (number === null) {
          number = Number(n[1]);
          numberAfter = tokens.length;
        }
        i += n[0].length;
        continue;
      }
      let found: Token | null = null;
      for (let j = i + 1; j <= text.length; j++) {
        const w = text.slice(i, j);
        if (!this.prefixes.has(w)) break;
        const entries = this.words.get(w);
        if (entries) found = { entries, text: w, fuzzy: false };
      }
      if (
        !found &&
        i + 4 <= text.length &&
        (this.slipGate.has(`a${text.slice(i, i + 2)}`) ||
          this.slipGate.has(`b${text.slice(i + 1, i + 3)}`) ||
          this.slipGate.has(`c${text[i]}${text[i + 2]}`))
      )
        found = this.slip(text, i);
      if (found) {
        tokens.push(found);
        i += found.text.length;
      } else i++;
    }
    return { tokens, number, numberAfter };
  }

  /** A known name with one character written differently, when only one name fits. */
  private slip(text: string, i: number): Token | null {
    for (const len of this.lengths) {
      if (len < 4 || i + len > text.length) continue;
      const w = text.slice(i, i + len);
      const hits = new Set<string>();
      for (let k = 0; k < len; k++) {
        for (const m of this.oneOff.get(`${w.slice(0, k)}?${w.slice(k + 1)}`) ?? []) hits.add(m);
      }
      if (hits.size === 1) {
        const word = [...hits][0]!;
        return { entries: this.words.get(word)!, text: w, fuzzy: true };
      }
      if (hits.size > 1) return null;
    }
    return null;
  }

  /** Where an address is, within the towns given (the caller's town), or why it cannot be said for certain. */
  locate(address: string, townIds: readonly number[] | null = null): LocateResult {
    const { tokens, number, numberAfter } = this.tokenize(normalizeAddress(address));
    const inScope = (townId: number) => townIds === null || townIds.includes(townId);
    const understood: Understood = {
      town: null,
      village: null,
      roads: [],
      number,
      landmark: null,
      relation: null,
      fuzzy: [],
    };
    const unlocated = (
      reason: string,
      townId: number | null,
      suggestion: { lon: number; lat: number; label: string } | null = null,
      candidates: Candidate[] = [],
    ): LocateResult => ({ status: 'unlocated', townId, reason, understood, suggestion, candidates });

    // Towns named; a bare word that is both a town and a village (航埠) is the town the first time.
    let town: GazetteerTown | null = null;
    const otherTowns: string[] = [];
    const villages: GazetteerVillage[] = [];
    const roads: { road: GazetteerRoad; index: number }[] = [];
    const landmarkTokens: { list: GazetteerLandmark[]; index: number; text: string }[] = [];
    let crossingWord = false;
    const generics: string[] = [];
    for (const [index, tok] of tokens.entries()) {
      if (tok.fuzzy) understood.fuzzy.push(tok.text);
      const townEntry = tok.entries.find((e): e is Entry & { type: 'town' } => e.type === 'town');
      if (townEntry && (!town || !tok.entries.some((e) => e.type === 'village'))) {
        if (inScope(townEntry.town.id)) {
          town ??= townEntry.town;
          understood.town = townEntry.town.name;
        } else otherTowns.push(townEntry.town.name);
        continue;
      }
      for (const e of tok.entries) {
        if (e.type === 'village' && inScope(e.village.townId)) villages.push(e.village);
        if (e.type === 'road' && inScope(e.road.townId)) roads.push({ road: e.road, index });
        if (e.type === 'relation') understood.relation = e.word;
        if (e.type === 'crossing') crossingWord = true;
        if (e.type === 'generic') generics.push(e.word);
      }
      const marks = tok.entries.flatMap((e) =>
        e.type === 'landmark' && inScope(e.landmark.townId) ? [e.landmark] : [],
      );
      if (marks.length) landmarkTokens.push({ list: marks, index, text: tok.text });
    }
    if (otherTowns.length && !town)
      return unlocated(`地址写的是${otherTowns[0]}，不在受理范围 the address names another town`, null);

    // The town: the caller's single town, the one named, or the one every named place lies in.
    const townOf = new Set<number>([
      ...villages.map((v) => v.townId),
      ...roads.map((r) => r.road.townId),
      ...landmarkTokens.flatMap((l) => l.list.map((m) => m.townId)),
    ]);
    const t: GazetteerTown | null =
      town ??
      (townIds?.length === 1
        ? (this.townsById.get(townIds[0]!) ?? null)
        : townOf.size === 1
          ? (this.townsById.get([...townOf][0]!) ?? null)
          : null);
    if (!t)
      return unlocated(
        townOf.size > 1
          ? '地址可能在几个镇 the address fits places in several towns'
          : '没有认出地址中的地名 no known place in the address',
        null,
      );
    understood.town = t.name;
    const here = <T extends { townId: number }>(x: T) => x.townId === t.id;
    const vs = [...new Map(villages.filter(here).map((v) => [v.id, v])).values()];
    if (vs.length > 1)
      return unlocated(
        `地址提到几个村：${vs.map((v) => v.name).join('、')} several villages named`,
        t.id,
        null,
        vs.map((v) => ({ name: v.name, kind: 'village', lon: v.point[0], lat: v.point[1] })),
      );
    const village = vs[0] ?? null;
    understood.village = village?.name ?? null;
    const rs = [...new Map(roads.filter((r) => here(r.road)).map((r) => [r.road.name, r])).values()];
    understood.roads = rs.map((r) => r.road.name);

    // The landmark: the last one named that says one place (given the village, when named).
    let landmark: GazetteerLandmark | null = null;
    let ambiguous: GazetteerLandmark[] = [];
    for (const lt of landmarkTokens) {
      let list = lt.list.filter(here);
      if (village && list.length > 1) {
        const inVillage = list.filter((l) => l.villageId === village.id);
        if (inVillage.length) list = inVillage;
      }
      const distinct = [...new Map(list.map((l) => [l.id, l])).values()];
      if (distinct.length === 1) {
        landmark = distinct[0]!;
        ambiguous = [];
      } else if (distinct.length > 1) ambiguous = distinct;
    }
    // A kind of place in the village named (长泽街村小学): that one, when the village has one only.
    if (!landmark && village && generics.length) {
      const word = generics[generics.length - 1]!;
      const inVillage = this.data.landmarks.filter(
        (l) => l.villageId === village.id && l.kind !== 'door_plate' && GENERIC[word]!(l),
      );
      if (inVillage.length === 1) landmark = inVillage[0]!;
      else if (inVillage.length > 1 && !ambiguous.length) ambiguous = inVillage;
    }
    understood.landmark = landmark?.name ?? null;
    if (landmark && village && landmark.villageId !== null && landmark.villageId !== village.id) {
      return unlocated(`${landmark.name}不在${village.name} the landmark is not in the village named`, t.id, null, [
        asCandidate(landmark),
      ]);
    }

    // A door number on the road (or in the village) named just before it.
    let plate: { point: LonLat; by: PlacedBy; place: string } | null = null;
    let plateRoad: GazetteerRoad | null = null;
    if (number !== null) {
      const road = [...rs].reverse().find((r) => r.index < numberAfter)?.road ?? null;
      plateRoad = road;
      const key = road ? roadKey(road) : village && !rs.some((r) => r.index < numberAfter) ? `v:${village.id}` : null;
      if (key) plate = this.plateFor(key, number, road?.name ?? village!.name);
    }

    if (plate && landmark && metres(plate.point, [landmark.lon, landmark.lat]) > PLATE_TOLERANCE_M) {
      return unlocated(
        `${plate.place}与${landmark.name}相距较远 the door number and the landmark disagree`,
        t.id,
        null,
        [{ name: plate.place, kind: 'door_plate', lon: plate.point[0], lat: plate.point[1] }, asCandidate(landmark)],
      );
    }
    if (plate)
      return {
        status: 'placed',
        townId: t.id,
        lon: plate.point[0],
        lat: plate.point[1],
        by: plate.by,
        place: plate.place,
        understood,
      };
    if (landmark)
      return {
        status: 'placed',
        townId: t.id,
        lon: landmark.lon,
        lat: landmark.lat,
        by: 'landmark',
        place: landmark.name,
        understood,
      };

    // Two roads: where they cross.
    if (rs.length >= 2 && (crossingWord || number === null)) {
      const [a, b] = [rs[rs.length - 2]!.road, rs[rs.length - 1]!.road];
      const points = this.crossings.get(crossKey(t.id, a.name, b.name)) ?? [];
      if (points.length === 1 || (points.length > 1 && points.every((p) => metres(p, points[0]!) < 100))) {
        const p = points[0]!;
        return {
          status: 'placed',
          townId: t.id,
          lon: p[0],
          lat: p[1],
          by: 'intersection',
          place: `${a.name}与${b.name}交叉口`,
          understood,
        };
      }
      return unlocated(
        points.length
          ? `${a.name}与${b.name}有几处交叉 the roads meet more than once`
          : `${a.name}与${b.name}不相交 the roads do not meet`,
        t.id,
        null,
        points.map((p) => ({ name: `${a.name}与${b.name}`, kind: 'crossing', lon: p[0], lat: p[1] })),
      );
    }

    if (ambiguous.length) {
      return unlocated(
        `有${ambiguous.length}处叫“${ambiguous[0]!.name}”的地方 several places have this name`,
        t.id,
        null,
        ambiguous.slice(0, 10).map(asCandidate),
      );
    }
    const road = plateRoad ?? rs[rs.length - 1]?.road ?? null;
    if (road) {
      const mid = middleOf(road.lines);
      return unlocated(
        number !== null
          ? `${road.name}${number}号不在门牌库中 the door number is not in the gazetteer`
          : `只知道道路 ${road.name} only a road`,
        t.id,
        { lon: mid[0], lat: mid[1], label: road.name },
      );
    }
    if (village) {
      return unlocated(`只知道村（社区）${village.name} only the village`, t.id, {
        lon: village.point[0],
        lat: village.point[1],
        label: village.name,
      });
    }
    return unlocated(`只知道镇 ${t.name} only the town`, t.id, { lon: t.point[0], lat: t.point[1], label: t.name });
  }

  /** The plate with this number, or one between two plates of the same side close enough to say where. */
  private plateFor(key: string, n: number, name: string): { point: LonLat; by: PlacedBy; place: string } | null {
    const list = this.plates.get(key);
    if (!list?.length) return null;
    const exact = list.find((p) => p.number === n);
    if (exact) return { point: [exact.landmark.lon, exact.landmark.lat], by: 'door_plate', place: exact.landmark.name };
    if (!key.startsWith('r:')) return null; // village numbers follow no line
    const side = list.filter((p) => p.number % 2 === n % 2);
    const below = [...side].reverse().find((p) => p.number < n);
    const above = side.find((p) => p.number > n);
    if (below && above && above.number - below.number <= MAX_INTERPOLATION_GAP) {
      const f = (n - below.number) / (above.number - below.number);
      const point: LonLat = [
        below.landmark.lon + f * (above.landmark.lon - below.landmark.lon),
        below.landmark.lat + f * (above.landmark.lat - below.landmark.lat),
      ];
      return { point, by: 'interpolated', place: `${name}${n}号` };
    }
    const near = [below, above]
      .filter((p): p is Plate => !!p && Math.abs(p.number - n) <= NEAR_PLATE_GAP)
      .sort((a, b) => Math.abs(a.number - n) - Math.abs(b.number - n))[0];
    return near
      ? {
          point: [near.landmark.lon, near.landmark.lat],
          by: 'nearby_plate',
          place: `${name}${n}号（近${near.landmark.name}）`,
        }
      : null;
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'town':
      return a.town.id === (b as typeof a).town.id;
    case 'village':
      return a.village.id === (b as typeof a).village.id;
    case 'road':
      return (
        a.road === (b as typeof a).road ||
        (a.road.townId === (b as typeof a).road.townId && a.road.name === (b as typeof a).road.name)
      );
    case 'landmark':
      return a.landmark.id === (b as typeof a).landmark.id;
    case 'relation':
      return a.word === (b as typeof a).word;
    case 'generic':
      return a.word === (b as typeof a).word;
    default:
      return true;
  }
}

const roadKey = (r: GazetteerRoad) => `r:${r.townId}:${r.name}`;
const crossKey = (townId: number, a: string, b: string) => `${townId}:${[a, b].sort().join('|')}`;
const asCandidate = (l: GazetteerLandmark): Candidate => ({ name: l.name, kind: l.kind, lon: l.lon, lat: l.lat });

type Box = [number, number, number, number];
function boxOf(lines: LonLat[][]): Box {
  const b: Box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const line of lines)
    for (const [x, y] of line) {
      b[0] = Math.min(b[0], x);
      b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x);
      b[3] = Math.max(b[3], y);
    }
  return b;
}
const boxesMeet = (a: Box, b: Box) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

export function crossingPoints(a: LonLat[][], b: LonLat[][]): LonLat[] {
  const out: LonLat[] = [];
  for (const la of a)
    for (let i = 1; i < la.length; i++) {
      for (const lb of b)
        for (let j = 1; j < lb.length; j++) {
          const p = segmentCrossing(la[i - 1]!, la[i]!, lb[j - 1]!, lb[j]!);
          if (p && !out.some((q) => metres(p, q) < 5)) out.push(p);
        }
    }
  return out;
}

function segmentCrossing(p1: LonLat, p2: LonLat, p3: LonLat, p4: LonLat): LonLat | null {
  const d = (p2[0] - p1[0]) * (p4[1] - p3[1]) - (p2[1] - p1[1]) * (p4[0] - p3[0]);
  if (d === 0) return null;
  const t = ((p3[0] - p1[0]) * (p4[1] - p3[1]) - (p3[1] - p1[1]) * (p4[0] - p3[0])) / d;
  const u = ((p3[0] - p1[0]) * (p2[1] - p1[1]) - (p3[1] - p1[1]) * (p2[0] - p1[0])) / d;
  const eps = 1e-9;
  if (t < -eps || t > 1 + eps || u < -eps || u > 1 + eps) return null;
  return [p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1])];
}

/** The point halfway along a road's longest line. */
function middleOf(lines: LonLat[][]): LonLat {
  const line = [...lines].sort((a, b) => b.length - a.length)[0]!;
  let total = 0;
  for (let i = 1; i < line.length; i++) total += metres(line[i - 1]!, line[i]!);
  let run = 0;
  for (let i = 1; i < line.length; i++) {
    const seg = metres(line[i - 1]!, line[i]!);
    if (run + seg >= total / 2 && seg > 0) {
      const f = (total / 2 - run) / seg;
      return [
        line[i - 1]![0] + f * (line[i]![0] - line[i - 1]![0]),
        line[i - 1]![1] + f * (line[i]![1] - line[i - 1]![1]),
      ];
    }
    run += seg;
  }
  return line[0]!;
}
