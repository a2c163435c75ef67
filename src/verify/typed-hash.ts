/**
 * The typed row hash, used when every PostgreSQL side is version 14 or later (hash_record_extended).
 *
 * A row is hashed as PostgreSQL's hash_record_extended(ROW(f1, ..., fn), 1) over:
 * - each column of a type PostgreSQL hashes by value (integers, booleans, floats, uuids, timestamps, dates, text
 *   in collation "C") as that value: the server does not print it, which is most of the cost of a text hash;
 * - each column whose canonical text is its type's output (numeric with its scale, json as jsonb prints it,
 *   arrays, enums by label, bytea, time) as that text, `expr::text`;
 * - then one text field, the record text of every other column in the canonical encoding (char(n) padded, and
 *   the types only PostgreSQL sources have), so all keep exactly the rules of canonical.ts.
 *
 * hash_record_extended combines field hashes linearly (h = 31·h + field), which would let a bucket's sum ignore
 * which values share a row; the result is therefore hashed once more, as the seed of hashint8extended(0, h).
 * With seed 1 (not 0) a NULL field (hash 0) differs from a float 0, whose hash is the seed.
 *
 * The JavaScript side computes the same 64-bit value for SQLite rows from the canonical values. What the typed
 * form normalises beyond the text form (both listed in docs/verify.md): -0 and 0 are the same float, as are all
 * NaNs (PostgreSQL's own equality).
 */
import { type Canonical, type Canonicalizer, flatJsonBytes } from './canonical.js';
import {
  hashAscii,
  hashBytes,
  hashHi,
  hashLo,
  hashUint32,
  scratchBuffer,
  utf8,
  writeRecord,
} from './hash.js';

export type HashKind = 'int' | 'bool' | 'float' | 'uuid' | 'timestamp' | 'date' | 'text' | 'output';

const KINDS: Record<string, HashKind> = {
  smallint: 'int',
  integer: 'int',
  bigint: 'int',
  boolean: 'bool',
  'double precision': 'float',
  // Compared as the double it widens to (canonicalSql casts it).
  real: 'float',
  uuid: 'uuid',
  'timestamp with time zone': 'timestamp',
  'timestamp without time zone': 'timestamp',
  date: 'date',
  text: 'text',
  'character varying': 'text',
  numeric: 'output',
  jsonb: 'output',
  // Compared as jsonb (canonicalSql casts it).
  json: 'output',
  // Compared as numeric (canonicalSql casts it).
  money: 'output',
  bytea: 'output',
  'time without time zone': 'output',
  interval: 'output',
};

/** Array types whose `::text` is their output (not char(n)[]: its cast to text trims). */
const OUTPUT_ARRAY =
  /^(smallint|integer|bigint|real|double precision|numeric(\(\d+(,\s*\d+)?\))?|text|character varying(\(\d+\))?|boolean|uuid|date|timestamp (with|without) time zone|jsonb)\[\]$/;

/**
 * How a column of this target type enters the typed row hash: by value, as its output text, or (null) inside
 * the record text field. Enums hash by label (their own hash is of the label's OID, which differs between
 * databases); domains and the other types go into the record text.
 */
export function hashKindOf(type: string, options: { enum?: boolean } = {}): HashKind | null {
  if (options.enum) return 'output';
  const t = type
    .toLowerCase()
    .replace(/^character varying\(\d+\)$/, 'character varying')
    .replace(/^numeric\(\d+(,\s*\d+)?\)$/, 'numeric');
  return KINDS[t] ?? (OUTPUT_ARRAY.test(t) ? 'output' : null);
}

/**
 * SQL: the typed row hash of canonical value expressions (see canonicalSql), the same value RowHash computes.
 * Text fields are hashed in collation "C", so a case-insensitive collation cannot hide a change.
 */
export function typedRowHashSql(fields: readonly { sql: string; kind: HashKind | null }[]): string {
  const typed = fields
    .filter((f) => f.kind !== null)
    .map((f) =>
      f.kind === 'text'
        ? `(${f.sql}) COLLATE "C"`
        : f.kind === 'output'
          ? `((${f.sql})::text) COLLATE "C"`
          : `(${f.sql})`,
    );
  const rest = fields.filter((f) => f.kind === null).map((f) => f.sql);
  if (rest.length > 0) typed.push(`(ROW(${rest.join(', ')})::text) COLLATE "C"`);
  return `hashint8extended(0, hash_record_extended(ROW(${typed.join(', ')}), 1))`;
}

/** The seed every field is hashed with (see above: not 0). */
export const TYPED_SEED_HI = 0;
export const TYPED_SEED_LO = 1;
const SEED_HI = TYPED_SEED_HI;
const SEED_LO = TYPED_SEED_LO;
const TWO_32 = 4294967296;

// The row being hashed: h as two 32-bit halves (high signed, low unsigned).
let rowHi = 0;
let rowLo = 0;

function push(hi: number, lo: number): void {
  // h = 31·h + field, modulo 2^64 (the low half's product is exact in a double).
  const low = rowLo * 31 + lo;
  const carry = Math.floor(low / TWO_32);
  rowLo = low >>> 0;
  rowHi = (Math.imul(rowHi, 31) + hi + carry) | 0;
}

/** Starts a row. */
export function beginRow(): void {
  rowHi = 0;
  rowLo = 0;
}

/** Adds the field hashed last (hashHi, hashLo), e.g. by hashAscii. */
export function pushHashed(): void {
  push(hashHi, hashLo);
}

/** Ends a row: its hash is then in hashHi (signed) and hashLo (unsigned), as HashSum.addHashed reads it. */
export function finishRow(): void {
  hashUint32(0, rowHi, rowLo);
}

export function pushNull(): void {
  push(0, 0);
}

/** An integer (int2/int4/int8 hash alike, as PostgreSQL's hashint8extended folds it). */
export function pushInt(v: number | bigint): void {
  let hi: number;
  let lo: number;
  let negative: boolean;
  if (typeof v === 'number') {
    hi = Math.floor(v / TWO_32);
    lo = v - hi * TWO_32;
    negative = v < 0;
  } else {
    hi = Number(BigInt.asIntN(32, v >> 32n));
    lo = Number(BigInt.asUintN(32, v));
    negative = v < 0n;
  }
  hashUint32((lo ^ (negative ? ~hi : hi)) >>> 0, SEED_HI, SEED_LO);
  push(hashHi, hashLo);
}

export function pushBool(v: boolean): void {
  hashUint32(v ? 1 : 0, SEED_HI, SEED_LO);
  push(hashHi, hashLo);
}

const float = new Float64Array(1);
const floatBytes = Buffer.from(float.buffer);

/** hashfloat8extended: 0 (and -0) hash as the seed; every NaN as the one NaN. */
export function pushFloat(x: number): void {
  if (x === 0) {
    push(SEED_HI, SEED_LO);
    return;
  }
  if (Number.isNaN(x)) floatBytes.writeBigUInt64LE(0x7ff8000000000000n);
  else float[0] = x;
  hashBytes(floatBytes, 8, SEED_HI, SEED_LO);
  push(hashHi, hashLo);
}

const uuidBytes = Buffer.alloc(16);
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** A uuid in its canonical text (hex digits and dashes). */
export function pushUuid(text: string): void {
  let n = 0;
  let high = -1;
  for (let i = 0; i < text.length && n < 16; i++) {
    const c = text.charCodeAt(i);
    if (c === 45) continue;
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) throw new Error(`not a uuid: ${text}`);
    if (high < 0) high = d;
    else {
      uuidBytes[n++] = (high << 4) | d;
      high = -1;
    }
  }
  hashBytes(uuidBytes, 16, SEED_HI, SEED_LO);
  push(hashHi, hashLo);
}

/** Text, as its UTF-8 bytes. */
export function pushText(s: string): void {
  if (!hashAscii(s, SEED_HI, SEED_LO)) {
    const n = utf8(s);
    hashBytes(scratchBuffer(), n, SEED_HI, SEED_LO);
  }
  push(hashHi, hashLo);
}

/** The record text of the columns hashed as text (the last field of every typed row). */
export function pushRecord(fields: readonly (string | null)[]): void {
  const n = writeRecord(fields);
  hashBytes(scratchBuffer(), n, SEED_HI, SEED_LO);
  push(hashHi, hashLo);
}

/** Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for dates and timestamps. */
const PG_EPOCH_SECONDS = 946_684_800;
const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const number2 = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/** Whole seconds since 1970 of a canonical `YYYY-MM-DD[ HH:MM:SS]` (UTC, or wall time without a zone). */
function epochSeconds(s: string, time: boolean): number {
  const year = number2(s, 0) * 100 + number2(s, 2);
  let ms = Date.UTC(
    year,
    number2(s, 5) - 1,
    number2(s, 8),
    time ? number2(s, 11) : 0,
    time ? number2(s, 14) : 0,
    time ? number2(s, 17) : 0,
  );
  // Date.UTC reads years 0-99 as 1900-1999.
  if (year < 100) {
    const d = new Date(ms);
    d.setUTCFullYear(year);
    ms = d.getTime();
  }
  return ms / 1000;
}

/** A timestamp in its canonical text (`YYYY-MM-DD HH:MM:SS[.ffffff][+00]`), as microseconds since 2000. */
export function pushTimestamp(text: string): void {
  const seconds = epochSeconds(text, true) - PG_EPOCH_SECONDS;
  let micros = 0;
  if (text.charCodeAt(19) === 46) {
    let scale = 100_000;
    for (let i = 20; i < text.length; i++) {
      const d = digit(text, i);
      if (d < 0 || d > 9) break;
      micros += d * scale;
      scale /= 10;
    }
  }
  const value = seconds * 1_000_000 + micros;
  pushInt(Number.isSafeInteger(value) ? value : BigInt(seconds) * 1_000_000n + BigInt(micros));
}

/** Days from 1970-01-01 to a day of the proleptic Gregorian calendar (any year, month 1-12). */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The digit at i of s, or -1000 (which no sum of digits below can hide) when it is not one. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/**
 * Microseconds since 2000 of the commonest SQLite timestamps, `YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}]` with no zone,
 * `Z` or `+00`, read without a regular expression; NaN for anything else (the canonical text then decides). The
 * same shapes as canonical.ts's fast path: days up to 28 (no month overflow), years from 1000.
 */
export function simpleMicros(s: string): number {
  const n = s.length;
  if (n < 19) return Number.NaN;
  const year = digitAt(s, 0) * 1000 + digitAt(s, 1) * 100 + digitAt(s, 2) * 10 + digitAt(s, 3);
  const month = digitAt(s, 5) * 10 + digitAt(s, 6);
  const day = digitAt(s, 8) * 10 + digitAt(s, 9);
  const hour = digitAt(s, 11) * 10 + digitAt(s, 12);
  const minute = digitAt(s, 14) * 10 + digitAt(s, 15);
  const second = digitAt(s, 17) * 10 + digitAt(s, 18);
  const t = s.charCodeAt(10);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 28 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 32) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return Number.NaN;
  let i = 19;
  let micros = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    let scale = 100_000;
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale < 1) return Number.NaN;
      micros += c * scale;
      scale /= 10;
    }
    if (scale === 100_000) return Number.NaN;
  }
  if (i < n && !utcZone(s, i)) return Number.NaN;
  const seconds = civilDays(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  const value = (seconds - PG_EPOCH_SECONDS) * 1e6 + micros;
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** Whether s from i is exactly `Z`, `+00`, `+0000` or `+00:00`. */
function utcZone(s: string, i: number): boolean {
  const rest = s.length - i;
  const c = s.charCodeAt(i);
  if (rest === 1) return c === 90;
  if (c !== 43 || s.charCodeAt(i + 1) !== 48 || s.charCodeAt(i + 2) !== 48) return false;
  if (rest === 3) return true;
  if (rest === 5) return s.charCodeAt(i + 3) === 48 && s.charCodeAt(i + 4) === 48;
  return rest === 6 && s.charCodeAt(i + 3) === 58 && s.charCodeAt(i + 4) === 48 && s.charCodeAt(i + 5) === 48;
}

/** A date in its canonical text (`YYYY-MM-DD`), as days since 2000-01-01. */
export function pushDate(text: string): void {
  pushInt((epochSeconds(text, false) - PG_EPOCH_SECONDS) / 86_400);
}

let jsonBytes = Buffer.allocUnsafeSlow(4096);
/** A numeric's digits: sign, up to 16 integer digits, point, up to 15 fraction digits. */
const numericBytes = Buffer.alloc(40);

/**
 * Writes the decimal text of m / 10^scale with exactly `scale` fraction digits (numeric(p, scale)'s output) into
 * numericBytes; m is an integer of magnitude below 2^50. Returns the length.
 */
function writeScaled(m: number, scale: number, pow: number): number {
  let p = 0;
  if (m < 0) {
    numericBytes[p++] = 45;
    m = -m;
  }
  // Exact: m + pow < 2^53, so the quotient cannot round up to the next integer.
  let whole = Math.floor(m / pow);
  let fraction = m - whole * pow;
  let digits = 1;
  for (let x = whole; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let q = p + digits - 1; q >= p; q--) {
    const next = Math.floor(whole / 10);
    numericBytes[q] = 48 + whole - next * 10;
    whole = next;
  }
  p += digits;
  if (scale > 0) {
    numericBytes[p] = 46;
    for (let q = p + scale; q > p; q--) {
      const next = Math.floor(fraction / 10);
      numericBytes[q] = 48 + fraction - next * 10;
      fraction = next;
    }
    p += scale + 1;
  }
  return p;
}

/** Adds one value of a column to the row: nothing to return, or why the copy would reject it. */
export type ElementHasher = (value: unknown) => { reason: string } | undefined;

/**
 * Adds the commonest raw SQLite values of a column to the row without their canonical text: true when it did,
 * false (nothing added) for any other value, which the column's ElementHasher then takes. It takes no string
 * with a character outside ASCII (so none that was invalid UTF-8), and the value must be the raw one (no value
 * rules applied to it).
 */
export type FastHasher = (value: unknown) => boolean;

/** Integers that need no BigInt (and no canonical text) on the hot path, per column type. */
const SAFE_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)],
};

const TWO_50 = 2 ** 50;

/** The fast path of a column of this kind and target type, if it has one (see FastHasher). */
export function fastHasher(kind: HashKind, type: string): FastHasher | undefined {
  const t = type.toLowerCase();
  switch (kind) {
    case 'int': {
      const [min, max] = SAFE_RANGES[t] ?? [0n, -1n];
      const [low, high] = [Number(min), Number(max)];
      // An integer in the column's range is what the copy writes.
      return (v) => {
        if (typeof v === 'bigint') {
          if (v < min || v > max) return false;
          pushInt(Number(v));
          return true;
        }
        if (typeof v !== 'number' || !Number.isInteger(v) || v < low || v > high) return false;
        pushInt(v === 0 ? 0 : v);
        return true;
      };
    }
    case 'float': {
      const real = t === 'real';
      return (v) => {
        if (typeof v !== 'number') return false;
        // The copy writes -0 as 0, which hashes the same; a real is the double its float widens to.
        pushFloat(real ? Math.fround(v) : v);
        return true;
      };
    }
    case 'timestamp':
      return (v) => {
        if (typeof v !== 'string') return false;
        const micros = simpleMicros(v);
        if (Number.isNaN(micros)) return false;
        pushInt(micros);
        return true;
      };
    case 'text': {
      // ASCII without NUL is its own canonical text (a varchar(n) value only up to n characters).
      const max = /^character varying\((\d+)\)$/.exec(t);
      const limit = max ? Number(max[1]) : Number.POSITIVE_INFINITY;
      return (v) => {
        if (typeof v !== 'string' || v.length > limit || !hashAscii(v, SEED_HI, SEED_LO)) return false;
        push(hashHi, hashLo);
        return true;
      };
    }
    case 'output': {
      // A flat object of plain values is written in jsonb's form straight into bytes (no string built).
      if (t === 'json' || t === 'jsonb')
        return (v) => {
          if (typeof v !== 'string') return false;
          if (jsonBytes.length < v.length * 2 + 2) jsonBytes = Buffer.allocUnsafeSlow(v.length * 4 + 64);
          const n = flatJsonBytes(v, jsonBytes);
          if (n < 0) return false;
          hashBytes(jsonBytes, n, SEED_HI, SEED_LO);
          push(hashHi, hashLo);
          return true;
        };
      // A numeric(p, s) read as a number whose shortest text has at most s fraction digits (which is exactly
      // when it equals m / 10^s for the integer m nearest to it, m below 2^50), or as an integer: its text is
      // m's digits with the point placed, as the canonical text pads it.
      const numeric = /^numeric\(\d+,\s*(\d+)\)$/.exec(t);
      const scale = numeric ? Number(numeric[1]) : -1;
      if (scale < 0 || scale > 15) return undefined;
      const pow = 10 ** scale;
      return (v) => {
        let m: number;
        if (typeof v === 'number') {
          m = Math.round(v * pow);
          if (!(m < TWO_50 && m > -TWO_50) || m / pow !== v || (m === 0 && Object.is(v, -0))) return false;
        } else if (typeof v === 'bigint') {
          const n = Number(v);
          m = n * pow;
          if (!(m < TWO_50 && m > -TWO_50)) return false;
        } else return false;
        hashBytes(numericBytes, writeScaled(m, scale, pow), SEED_HI, SEED_LO);
        push(hashHi, hashLo);
        return true;
      };
    }
    default:
      return undefined;
  }
}

/**
 * The JavaScript side of a typed field of a column of `type`: the SQLite value goes through the column's
 * canonicalizer (the copy's checks and conversions), then is hashed as the value PostgreSQL holds; common values
 * take the column's fast path and skip the text.
 */
export function elementHasher(kind: HashKind, type: string, canonical: Canonicalizer): ElementHasher {
  const via = (hash: (text: string) => void): ElementHasher => {
    const fast = fastHasher(kind, type);
    return (v) => {
      if (fast?.(v)) return undefined;
      const c: Canonical = v === null || v === undefined ? null : canonical(v);
      if (c === null) pushNull();
      else if (typeof c === 'string') hash(c);
      else return c;
      return undefined;
    };
  };
  switch (kind) {
    case 'int':
      return via((t) => pushInt(BigInt(t)));
    case 'float':
      return via((t) => pushFloat(Number(t)));
    case 'bool':
      return via((t) => pushBool(t === 't'));
    case 'uuid':
      return via(pushUuid);
    case 'timestamp':
      return via(pushTimestamp);
    case 'date':
      return via(pushDate);
    case 'text':
    case 'output':
      return via(pushText);
  }
}
