/**
 * Deterministic randomness for the example generators: the same seed and scale give byte-identical data, so a
 * test can compare checksums of two builds. Nothing here reads the clock or Math.random.
 *
 * Every table draws from its own stream (`rngFor(seed, 'tasks')`), so adding rows to one table never shifts
 * the values of another. Keys are not drawn from a stream at all: `uuidAt(seed, 'machines', i)` is a pure
 * function of the row index, which lets a child table point at parent row i without keeping parents in memory.
 */

/** FNV-1a: turns a label into 32 bits. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A bijective 32-bit mixer (lowbias32): distinct inputs give distinct outputs. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

// Lookup tables: number formatting is the hot path of every generator.
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hex8 = (n: number): string =>
  HEX_BYTE[(n >>> 24) & 0xff]! +
  HEX_BYTE[(n >>> 16) & 0xff]! +
  HEX_BYTE[(n >>> 8) & 0xff]! +
  HEX_BYTE[n & 0xff]!;

const hex4 = (n: number): string => HEX_BYTE[(n >>> 8) & 0xff]! + HEX_BYTE[n & 0xff]!;

/** Formats 128 bits as a version-4-shaped uuid (the version and variant bits are forced). */
function uuidFromWords(a: number, b: number, c: number, d: number): string {
  const w1 = ((b & 0xffff0fff) | 0x00004000) >>> 0;
  const w2 = ((c & 0x3fffffff) | 0x80000000) >>> 0;
  return `${hex8(a)}-${hex4(w1 >>> 16)}-${hex4(w1)}-${hex4(w2 >>> 16)}-${hex4(w2)}${hex8(d)}`;
}

const bases = new Map<number, Map<string, number>>();

/** hash(label) mixed with the seed, memoised: it is asked for once per generated key. */
function streamBase(seed: number, label: string): number {
  let bySeed = bases.get(seed);
  if (bySeed === undefined) {
    bySeed = new Map();
    bases.set(seed, bySeed);
  }
  let base = bySeed.get(label);
  if (base === undefined) {
    base = (hash32(label) ^ mix32(seed)) >>> 0;
    bySeed.set(label, base);
  }
  return base;
}

/**
 * The uuid of row `index` of the table `label`. The first 32 bits are a bijection of the index, so ids are
 * unique within a table for up to 2^30 rows, without a set to check against.
 */
export function uuidAt(seed: number, label: string, index: number): string {
  const base = streamBase(seed, label);
  const at = (k: number): number => mix32((base + index * 4 + k) >>> 0);
  return uuidFromWords(at(0), at(1), at(2), at(3));
}

/** Every generated timestamp lies in a window that starts here. */
export const EPOCH_MS = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

// A fixed vocabulary: generated text changes only when this list does.
const WORDS = (
  'account agent alpha amber anchor answer archive audit balance basket beacon border bridge budget ' +
  'cable canvas carbon castle channel circle cluster coffee column copper corner credit current delta ' +
  'design digest engine export fabric factor filter forest format garden gateway glacier harbor header ' +
  'index island kernel ladder ledger lemon market matrix meadow metric mirror module motion network ' +
  'number orange orbit packet planet pocket portal quartz record river rocket saddle sample signal ' +
  'silver snack socket spring stable station stream summit switch tablet thread ticket timber token ' +
  'vector velvet window winter'
).split(' ');

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: 32 bits per call, period 2^32, fast and good enough for test data. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `count` distinct items, in list order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const chosen = items.map((item) => ({ item, key: this.uint32() }));
    chosen.sort((a, b) => a.key - b.key);
    const keep = new Set(chosen.slice(0, count).map((c) => c.item));
    return items.filter((item) => keep.has(item));
  }

  /** A decimal as an exact string (`'12.50'`), so numeric columns never meet float rounding. */
  decimal(min: number, max: number, places: number): string {
    const factor = 10 ** places;
    const units = this.int(Math.round(min * factor), Math.round(max * factor));
    const sign = units < 0 ? '-' : '';
    const abs = Math.abs(units);
    if (places === 0) return `${sign}${abs}`;
    const whole = Math.floor(abs / factor);
    const frac = String(abs % factor).padStart(places, '0');
    return `${sign}${whole}.${frac}`;
  }

  /** A float rounded to `places` decimals, for JSON and float columns. */
  float(min: number, max: number, places = 4): number {
    const factor = 10 ** places;
    return Math.round((min + this.next() * (max - min)) * factor) / factor;
  }

  uuid(): string {
    return uuidFromWords(this.uint32(), this.uint32(), this.uint32(), this.uint32());
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += hex8(this.uint32());
    return out.slice(0, length);
  }

  /** An ISO-8601 UTC timestamp with whole seconds, `fromDay`..`toDay` days after 2024-01-01. */
  timestamp(fromDay = 0, toDay = 366): string {
    return timestampAt(this.int(fromDay * 86_400, toDay * 86_400 - 1));
  }

  /** A date (`YYYY-MM-DD`) `fromDay`..`toDay` days after 2024-01-01. */
  date(fromDay = 0, toDay = 366): string {
    return dateAt(this.int(fromDay, toDay - 1));
  }

  word(): string {
    return this.pick(WORDS);
  }

  words(min: number, max: number): string {
    const n = this.int(min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.word());
    return out.join(' ');
  }

  /** A capitalised sentence ending in a full stop. */
  sentence(min = 5, max = 12): string {
    const text = this.words(min, max);
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  paragraph(minSentences: number, maxSentences: number): string {
    const n = this.int(minSentences, maxSentences);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.sentence());
    return out.join(' ');
  }
}

/** The stream of one table (or any other label) under one seed. */
export function rngFor(seed: number, label: string): Rng {
  return new Rng(mix32(streamBase(seed, label)));
}

/** `YYYY-MM-DD` of the day `day` days after 2024-01-01. */
export function dateAt(day: number): string {
  return new Date(EPOCH_MS + day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO-8601 of `seconds` after 2024-01-01T00:00:00Z. */
export function timestampAt(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  const rest = seconds - day * 86_400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  return `${dayPrefix(day)}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[rest % 60]}.000Z`;
}

// `new Date().toISOString()` costs microseconds; the date part only changes once per day of the window.
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const dayPrefixes = new Map<number, string>();
function dayPrefix(day: number): string {
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = `${dateAt(day)}T`;
    dayPrefixes.set(day, prefix);
  }
  return prefix;
}

/** Row counts grow linearly with scale; every table keeps at least one row. */
export function scaled(base: number, scale: number): number {
  return Math.max(1, Math.round(base * scale));
}

/** `scaled` applied to every entry of a table of base counts. */
export function scaleCounts<K extends string>(
  base: Readonly<Record<K, number>>,
  scale: number,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(base) as K[]) out[key] = scaled(base[key], scale);
  return out;
}
