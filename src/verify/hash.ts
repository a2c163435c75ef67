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

/** The UTF-8 bytes of `text` in a reused buffer; returns their length. */
function utf8(text: string): number {
  if (text.length * 3 > scratch.length) grow(text.length * 3);
  return scratch.write(text, 0, 'utf8');
}

function grow(bytes: number): void {
  const next = Buffer.allocUnsafeSlow(Math.max(bytes + 1024, scratch.length * 2));
  scratch.copy(next);
  scratch = next;
}

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

// The result of hashBytes (two numbers, no array per row).
let hashHi = 0;
let hashLo = 0;

const word = (k: Buffer, i: number) => k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24);

/** hash_bytes_extended(k, len, 0): sets hashHi (signed) and hashLo (unsigned). */
function hashBytes(k: Buffer, length: number): void {
  let len = length;
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
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

  /** Adds the row of these canonical fields: the bytes of rowText(fields), written and hashed in place. */
  addRecord(fields: readonly (string | null)[]): void {
    hashBytes(scratch, writeRecord(fields));
    this.hi += hashHi;
    this.lo += hashLo;
    if (++this.count % 1_000_000 === 0) this.fold();
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
function writeRecord(fields: readonly (string | null)[]): number {
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
