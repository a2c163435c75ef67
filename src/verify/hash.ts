/**
 * The row hash: PostgreSQL's own 64-bit hashtextextended(text, 0) (Bob Jenkins' lookup3, as PostgreSQL's
 * hash_bytes_extended computes it on a little-endian machine), over the UTF-8 bytes of the row's canonical
 * text. The server computes it in C, at scan speed; this module computes the same value for SQLite rows.
 * It is not a cryptographic hash: it finds accidental differences (a random change goes unnoticed with
 * probability 2^-64 per bucket), not forged ones.
 */
import { recordField } from './canonical.js';

/** SQL: the row hash of a text expression (collation "C": the hash is then of the bytes, always). */
export function hashSql(text: string): string {
  return `hashtextextended((${text}) COLLATE "C", 0)`;
}

let scratch = Buffer.allocUnsafeSlow(1 << 16);

/** The UTF-8 bytes of `text` in a reused buffer (`scratchBuffer()`); returns their length. */
export function utf8(text: string): number {
  if (text.length * 3 > scratch.length) grow(text.length * 3);
  return scratch.write(text, 0, 'utf8');
}

/** The buffer utf8() and writeRecord() write into (it may be replaced by a larger one). */
export function scratchBuffer(): Buffer {
  return scratch;
}

function grow(bytes: number): void {
  const next = Buffer.allocUnsafeSlow(Math.max(bytes + 1024, scratch.length * 2));
  scratch.copy(next);
  scratch = next;
}

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** The state lookup3 starts from, set by start(). */
let startA = 0;
let startB = 0;
let startC = 0;
/** Start states for the typed seed (0, 1) by length, filled as lengths are seen: every typed field uses it. */
const CACHED_LENGTHS = 4096;
const cachedStart = new Int32Array(CACHED_LENGTHS * 3);
const cachedReady = new Uint8Array(CACHED_LENGTHS);

/**
 * lookup3's start state for `len` bytes: a = b = c = 0x9e3779b9 + len + 3923095, then, for a seed other than 0,
 * the seed's two halves added and mixed in as PostgreSQL's hash_bytes_extended does. Sets startA/B/C.
 */
function start(len: number, seedHi: number, seedLo: number): void {
  const cache = seedHi === 0 && seedLo === 1 && len < CACHED_LENGTHS;
  if (cache && cachedReady[len] === 1) {
    startA = cachedStart[len * 3]!;
    startB = cachedStart[len * 3 + 1]!;
    startC = cachedStart[len * 3 + 2]!;
    return;
  }
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  if (seedHi !== 0 || seedLo !== 0) {
    a = (a + seedHi) | 0;
    b = (b + seedLo) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
  }
  startA = a;
  startB = b;
  startC = c;
  if (cache) {
    cachedStart[len * 3] = a;
    cachedStart[len * 3 + 1] = b;
    cachedStart[len * 3 + 2] = c;
    cachedReady[len] = 1;
  }
}

/** The result of the last hash (two numbers, no array or BigInt per row): high half signed, low half unsigned. */
export let hashHi = 0;
export let hashLo = 0;

const word = (k: Buffer, i: number) => k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24);

/**
 * hash_bytes_extended(k, len, seed), the seed given as its high and low 32 bits: sets hashHi and hashLo.
 * A seed other than 0 perturbs the state first, as PostgreSQL does (the seed as a 12-byte chunk of its own).
 */
export function hashBytes(k: Buffer, length: number, seedHi = 0, seedLo = 0): void {
  let len = length;
  start(len, seedHi, seedLo);
  let a = startA;
  let b = startB;
  let c = startC;
  let i = 0;
  while (len >= 12) {
    a = (a + word(k, i)) | 0;
    b = (b + word(k, i + 4)) | 0;
    c = (c + word(k, i + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    i += 12;
    len -= 12;
  }
  // The last 11 bytes (little-endian byte order).
  switch (len) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 11:
      c = (c + (k[i + 10]! << 24)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 10:
      c = (c + (k[i + 9]! << 16)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 9:
      c = (c + (k[i + 8]! << 8)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 8:
      b = (b + (k[i + 7]! << 24)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 7:
      b = (b + (k[i + 6]! << 16)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 6:
      b = (b + (k[i + 5]! << 8)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 5:
      b = (b + k[i + 4]!) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 4:
      a = (a + (k[i + 3]! << 24)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 3:
      a = (a + (k[i + 2]! << 16)) | 0;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: lookup3's tail falls through by design
    case 2:
      a = (a + (k[i + 1]! << 8)) | 0;
    case 1:
      a = (a + k[i]!) | 0;
  }
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  hashHi = b | 0;
  hashLo = c >>> 0;
}

/**
 * hash_uint32_extended(k, seed): what hashint2/4/8extended, hashcharextended (booleans) and the date and
 * timestamp hashes reduce to. Sets hashHi and hashLo.
 */
export function hashUint32(k: number, seedHi = 0, seedLo = 0): void {
  start(4, seedHi, seedLo);
  let a = startA;
  let b = startB;
  let c = startC;
  a = (a + k) | 0;
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  hashHi = b | 0;
  hashLo = c >>> 0;
}

/**
 * hash_bytes_extended(s, seed) straight from the characters of an ASCII string without NUL (its UTF-8 bytes are
 * its characters): no copy into a buffer. False, with nothing hashed, for any other string.
 */
export function hashAscii(s: string, seedHi: number, seedLo: number): boolean {
  let len = s.length;
  start(len, seedHi, seedLo);
  let a = startA;
  let b = startB;
  let c = startC;
  // Any character outside 1..127 sets a bit above the seventh in (x - 1) | x; checked once, at the end.
  let bad = 0;
  let i = 0;
  while (len >= 12) {
    const x0 = s.charCodeAt(i);
    const x1 = s.charCodeAt(i + 1);
    const x2 = s.charCodeAt(i + 2);
    const x3 = s.charCodeAt(i + 3);
    const x4 = s.charCodeAt(i + 4);
    const x5 = s.charCodeAt(i + 5);
    const x6 = s.charCodeAt(i + 6);
    const x7 = s.charCodeAt(i + 7);
    const x8 = s.charCodeAt(i + 8);
    const x9 = s.charCodeAt(i + 9);
    const x10 = s.charCodeAt(i + 10);
    const x11 = s.charCodeAt(i + 11);
    bad |=
      (x0 - 1) |
      x0 |
      (x1 - 1) |
      x1 |
      (x2 - 1) |
      x2 |
      (x3 - 1) |
      x3 |
      (x4 - 1) |
      x4 |
      (x5 - 1) |
      x5 |
      ((x6 - 1) | x6 | (x7 - 1) | x7 | (x8 - 1) | x8 | (x9 - 1) | x9 | (x10 - 1) | x10 | (x11 - 1) | x11);
    a = (a + (x0 | (x1 << 8) | (x2 << 16) | (x3 << 24))) | 0;
    b = (b + (x4 | (x5 << 8) | (x6 << 16) | (x7 << 24))) | 0;
    c = (c + (x8 | (x9 << 8) | (x10 << 16) | (x11 << 24))) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    i += 12;
    len -= 12;
  }
  // The last 11 characters at most: a, then b, then c from their second byte (the lowest is the length's).
  for (let j = 0; j < len; j++) {
    const x = s.charCodeAt(i + j);
    bad |= (x - 1) | x;
    if (j < 4) a = (a + (x << (8 * j))) | 0;
    else if (j < 8) b = (b + (x << (8 * (j - 4)))) | 0;
    else c = (c + (x << (8 * (j - 7)))) | 0;
  }
  if ((bad & ~0x7f) !== 0) return false;
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  hashHi = b | 0;
  hashLo = c >>> 0;
  return true;
}

/** The row hash of a canonical text, as a signed 64-bit integer (what hashtextextended returns). */
export function rowHash(text: string): bigint {
  hashBytes(scratch, utf8(text));
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

/**
 * A running sum of row hashes without a BigInt per row: the high halves (signed) and the low halves (unsigned)
 * are summed apart as doubles, exact up to 2^21 rows per sum, and folded into a BigInt on read.
 */
export class HashSum {
  count = 0;
  private hi = 0;
  private lo = 0;
  private folded = 0n;

  add(text: string): void {
    hashBytes(scratch, utf8(text));
    this.hi += hashHi;
    this.lo += hashLo;
    if (++this.count % 1_000_000 === 0) this.fold();
  }

  /** Adds the hash just computed (hashHi, hashLo), e.g. a typed row hash. */
  addHashed(): void {
    this.hi += hashHi;
    this.lo += hashLo;
    if (++this.count % 1_000_000 === 0) this.fold();
  }

  /** Adds the row of these canonical fields: the bytes of rowText(fields), written and hashed in place. */
  addRecord(fields: readonly (string | null)[]): void {
    hashBytes(scratch, writeRecord(fields));
    this.hi += hashHi;
    this.lo += hashLo;
    if (++this.count % 1_000_000 === 0) this.fold();
  }

  /** Adds rows summed elsewhere (the native hash): their number and the exact sum of their hashes. */
  addSum(count: number, sum: bigint): void {
    this.count += count;
    this.folded += sum;
  }

  private fold(): void {
    this.folded += (BigInt(this.hi) << 32n) + BigInt(this.lo);
    this.hi = 0;
    this.lo = 0;
  }

  get sum(): bigint {
    this.fold();
    return this.folded;
  }
}

/** The bucket hash of a key's canonical text: the low 32 bits of its row hash, as SQL `hashSql(...) & mask`. */
export function keyHash32(text: string): number {
  hashBytes(scratch, utf8(text));
  return hashLo;
}

/**
 * Writes PostgreSQL's record text of the fields (see rowText) into the scratch buffer; returns its length.
 * ASCII values are copied char by char with their quoting decided in the same pass; others go through rowText's
 * rules and Buffer.write.
 */
export function writeRecord(fields: readonly (string | null)[]): number {
  let pos = 0;
  if (scratch.length < 64) grow(64);
  scratch[pos++] = 40;
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) scratch[pos++] = 44;
    const v = fields[i];
    if (v === null || v === undefined) continue;
    const n = v.length;
    if (pos + n * 6 + 8 > scratch.length) grow(pos + n * 6 + 8);
    const k = scratch;
    // One pass: bytes are written as they are read; `"` and `\\` are doubled (they force quotes anyway); the
    // quotes are added at the end when a character asked for them.
    const start = pos;
    let quote = n === 0;
    let ascii = true;
    for (let j = 0; j < n; j++) {
      const c = v.charCodeAt(j);
      if (c > 127) {
        ascii = false;
        break;
      }
      if (c === 34 || c === 92) {
        quote = true;
        k[pos++] = c;
      } else if (c === 44 || c === 40 || c === 41 || c === 32 || (c >= 9 && c <= 13)) quote = true;
      k[pos++] = c;
    }
    if (!ascii) {
      pos = start + k.write(recordField(v), start, 'utf8');
    } else if (quote) {
      k.copyWithin(start + 1, start, pos);
      k[start] = 34;
      pos += 1;
      k[pos++] = 34;
    }
  }
  if (pos + 1 > scratch.length) grow(pos + 1);
  scratch[pos++] = 41;
  return pos;
}
