/**
 * The row hash: PostgreSQL's own 64-bit hashtextextended(text, 0) (Bob Jenkins' lookup3, as PostgreSQL's
 * hash_bytes_extended computes it on a little-endian machine), over the UTF-8 bytes of the row's canonical
 * text. The server computes it in C, at scan speed; this module computes the same value for SQLite rows.
 * It is not a cryptographic hash: it finds accidental differences (a random change goes unnoticed with
 * probability 2^-64 per bucket), not forged ones.
 */

/** SQL: the row hash of a text expression (collation "C": the hash is then of the bytes, always). */
export function hashSql(text: string): string {
  return `hashtextextended((${text}) COLLATE "C", 0)`;
}

let scratch = Buffer.allocUnsafe(1 << 16);

/** The UTF-8 bytes of `text` in a reused buffer; returns their length. */
function utf8(text: string): number {
  if (text.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(text.length * 3 + 1024);
  return scratch.write(text, 0, 'utf8');
}

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** hash_bytes_extended(k, len, 0): returns the high and low 32 bits (hi signed, lo unsigned). */
function hashBytes(k: Buffer, length: number): [number, number] {
  let len = length;
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  let i = 0;
  while (len >= 12) {
    a = (a + k.readInt32LE(i)) | 0;
    b = (b + k.readInt32LE(i + 4)) | 0;
    c = (c + k.readInt32LE(i + 8)) | 0;
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
  return [b | 0, c >>> 0];
}

/** The row hash of a canonical text, as a signed 64-bit integer (what hashtextextended returns). */
export function rowHash(text: string): bigint {
  const [hi, lo] = hashBytes(scratch, utf8(text));
  return (BigInt(hi) << 32n) | BigInt(lo);
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
    const [hi, lo] = hashBytes(scratch, utf8(text));
    this.hi += hi;
    this.lo += lo;
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
  const [, lo] = hashBytes(scratch, utf8(text));
  return lo;
}
