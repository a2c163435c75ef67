/**
 * The canonical row encoding: the same row gives the same text, and so the same hash, whether PostgreSQL
 * computes it in SQL or Cleave computes it in JavaScript from a SQLite row.
 *
 * A row's text is PostgreSQL's record output of its canonical values, `(v1,v2,...)`: NULL is an empty field,
 * the empty string is `""`, a field with a comma, a quote, a parenthesis, a backslash or white space is quoted
 * with `"` and `\` doubled. Each value is the output of its target type in a session with fixed settings
 * (UTC, ISO dates, hex bytea, shortest round-trip floats), after these rules, which are the only normalisation
 * (each is listed in docs/verify.md because it could hide a difference):
 *
 * - numeric: as stored, scale included (a numeric(p,s) column always prints s digits);
 * - real: compared as the double it widens to; double precision: shortest round-trip form;
 * - timestamptz: in UTC (the same instant written in another zone is the same value);
 * - json: as jsonb prints it (keys sorted, duplicate keys resolved, insignificant white space dropped);
 * - boolean t/f, uuid lower case, bytea hex: what PostgreSQL prints anyway.
 */
import { isUtf8 } from 'node:buffer';
import { encoderFor, Invalid } from '../copy/encode.js';
import { type DateTime, parseDateTime, timestampMicros } from '../copy/time.js';

/** Session settings under which PostgreSQL's output of a value is its canonical text. */
export const CANONICAL_SESSION = [
  "SET TIME ZONE 'UTC'",
  "SET datestyle = 'ISO, YMD'",
  "SET intervalstyle = 'postgres'",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
];

const base = (type: string) => type.toLowerCase().replace(/^(?:"[^"]+"|\w+)\./, '');

/** SQL: the canonical value of `expression`, whose type is the target column's `type` (format_type). */
export function canonicalSql(expression: string, type: string): string {
  const t = base(type);
  if (t === 'real') return `(${expression})::float8`;
  if (t === 'real[]') return `(${expression})::float8[]`;
  if (t === 'json') return `(${expression})::jsonb`;
  if (t === 'money') return `(${expression})::numeric`;
  return expression;
}

/** SQL: the canonical text of a row of canonical values. */
export function rowSql(values: readonly string[]): string {
  return `ROW(${values.join(', ')})::text`;
}

/** The canonical text of one SQLite value for a target column, or why it cannot be a value of that type. */
export type Canonical = string | null | { reason: string };
export type Canonicalizer = (value: unknown) => Canonical;

const TEXT_TYPES = /^(text|character varying(\(\d+\))?|name|citext|"char")$/;

/**
 * JavaScript: the canonical text a SQLite value has once copied into a column of `type`: the value goes through
 * the copy's own encoder (the same checks and conversions), then is written as PostgreSQL prints that type.
 * Returns null for types whose output PostgreSQL alone defines (intervals, network types, ranges): those columns
 * are reported as not compared for SQLite sources.
 */
export function canonicalizerFor(type: string, options: { enum?: boolean } = {}): Canonicalizer | null {
  const t = base(type);
  const encode = encoderFor({ name: '', type: t });
  const via =
    (finish: (input: string) => string): Canonicalizer =>
    (v) => {
      if (v === null || v === undefined) return null;
      const e = encode(v);
      return e instanceof Invalid ? { reason: e.reason } : finish(unescapeCopy(e));
    };
  // Fast paths for the common values (each falls back to the full rule); the slow rules are the definition.
  if (t === 'smallint' || t === 'integer' || t === 'bigint') {
    const slow = via((s) => s);
    const [min, max] = INTEGER_RANGES[t]!;
    return (v) => (typeof v === 'bigint' && v >= min && v <= max ? v.toString() : slow(v));
  }
  if (t === 'boolean' || t === 'uuid') return via((s) => s);
  if (TEXT_TYPES.test(t) || options.enum) {
    const slow = via((s) => s);
    if (t !== 'text' && !options.enum) return slow;
    return (v) => {
      if (typeof v === 'string' && v.indexOf('\0') === -1) return v;
      if (Buffer.isBuffer(v) && v.indexOf(0) === -1 && isUtf8(v)) return v.toString('utf8');
      return slow(v);
    };
  }
  const bpchar = /^character\((\d+)\)$/.exec(t);
  if (bpchar) {
    const n = Number(bpchar[1]);
    return via((s) => s + ' '.repeat(Math.max(0, n - [...s].length)));
  }
  const numeric = /^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (numeric) {
    const scale = numeric[1] === undefined ? undefined : Number(numeric[2] ?? 0);
    const slow = via((s) => canonicalNumeric(s, scale, false));
    if (scale === undefined) return slow;
    return (v) => {
      // A number whose shortest text has no exponent and no more fraction digits than the scale: padded.
      if (typeof v !== 'number' && typeof v !== 'bigint') return slow(v);
      const text = String(v);
      const point = text.indexOf('.');
      const digits = point === -1 ? 0 : text.length - point - 1;
      if (
        digits > scale ||
        text.includes('e') ||
        text === '-0' ||
        (text.startsWith('-') && /^-0\.?0*$/.test(text))
      )
        return slow(v);
      if (scale === 0) return text;
      return `${text}${point === -1 ? '.' : ''}${'0'.repeat(scale - digits)}`;
    };
  }
  if (t === 'double precision') {
    const slow = via((s) => pgFloat(Number(floatInput(s))));
    // The copy writes -0 as 0 (String(-0)).
    return (v) => (typeof v === 'number' ? pgFloat(v === 0 ? 0 : v) : slow(v));
  }
  if (t === 'real') return via((s) => pgFloat(Math.fround(Number(floatInput(s)))));
  if (t === 'json' || t === 'jsonb') {
    const slow = via((s) => canonicalJson(s));
    return (v) => {
      if (typeof v === 'string') return (v.indexOf('\0') === -1 ? fastJson(v) : null) ?? slow(v);
      if (!Buffer.isBuffer(v) || v.indexOf(0) !== -1 || !isUtf8(v)) return slow(v);
      return fastJson(v.toString('utf8')) ?? slow(v);
    };
  }
  if (t === 'bytea') return via((s) => s.toLowerCase());
  if (t === 'timestamp with time zone') {
    const slow = via((s) => formatMicros(timestampMicros(parseTime(s), true), true));
    return (v) =>
      (typeof v === 'string'
        ? fastTimestamp(v)
        : Buffer.isBuffer(v)
          ? fastTimestamp(v.toString('latin1'))
          : null) ?? slow(v);
  }
  if (t === 'timestamp without time zone')
    return via((s) => formatMicros(timestampMicros(parseTime(s), false), false));
  // A date keeps the day as written (24:00:00 does not move it); a time its clock, up to 24:00:00.
  if (t === 'date') return via((s) => formatDate(parseTime(s).days));
  if (t === 'time without time zone') return via((s) => formatClock(parseTime(s).micros));
  const array = /^(smallint|integer|bigint|real|double precision|text)\[\]$/.exec(t);
  if (array) return arrayCanonicalizer(array[1]!);
  return null;
}

/** COPY text escapes undone (the copy encoder's output is COPY text). */
function unescapeCopy(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}

function floatInput(s: string): string {
  const lower = s.toLowerCase();
  if (lower === 'infinity' || lower === '+infinity') return 'Infinity';
  if (lower === '-infinity') return '-Infinity';
  return s;
}

/** A double as PostgreSQL prints float8 with extra_float_digits > 0: shortest round-trip, %g-style exponents. */
export function pgFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  const abs = Math.abs(x);
  // JavaScript prints these in fixed notation with the same shortest digits.
  if (abs >= 1e-4 && abs < 1e15) return String(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/[-.]/g, '');
  const exponent = Number(exponentText);
  let out: string;
  if (exponent >= -4 && exponent < 15) {
    if (exponent < 0) out = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    else if (digits.length <= exponent + 1) out = digits + '0'.repeat(exponent + 1 - digits.length);
    else out = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    const e = Math.abs(exponent);
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * A decimal as PostgreSQL's numeric prints it: rounded half away from zero to `scale` when the column has one,
 * and with trailing fractional zeros dropped when `trim` (trim_scale); otherwise the scale numeric_in gives it.
 */
export function canonicalNumeric(text: string, scale: number | undefined, trim: boolean): string {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (lower === 'nan') return 'NaN';
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return 'Infinity';
  if (lower === '-infinity' || lower === '-inf') return '-Infinity';
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) throw new Error(`not a number: ${s}`);
  const negative = m[1] === '-';
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? 0);
  // value = digits × 10^-(fraction length - exponent); the displayed scale follows numeric_in.
  let digits = (whole + fraction).replace(/^0+/, '');
  let displayScale = Math.max(0, fraction.length - exponent);
  let pointFromRight = fraction.length - exponent; // digits right of the decimal point (may be negative)
  if (pointFromRight < 0) {
    digits = digits === '' ? '' : digits + '0'.repeat(-pointFromRight);
    pointFromRight = 0;
  }
  if (scale !== undefined && pointFromRight > scale) {
    const drop = pointFromRight - scale;
    const kept = digits.length > drop ? digits.slice(0, digits.length - drop) : '';
    const next = digits.length >= drop ? Number(digits[digits.length - drop] ?? '0') : 0;
    digits = next >= 5 ? increment(kept === '' ? '0' : kept) : kept;
    pointFromRight = scale;
  }
  if (scale !== undefined) displayScale = scale;
  // Pad to the display scale, then place the point.
  if (displayScale > pointFromRight) {
    digits = digits + '0'.repeat(displayScale - pointFromRight);
    pointFromRight = displayScale;
  }
  digits = digits.replace(/^0+/, '');
  const padded = digits.padStart(pointFromRight + 1, '0');
  let intPart = padded.slice(0, padded.length - pointFromRight);
  let fracPart = pointFromRight > 0 ? padded.slice(padded.length - pointFromRight) : '';
  if (trim) fracPart = fracPart.replace(/0+$/, '');
  intPart = intPart.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(intPart + fracPart);
  return `${negative && !zero ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}

function increment(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === '9') out[i] = '0';
    else {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
  }
  return `1${out.join('')}`;
}

// ---- time ----------------------------------------------------------------------------------------------

/** The copy's reading of a date/time text (the same as PostgreSQL's; the copy rejected those it refuses). */
function parseTime(s: string): DateTime {
  const t = parseDateTime(s);
  if (!t) throw new Error(`not an ISO-8601 time: ${s}`);
  return t;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A day since 2000-01-01 as `YYYY-MM-DD`. */
function formatDate(days: number): string {
  const d = new Date((days + 10_957) * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Microseconds since midnight as `HH:MM:SS[.ffffff]` (trailing zeros dropped, as PostgreSQL prints it). */
function formatClock(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const clock = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  return fraction === 0 ? clock : `${clock}.${pad(fraction, 6).replace(/0+$/, '')}`;
}

/** Microseconds since 2000-01-01 as PostgreSQL prints a timestamp (`+00` for a timestamptz in UTC). */
function formatMicros(total: number | bigint, zone: boolean): string {
  const big = BigInt(total);
  let days = big / 86_400_000_000n;
  let rest = big - days * 86_400_000_000n;
  if (rest < 0n) {
    days -= 1n;
    rest += 86_400_000_000n;
  }
  return `${formatDate(Number(days))} ${formatClock(Number(rest))}${zone ? '+00' : ''}`;
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (no zone, Z or +00): already the canonical text but for its zone. */
const SIMPLE_UTC =
  /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8]))[T ]([01]\d|2[0-3])(:[0-5]\d:[0-5]\d)(?:\.(\d{1,6}))?(?:Z|\+00(?::?00)?)?$/;

function fastTimestamp(s: string): string | null {
  const m = SIMPLE_UTC.exec(s);
  if (!m) return null;
  let fraction = m[4] ?? '';
  if (fraction) {
    let end = fraction.length;
    while (end > 0 && fraction.charCodeAt(end - 1) === 48) end--;
    fraction = end > 0 ? `.${fraction.slice(0, end)}` : '';
  }
  return `${m[1]} ${m[2]}${m[3]}${fraction}+00`;
}

/** The index of the first character at or after i that is not JSON white space. */
function jsonSpaceEnd(t: string, i: number): number {
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
  }
  return i;
}

/** The end (after the closing quote) of a string without escapes or non-ASCII characters at i, or -1. */
function plainStringEnd(t: string, i: number): number {
  if (t.charCodeAt(i) !== 34) return -1;
  for (i++; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92 || c < 32 || c > 126) return -1;
  }
  return -1;
}

/** Members of the flat object last scanned: offsets of each key (quotes included) and value in the text. */
const MAX_MEMBERS = 64;
const keyStart = new Int32Array(MAX_MEMBERS);
const keyEnd = new Int32Array(MAX_MEMBERS);
/** -1: the value `-0`, which jsonb prints as `0`. */
const valueStart = new Int32Array(MAX_MEMBERS);
const valueEnd = new Int32Array(MAX_MEMBERS);
/** Member indexes in jsonb's order, the last of duplicate keys only. */
const order = new Int32Array(MAX_MEMBERS);

/** Keys sort by length, then bytes (ASCII: code units); equal keys by position. */
function keyBefore(t: string, x: number, y: number): boolean {
  const lx = keyEnd[x]! - keyStart[x]!;
  const ly = keyEnd[y]! - keyStart[y]!;
  if (lx !== ly) return lx < ly;
  for (let i = 0; i < lx; i++) {
    const a = t.charCodeAt(keyStart[x]! + i);
    const b = t.charCodeAt(keyStart[y]! + i);
    if (a !== b) return a < b;
  }
  return x < y;
}

function sameKey(t: string, x: number, y: number): boolean {
  const n = keyEnd[x]! - keyStart[x]!;
  if (n !== keyEnd[y]! - keyStart[y]!) return false;
  for (let i = 0; i < n; i++)
    if (t.charCodeAt(keyStart[x]! + i) !== t.charCodeAt(keyStart[y]! + i)) return false;
  return true;
}

/**
 * The commonest JSON in a SQLite column, a flat object of plain values ({"k": 1, "tag": "x", "on": true}),
 * scanned in one pass without building objects: fills `order` and returns how many members it keeps, or -1 for
 * anything else (nesting, escapes, fractions, long integers, non-ASCII, more than 64 members).
 */
function scanFlatObject(t: string): number {
  let i = jsonSpaceEnd(t, 0);
  if (t.charCodeAt(i) !== 123) return -1;
  i = jsonSpaceEnd(t, i + 1);
  let n = 0;
  if (t.charCodeAt(i) === 125) i++;
  else {
    for (;;) {
      if (n === MAX_MEMBERS) return -1;
      i = jsonSpaceEnd(t, i);
      keyStart[n] = i;
      i = plainStringEnd(t, i);
      if (i < 0) return -1;
      keyEnd[n] = i;
      i = jsonSpaceEnd(t, i);
      if (t.charCodeAt(i) !== 58) return -1;
      i = jsonSpaceEnd(t, i + 1);
      const c = t.charCodeAt(i);
      valueStart[n] = i;
      if (c === 34) {
        i = plainStringEnd(t, i);
        if (i < 0) return -1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (c === 45) i++;
        const digits = i;
        for (; i < t.length; i++) {
          const d = t.charCodeAt(i);
          if (d < 48 || d > 57) break;
        }
        const d = i - digits;
        if (d === 0 || d > 15 || (d > 1 && t.charCodeAt(digits) === 48)) return -1;
        const next = t.charCodeAt(i);
        if (next === 46 || next === 101 || next === 69) return -1;
        if (c === 45 && d === 1 && t.charCodeAt(digits) === 48) valueStart[n] = -1;
      } else if (c === 116 && t.startsWith('true', i)) i += 4;
      else if (c === 102 && t.startsWith('false', i)) i += 5;
      else if (c === 110 && t.startsWith('null', i)) i += 4;
      else return -1;
      valueEnd[n] = i;
      n++;
      i = jsonSpaceEnd(t, i);
      const sep = t.charCodeAt(i++);
      if (sep === 125) break;
      if (sep !== 44) return -1;
    }
  }
  if (jsonSpaceEnd(t, i) !== t.length) return -1;
  // Insertion sort (objects are small), then the last of each run of equal keys (as in jsonb).
  for (let m = 0; m < n; m++) {
    let j = m;
    while (j > 0 && keyBefore(t, m, order[j - 1]!)) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = m;
  }
  let kept = 0;
  for (let m = 0; m < n; m++) {
    if (m + 1 < n && sameKey(t, order[m]!, order[m + 1]!)) continue;
    order[kept++] = order[m]!;
  }
  return kept;
}

/** The canonical text of a flat object (see scanFlatObject), or null. */
function flatJsonObject(t: string): string | null {
  const n = scanFlatObject(t);
  if (n < 0) return null;
  let out = '{';
  for (let m = 0; m < n; m++) {
    const x = order[m]!;
    const value = valueStart[x]! < 0 ? '0' : t.slice(valueStart[x]!, valueEnd[x]!);
    out += `${m === 0 ? '' : ', '}${t.slice(keyStart[x]!, keyEnd[x]!)}: ${value}`;
  }
  return `${out}}`;
}

/**
 * The canonical text of a flat object (see scanFlatObject) written as bytes into `into` (which must hold twice
 * the text's length plus 2), without building a string: its length, or -1.
 */
export function flatJsonBytes(t: string, into: Buffer): number {
  const n = scanFlatObject(t);
  if (n < 0) return -1;
  let p = 0;
  into[p++] = 123;
  for (let m = 0; m < n; m++) {
    const x = order[m]!;
    if (m > 0) {
      into[p++] = 44;
      into[p++] = 32;
    }
    for (let i = keyStart[x]!; i < keyEnd[x]!; i++) into[p++] = t.charCodeAt(i);
    into[p++] = 58;
    into[p++] = 32;
    if (valueStart[x]! < 0) into[p++] = 48;
    else for (let i = valueStart[x]!; i < valueEnd[x]!; i++) into[p++] = t.charCodeAt(i);
  }
  into[p++] = 125;
  return p;
}

const byLengthThenCode = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/**
 * JSON through JSON.parse when nothing in it can lose precision there (no fractions, exponents or integers
 * past 2^53) and every key is ASCII (byte length = string length); otherwise null, and the full parser runs.
 */
function fastJson(text: string): string | null {
  const flat = flatJsonObject(text);
  if (flat !== null) return flat;
  if (/[.eE]\d|\d{16}|[^ -~\t\n\r]/.test(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  try {
    return jsonOut(value);
  } catch {
    return null;
  }
}

function jsonOut(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return plainJsonString(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += i === 0 ? jsonOut(v[i]) : `, ${jsonOut(v[i])}`;
    return `${out}]`;
  }
  const keys = Object.keys(v);
  // Sorting by string length equals jsonb's sorting by byte length only for ASCII keys (\u escapes may not be).
  for (const k of keys)
    for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) > 126) throw new Error('non-ASCII key');
  if (keys.length > 1) keys.sort(byLengthThenCode);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${i === 0 ? '' : ', '}${plainJsonString(k)}: ${jsonOut((v as Record<string, unknown>)[k])}`;
  }
  return `${out}}`;
}

/** A JSON string as escape_json writes it; JSON.stringify writes the same, but only plain strings skip it. */
function plainJsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c > 126) return JSON.stringify(s);
  }
  return `"${s}"`;
}

// ---- json ----------------------------------------------------------------------------------------------

/** JSON text as jsonb prints it: keys by (byte length, bytes), the last of duplicate keys, numbers as numeric. */
export function canonicalJson(text: string): string {
  const p = { s: text, i: 0 };
  const out = jsonValue(p);
  skipSpace(p);
  if (p.i !== text.length) throw new Error('trailing characters after JSON value');
  return out;
}

function skipSpace(p: { s: string; i: number }): void {
  while (p.i < p.s.length && ' \t\n\r'.includes(p.s[p.i]!)) p.i++;
}

function jsonValue(p: { s: string; i: number }): string {
  skipSpace(p);
  const c = p.s[p.i];
  if (c === '{') {
    p.i++;
    const members = new Map<string, string>();
    skipSpace(p);
    if (p.s[p.i] === '}') {
      p.i++;
      return '{}';
    }
    for (;;) {
      skipSpace(p);
      const key = jsonString(p);
      skipSpace(p);
      if (p.s[p.i++] !== ':') throw new Error('expected : in JSON object');
      members.delete(key);
      members.set(key, jsonValue(p));
      skipSpace(p);
      const next = p.s[p.i++];
      if (next === '}') break;
      if (next !== ',') throw new Error('expected , or } in JSON object');
    }
    const keys = [...members.keys()].map((k) => ({ k, b: Buffer.from(k, 'utf8') }));
    keys.sort((a, b) => a.b.length - b.b.length || Buffer.compare(a.b, b.b));
    return `{${keys.map(({ k }) => `${quoteJson(k)}: ${members.get(k)}`).join(', ')}}`;
  }
  if (c === '[') {
    p.i++;
    const items: string[] = [];
    skipSpace(p);
    if (p.s[p.i] === ']') {
      p.i++;
      return '[]';
    }
    for (;;) {
      items.push(jsonValue(p));
      skipSpace(p);
      const next = p.s[p.i++];
      if (next === ']') break;
      if (next !== ',') throw new Error('expected , or ] in JSON array');
    }
    return `[${items.join(', ')}]`;
  }
  if (c === '"') return quoteJson(jsonString(p));
  for (const word of ['true', 'false', 'null']) {
    if (p.s.startsWith(word, p.i)) {
      p.i += word.length;
      return word;
    }
  }
  const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  m.lastIndex = p.i;
  const n = m.exec(p.s);
  if (!n) throw new Error('invalid JSON value');
  p.i += n[0].length;
  return canonicalNumeric(n[0], undefined, false);
}

function jsonString(p: { s: string; i: number }): string {
  if (p.s[p.i] !== '"') throw new Error('expected a JSON string');
  const end = /"(?:[^"\\]|\\.)*"/y;
  end.lastIndex = p.i;
  const m = end.exec(p.s);
  if (!m) throw new Error('unterminated JSON string');
  p.i += m[0].length;
  return JSON.parse(m[0]) as string;
}

/** PostgreSQL's escape_json. */
function quoteJson(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---- arrays and rows -----------------------------------------------------------------------------------

/** A JSON array (how SQLite apps keep lists, and what the copy turns into an array) as PostgreSQL prints it. */
function arrayCanonicalizer(element: string): Canonicalizer {
  const encode = encoderFor({ name: '', type: `${element}[]` });
  const item = (x: unknown): string => {
    if (x === null) return 'NULL';
    if (element === 'real') return pgFloat(Math.fround(Number(x)));
    if (element === 'double precision') return pgFloat(Number(x));
    if (element === 'text') return quoteArrayItem(String(x));
    return String(x);
  };
  return (v) => {
    if (v === null || v === undefined) return null;
    const e = encode(v);
    if (e instanceof Invalid) return { reason: e.reason };
    const items = JSON.parse(Buffer.isBuffer(v) ? v.toString('utf8') : String(v)) as unknown[];
    return `{${items.map(item).join(',')}}`;
  };
}

function quoteArrayItem(s: string): string {
  if (s !== '' && !/[{}",\\\s]/.test(s) && s.toLowerCase() !== 'null') return s;
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * record_out quotes the empty string and any value with a quote, comma, parenthesis, backslash or white space
 * (0: as is, 1: quoted, 2: quoted with `"` or `\` doubled).
 */
function quoting(v: string): 0 | 1 | 2 {
  if (v.length === 0) return 1;
  let q: 0 | 1 | 2 = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34 || c === 92) return 2;
    if (c === 44 || c === 40 || c === 41 || c === 32 || (c >= 9 && c <= 13)) q = 1;
  }
  return q;
}

/** One field of a record as record_out writes it: quoted when needed, with `"` and `\\` doubled. */
export function recordField(v: string): string {
  const q = quoting(v);
  if (q === 0) return v;
  if (q === 1) return `"${v}"`;
  return `"${v.includes('\\') ? v.replace(/["\\]/g, '$&$&') : v.replaceAll('"', '""')}"`;
}

/** JavaScript: a row of canonical values as PostgreSQL's record output prints it. */
export function rowText(values: readonly (string | null)[]): string {
  let out = '(';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v !== null && v !== undefined) out += recordField(v);
  }
  return `${out})`;
}

/** The fields of a record's text (the inverse of rowText), to name the columns that differ. */
export function parseRowText(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const end = text.length - 1;
  let i = 1;
  for (;;) {
    if (text[i] === ',' || i === end) out.push(null);
    else {
      let value = '';
      while (i < end && text[i] !== ',') {
        if (text[i] !== '"') {
          value += text[i++];
          continue;
        }
        i++;
        while (i < end) {
          const c = text[i]!;
          if (c === '\\' || (c === '"' && text[i + 1] === '"')) {
            value += text[i + 1];
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else {
            value += c;
            i++;
          }
        }
      }
      out.push(value);
    }
    if (i >= end) break;
    i++;
  }
  return out;
}
