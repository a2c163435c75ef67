/**
 * SQLite values -> PostgreSQL's binary COPY format, for tables whose every column has a built-in type this file
 * writes. The server then parses no text: no field splitting, no uuid or timestamp parsing, which is most of what
 * a COPY costs it. Every value goes through the same checks as the text encoders (encode.ts) first, so a table
 * copies the same rows, rejects the same rows with the same reasons, and stores the same values either way; the
 * tests compare the two formats value by value.
 *
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 (each type as its `*_send`
 * writes it).
 */
import {
  asText,
  booleanValue,
  bytesOf,
  checkArray,
  checkClock,
  checkDateTime,
  checkFloat,
  checkInteger,
  checkJson,
  Invalid,
  integerRange,
  lengthCheck,
  maxLengthOf,
  numberValue,
  uuidValue,
} from './encode.js';
import { type DateTime, timestampMicros } from './time.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 4294967296;

/**
 * One batch of binary COPY rows, written into a growing buffer. A row that turns out to be rejected is taken
 * back (`rollback`) before the next one is written.
 */
export class BinaryRows {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private rowStart = 0;

  constructor(private readonly size = 1 << 17) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 1024));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** The stream's header: signature, flags, no extension. */
  header(): void {
    this.room(19);
    SIGNATURE.copy(this.buf, this.pos);
    this.view.setInt32(this.pos + 11, 0);
    this.view.setInt32(this.pos + 15, 0);
    this.pos += 19;
  }

  /** The stream's end. */
  trailer(): void {
    this.room(2);
    this.view.setInt16(this.pos, -1);
    this.pos += 2;
  }

  beginRow(fields: number): void {
    this.rowStart = this.pos;
    this.room(2);
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
  }

  /** Takes back the row begun last. */
  rollback(): void {
    this.pos = this.rowStart;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far; writing goes on into a new buffer (the stream keeps this one). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(this.size, this.pos));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pos = 0;
    return out;
  }

  null(): void {
    this.room(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  int2(n: number): void {
    this.room(6);
    this.view.setInt32(this.pos, 2);
    this.view.setInt16(this.pos + 4, n);
    this.pos += 6;
  }

  int4(n: number): void {
    this.room(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, n);
    this.pos += 8;
  }

  int8(n: number | bigint): void {
    this.room(12);
    this.view.setInt32(this.pos, 8);
    if (typeof n === 'bigint') this.view.setBigInt64(this.pos + 4, n);
    else {
      const hi = Math.floor(n / TWO_32);
      this.view.setInt32(this.pos + 4, hi);
      this.view.setUint32(this.pos + 8, n - hi * TWO_32);
    }
    this.pos += 12;
  }

  float4(x: number): void {
    this.room(8);
    this.view.setInt32(this.pos, 4);
    this.view.setFloat32(this.pos + 4, x);
    this.pos += 8;
  }

  float8(x: number): void {
    this.room(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, x);
    this.pos += 12;
  }

  bool(b: boolean): void {
    this.room(5);
    this.view.setInt32(this.pos, 1);
    this.buf[this.pos + 4] = b ? 1 : 0;
    this.pos += 5;
  }

  /** Text as UTF-8; with `version`, jsonb's version byte first. */
  text(s: string, version?: number): void {
    const extra = version === undefined ? 0 : 1;
    const length = s.length;
    this.room(4 + extra + length * 3);
    const buf = this.buf;
    const start = this.pos + 4 + extra;
    if (version !== undefined) buf[this.pos + 4] = version;
    let n = -1;
    // A short ASCII string is copied here (cheaper than a call into Buffer.write); anything else goes there.
    if (length <= 48) {
      let high = 0;
      for (let i = 0; i < length; i++) {
        const c = s.charCodeAt(i);
        high |= c;
        buf[start + i] = c;
      }
      if (high < 128) n = length;
    }
    if (n < 0) n = buf.write(s, start, 'utf8');
    this.view.setInt32(this.pos, n + extra);
    this.pos = start + n;
  }

  bytes(b: Buffer): void {
    this.room(4 + b.length);
    this.view.setInt32(this.pos, b.length);
    b.copy(this.buf, this.pos + 4);
    this.pos += 4 + b.length;
  }

  /**
   * A uuid from 36 characters of hex digits (either case) and dashes at 8, 13, 18 and 23, checked as it is
   * written; false (nothing written) for any other text.
   */
  uuidText(text: string): boolean {
    if (
      text.length !== 36 ||
      text.charCodeAt(8) !== 45 ||
      text.charCodeAt(13) !== 45 ||
      text.charCodeAt(18) !== 45 ||
      text.charCodeAt(23) !== 45
    )
      return false;
    this.room(20);
    const buf = this.buf;
    const p = this.pos + 4;
    let bad = 0;
    for (let j = 0; j < 16; j++) {
      const i = UUID_PAIRS[j]!;
      const a = NIBBLE[text.charCodeAt(i)]!;
      const b = NIBBLE[text.charCodeAt(i + 1)]!;
      bad |= a | b;
      buf[p + j] = (a << 4) | b;
    }
    if (bad < 0) return false;
    this.view.setInt32(this.pos, 16);
    this.pos += 20;
    return true;
  }

  /** A uuid from its canonical text. */
  uuid(text: string): void {
    this.room(20);
    this.view.setInt32(this.pos, 16);
    let p = this.pos + 4;
    for (let i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) continue;
      this.buf[p++] = (hex(text.charCodeAt(i)) << 4) | hex(text.charCodeAt(i + 1));
      i++;
    }
    this.pos += 20;
  }

  /** A numeric from decimal text; false when numeric cannot hold it (nothing is written then). */
  numeric(text: string): boolean {
    const n = decimalToNumeric(text);
    if (n === null) return false;
    this.room(12 + 2 * n.digits.length);
    this.view.setInt32(this.pos, 8 + 2 * n.digits.length);
    this.view.setInt16(this.pos + 4, n.digits.length);
    this.view.setInt16(this.pos + 6, n.weight);
    this.view.setUint16(this.pos + 8, n.sign);
    this.view.setInt16(this.pos + 10, n.dscale);
    let p = this.pos + 12;
    for (const d of n.digits) {
      this.view.setInt16(p, d);
      p += 2;
    }
    this.pos = p;
    return true;
  }

  /** A one-dimensional array: its header; then `count` elements follow, each written as a field. */
  arrayHeader(elementOid: number, count: number, hasNull: boolean): number {
    this.room(24);
    const start = this.pos;
    // The length is filled in by arrayEnd.
    this.view.setInt32(this.pos + 4, count === 0 ? 0 : 1);
    this.view.setInt32(this.pos + 8, hasNull ? 1 : 0);
    this.view.setInt32(this.pos + 12, elementOid);
    if (count === 0) {
      this.pos += 16;
      return start;
    }
    this.view.setInt32(this.pos + 16, count);
    this.view.setInt32(this.pos + 20, 1);
    this.pos += 24;
    return start;
  }

  arrayEnd(start: number): void {
    this.view.setInt32(start, this.pos - start - 4);
  }
}

const hex = (c: number) => (c <= 57 ? c - 48 : c - 87);
/** Every UTF-16 code unit -> its hex digit's value, or -1. */
const NIBBLE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}
/** Where a uuid's 16 byte pairs start in its 36 characters. */
const UUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Decimal text (as numberValue checks it) -> numeric's base-10000 digits, weight, sign and display scale, as
 * numeric_in would make them; null past numeric's limits (a display scale over 16383, a weight over 32767).
 */
export function decimalToNumeric(
  text: string,
): { digits: number[]; weight: number; sign: number; dscale: number } | null {
  if (text === 'NaN') return { digits: [], weight: 0, sign: NUMERIC_NAN, dscale: 0 };
  if (text === 'Infinity') return { digits: [], weight: 0, sign: NUMERIC_PINF, dscale: 0 };
  if (text === '-Infinity') return { digits: [], weight: 0, sign: NUMERIC_NINF, dscale: 0 };
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  const dscale = Math.max(0, fraction.length - exponent);
  if (dscale > 0x3fff) return null;
  let digits = whole + fraction;
  // Decimal digits before the point.
  let point = whole.length + exponent;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return { digits: [], weight: 0, sign: NUMERIC_POS, dscale };
  // Groups of four aligned on the point: pad on the left so that the point falls on a group boundary.
  const pad = (((4 - (point % 4)) % 4) + 4) % 4;
  digits = '0'.repeat(pad) + digits;
  point += pad;
  if (digits.length % 4 !== 0) digits += '0'.repeat(4 - (digits.length % 4));
  const weight = point / 4 - 1;
  if (weight > 32767 || weight < -32768) return null;
  const groups: number[] = [];
  for (let i = 0; i < digits.length; i += 4) groups.push(Number(digits.slice(i, i + 4)));
  return { digits: groups, weight, sign: m[1] === '-' ? NUMERIC_NEG : NUMERIC_POS, dscale };
}

/** Writes one value (not NULL) of a column, or says why it cannot be stored (nothing written then). */
export type BinaryEncoder = (value: unknown, out: BinaryRows) => Invalid | undefined;

const OUT_OF_RANGE_NUMERIC = new Invalid('out of range for type numeric');

/** PostgreSQL's OIDs of the element types binary arrays are written with. */
const ELEMENT_OIDS: Record<string, number> = {
  smallint: 21,
  integer: 23,
  bigint: 20,
  real: 700,
  'double precision': 701,
  text: 25,
  boolean: 16,
};

/**
 * The binary encoder of a column type, or null when this file does not write the type (the table is then
 * copied as text). `userType`: the column's type is an enum or a domain, which are always copied as text.
 */
export function binaryEncoderFor(type: string, userType: boolean): BinaryEncoder | null {
  if (userType) return null;
  const t = type.toLowerCase();
  const range = integerRange(t);
  if (range) {
    const write = t === 'smallint' ? 2 : t === 'integer' ? 4 : 8;
    const [min, max] = range;
    return (v, out) => {
      let n: bigint;
      if (typeof v === 'bigint' && v >= min && v <= max) n = v;
      else {
        const checked = checkInteger(v, range);
        if (checked instanceof Invalid) return checked;
        n = checked;
      }
      if (write === 2) out.int2(Number(n));
      else if (write === 4) out.int4(Number(n));
      else out.int8(n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n);
      return undefined;
    };
  }
  if (t === 'double precision' || t === 'real') {
    const real = t === 'real';
    return (v, out) => {
      const x = checkFloat(v, real);
      if (typeof x !== 'number') return x;
      if (real) out.float4(x);
      else out.float8(x);
      return undefined;
    };
  }
  if (t === 'numeric' || /^numeric\(\d+(,\s*\d+)?\)$/.test(t)) {
    return (v, out) => {
      const text = numberValue(v);
      if (text instanceof Invalid) return text;
      // The column's precision and scale are applied by the server (numeric_recv), as for text.
      return out.numeric(text.startsWith('+') ? text.slice(1) : text) ? undefined : OUT_OF_RANGE_NUMERIC;
    };
  }
  if (t === 'boolean') {
    return (v, out) => {
      const b = booleanValue(v);
      if (b instanceof Invalid) return b;
      out.bool(b === 't');
      return undefined;
    };
  }
  if (t === 'uuid') {
    return (v, out) => {
      if (typeof v === 'string' && out.uuidText(v)) return undefined;
      const u = uuidValue(v);
      if (u instanceof Invalid) return u;
      out.uuid(u);
      return undefined;
    };
  }
  if (t === 'text' || t === 'character varying') {
    return (v, out) => {
      if (typeof v === 'string' && v.indexOf('\0') === -1) out.text(v);
      else {
        const s = asText(v);
        if (s instanceof Invalid) return s;
        out.text(s);
      }
      return undefined;
    };
  }
  const max = maxLengthOf(t);
  if (max !== null) {
    const check = lengthCheck(max);
    return (v, out) => {
      const s = check(v);
      if (s instanceof Invalid) return s;
      out.text(s);
      return undefined;
    };
  }
  if (t === 'json' || t === 'jsonb') {
    const version = t === 'jsonb' ? 1 : undefined;
    return (v, out) => {
      const s = checkJson(v, t === 'jsonb');
      if (s instanceof Invalid) return s;
      out.text(s, version);
      return undefined;
    };
  }
  if (t === 'timestamp with time zone' || t === 'timestamp without time zone') {
    const zone = t === 'timestamp with time zone';
    return (v, out) => {
      const d = checkDateTime(v);
      if (d instanceof Invalid) return d;
      out.int8(timestampMicros(d, zone));
      return undefined;
    };
  }
  if (t === 'date') {
    return (v, out) => {
      const d = checkDateTime(v);
      if (d instanceof Invalid) return d;
      out.int4(d.days);
      return undefined;
    };
  }
  if (t === 'time without time zone') {
    return (v, out) => {
      const d: DateTime | Invalid = checkClock(v);
      if (d instanceof Invalid) return d;
      out.int8(d.micros);
      return undefined;
    };
  }
  if (t === 'bytea') {
    return (v, out) => {
      out.bytes(bytesOf(v));
      return undefined;
    };
  }
  const array = /^(.+)\[\]$/.exec(t);
  const element = array ? array[1]! : '';
  const oid = ELEMENT_OIDS[element];
  if (oid !== undefined) return arrayEncoder(element, oid);
  return null;
}

/** A JSON array of plain values (checkArray) -> a one-dimensional array of the element type. */
function arrayEncoder(element: string, oid: number): BinaryEncoder {
  const range = integerRange(element);
  const float = element === 'real' || element === 'double precision';
  return (v, out) => {
    const items = checkArray(v, element);
    if (items instanceof Invalid) return items;
    const start = out.arrayHeader(oid, items.length, items.includes(null));
    for (const x of items) {
      if (x === null) out.null();
      else if (range) {
        const n = checkInteger(typeof x === 'number' ? BigInt(x) : x, range) as bigint;
        if (element === 'smallint') out.int2(Number(n));
        else if (element === 'integer') out.int4(Number(n));
        else out.int8(n);
      } else if (float) {
        const f = checkFloat(x, element === 'real') as number;
        if (element === 'real') out.float4(f);
        else out.float8(f);
      } else if (element === 'boolean') out.bool(booleanValue(String(x)) === 't');
      else out.text(String(x));
    }
    out.arrayEnd(start);
    return undefined;
  };
}
