/**
 * SQLite values -> PostgreSQL COPY text, one target type at a time. Every value is checked here, before it
 * reaches COPY: a value that cannot be cast becomes a reject (with its reason) instead of failing the chunk.
 * Nothing is altered silently: a value is passed on as it is, converted by a documented rule, or rejected.
 */
import { isUtf8 } from 'node:buffer';
import {
  JSON_ESCAPED,
  JSON_LONE_SURROGATE,
  JSON_NUL_ESCAPE,
  JSON_PLAIN,
  JSON_UNKNOWN,
  scanJson,
} from './json-scan.js';
import { type DateTime, ISO_DATE_TIME, parseDateTime } from './time.js';

/** Why a value cannot be stored in its target column; the row that holds it becomes a reject. */
export class Invalid {
  constructor(readonly reason: string) {}
}

/** The value as COPY text, or why it cannot be stored (a plain string on the hot path, no wrapper object). */
export type Encoded = string | Invalid;

const NULL = '\\N';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /[\\\n\r\t]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters this looks for.
const SPECIAL_OR_NUL = /[\\\n\r\t\u0000]/;
const RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

const INVALID_UTF8 = new Invalid('invalid UTF-8');
const NUL_BYTE = new Invalid('NUL byte in text (PostgreSQL text cannot hold it)');
const NOT_INTEGER = new Invalid('not an integer');
const NOT_NUMBER = new Invalid('not a number');
const NOT_BOOLEAN = new Invalid('not a boolean');
const NOT_UUID = new Invalid('not a uuid');
const NOT_JSON = new Invalid('not valid JSON');
const JSON_NUL = new Invalid('JSON with \\u0000, which PostgreSQL cannot store');
const JSON_SURROGATE = new Invalid(
  'JSON with an unpaired surrogate escape (\\ud800-\\udfff), which jsonb cannot store',
);
const NOT_TIME = new Invalid('not an ISO-8601 date/time');
const NO_SUCH_TIME = new Invalid(
  'not a date/time PostgreSQL accepts (no such day or hour, or an offset past 15:59)',
);
const NOT_ARRAY = new Invalid('not a JSON array');
const TRUE = new Set(['1', 't', 'true', 'yes', 'y', 'on']);
const FALSE = new Set(['0', 'f', 'false', 'no', 'n', 'off']);

/** COPY text format escapes (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"). */
export function escapeCopy(text: string): string {
  return SPECIAL.test(text)
    ? text.replace(/[\\\n\r\t]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
      )
    : text;
}

/** A target column, reduced to what encoding needs. */
export interface TargetColumn {
  name: string;
  /** format_type of the target column, e.g. `bigint`, `character varying(160)`, `real[]`. */
  type: string;
}

/**
 * One value (not NULL) -> its COPY text, or Invalid. Text arrives as a string (read as text from a chunk whose
 * text is valid UTF-8) or as a Buffer (the raw bytes, checked here).
 */
export type Encoder = (value: unknown) => Encoded;

/** Builds the encoder for one target column type once; it then runs per value on the hot path. */
export function encoderFor(column: TargetColumn): Encoder {
  const t = column.type.toLowerCase();
  const range = RANGES[t];
  if (range) return (v) => integerValue(v, range);
  if (t.startsWith('numeric')) return numberValue;
  if (t === 'double precision' || t === 'real') {
    const real = t === 'real';
    // Checked as the server reads it (out of range is a reject, not a failed chunk); written as the text it is.
    return (v) => {
      const x = checkFloat(v, real);
      return x instanceof Invalid ? x : numberValue(v);
    };
  }
  if (t === 'boolean') return booleanValue;
  if (t === 'uuid') return uuidValue;
  if (t === 'jsonb') return jsonbValue;
  if (t === 'json') return jsonValue;
  if (t.startsWith('timestamp') || t === 'date') return timeValue;
  if (t.startsWith('time')) return clockValue;
  if (t === 'bytea') return byteaValue;
  if (t.endsWith('[]')) {
    const element = t.slice(0, -2);
    return (v) => arrayValue(v, element);
  }
  const max = maxLengthOf(t);
  if (max !== null) {
    const check = lengthCheck(max);
    return (v) => {
      const s = check(v);
      return typeof s === 'string' ? escapeCopy(s) : s;
    };
  }
  return plainText;
}

/** The length limit of a `character varying(n)` or `character(n)` type, or null. */
export function maxLengthOf(type: string): number | null {
  const m = /^character varying\((\d+)\)$|^character\((\d+)\)$/.exec(type);
  return m ? Number(m[1] ?? m[2]) : null;
}

/** A text value of at most `max` characters, checked as asText does. */
export function lengthCheck(max: number): (v: unknown) => string | Invalid {
  const tooLong = new Invalid(`longer than ${max} characters`);
  return (v) => {
    const s = asText(v);
    if (typeof s !== 'string') return s;
    // UTF-16 length bounds the number of characters from above: most values need no counting.
    if (s.length > max && codePoints(s) > max) return tooLong;
    return s;
  };
}

export function encodeNull(): string {
  return NULL;
}

/** Text of a SQLite value: invalid UTF-8 (in raw bytes) and NUL bytes are reasons, never replaced. */
export function asText(v: unknown): string | Invalid {
  if (typeof v === 'string') return v.includes('\u0000') ? NUL_BYTE : v;
  if (Buffer.isBuffer(v)) {
    // Node's native validator: far cheaper than a fatal TextDecoder on the hot path.
    if (!isUtf8(v)) return INVALID_UTF8;
    if (v.indexOf(0) !== -1) return NUL_BYTE;
    return v.toString('utf8');
  }
  return String(v);
}

function plainText(v: unknown): Encoded {
  // The common case in one scan: a string with nothing to escape and no NUL is its own COPY text.
  if (typeof v === 'string' && !SPECIAL_OR_NUL.test(v)) return v;
  const s = asText(v);
  return typeof s === 'string' ? escapeCopy(s) : s;
}

/** 36 characters, lower-case hex with dashes at 8, 13, 18 and 23: PostgreSQL's own output form. */
function canonicalUuid(v: string): boolean {
  if (v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** A uuid in PostgreSQL's output form (lower case, dashes), or why the value is not one. */
export function uuidValue(v: unknown): Encoded {
  if (typeof v === 'string' && canonicalUuid(v)) return v;
  const s = asText(v);
  if (typeof s !== 'string') return s;
  const trimmed = s.trim();
  return UUID.test(trimmed) ? trimmed.toLowerCase() : NOT_UUID;
}

function integerValue(v: unknown, range: [bigint, bigint]): Encoded {
  const n = checkInteger(v, range);
  return typeof n === 'bigint' ? n.toString() : n;
}

/** An integer in `[min, max]`, or why the value is not one. */
export function checkInteger(v: unknown, [min, max]: [bigint, bigint]): bigint | Invalid {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) return new Invalid(`not an integer (${v})`);
    n = BigInt(v);
  } else {
    const s = asText(v);
    if (typeof s !== 'string') return s;
    if (!INTEGER.test(s.trim())) return NOT_INTEGER;
    n = BigInt(s.trim());
  }
  if (n < min || n > max) return new Invalid(`out of range for its type (${n})`);
  return n;
}

/** The range of an integer type, or undefined for other types. */
export function integerRange(type: string): [bigint, bigint] | undefined {
  return RANGES[type];
}

/** A number as decimal text (`NaN`, `Infinity`, `-Infinity` for a real that is one), or why it is not one. */
export function numberValue(v: unknown): Encoded {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number')
    return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const s = asText(v);
  if (typeof s !== 'string') return s;
  const trimmed = s.trim();
  return NUMBER.test(trimmed) ? trimmed : NOT_NUMBER;
}

/**
 * The double (or, `real`, the float) a value is stored as: a SQLite real as it is (a float: the nearest, ties
 * to even), a text as float8in/float4in read it. Out of range
 * is what those refuse: a finite value that overflows, a non-zero one that underflows.
 */
export function checkFloat(v: unknown, real: boolean): number | Invalid {
  let x: number;
  let finite = true;
  let nonzero = false;
  if (typeof v === 'number') {
    x = v;
    finite = Number.isFinite(v);
    nonzero = v !== 0;
  } else {
    const text = numberValue(v);
    if (text instanceof Invalid) return text;
    x = Number(text);
    nonzero = /[1-9]/.test(text.replace(/[eE].*$/, ''));
    if (!Number.isFinite(x) || (x === 0 && nonzero)) return real ? OUT_OF_RANGE_REAL : OUT_OF_RANGE_DOUBLE;
  }
  // A real -0 as the text copy writes it (String(-0) is "0"); a text "-0" keeps its sign, as float8in reads it.
  if (x === 0 && typeof v === 'number') return 0;
  if (!real) return x;
  const f = Math.fround(x);
  if ((finite && !Number.isFinite(f)) || (f === 0 && nonzero)) return OUT_OF_RANGE_REAL;
  return f;
}

const OUT_OF_RANGE_REAL = new Invalid('out of range for type real');
const OUT_OF_RANGE_DOUBLE = new Invalid('out of range for type double precision');

/** `t` or `f`, or why the value is not a boolean. */
export function booleanValue(v: unknown): Encoded {
  if (typeof v === 'bigint' || typeof v === 'number') {
    if (Number(v) === 0) return 'f';
    if (Number(v) === 1) return 't';
    return new Invalid(`not a boolean (${v})`);
  }
  const s = asText(v);
  if (typeof s !== 'string') return s;
  const word = s.trim().toLowerCase();
  return TRUE.has(word) ? 't' : FALSE.has(word) ? 'f' : NOT_BOOLEAN;
}

const jsonValue = (v: unknown) => jsonText(v, false);
const jsonbValue = (v: unknown) => jsonText(v, true);

/** JSON as it is (COPY-escaped). */
function jsonText(v: unknown, jsonb: boolean): Encoded {
  const s = checkJson(v, jsonb);
  return typeof s !== 'string' || jsonPlain ? s : escapeCopy(s);
}

/** Set by checkJson: the text it returned has nothing COPY text must escape. */
let jsonPlain = false;

/**
 * JSON text as it is, checked in one pass (JSON.parse only for what the scanner leaves to it), or why json (or,
 * `jsonb`, jsonb) cannot store it.
 */
export function checkJson(v: unknown, jsonb: boolean): string | Invalid {
  jsonPlain = true;
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  const s = asText(v);
  if (typeof s !== 'string') return s;
  let found = scanJson(s);
  if (found === JSON_UNKNOWN) {
    try {
      JSON.parse(s);
    } catch {
      return NOT_JSON;
    }
    found = /\\u0000/.test(s) ? JSON_NUL_ESCAPE : JSON_ESCAPED;
  }
  if (found === JSON_PLAIN) return s;
  // PostgreSQL's json cannot hold \u0000 either.
  if (found === JSON_NUL_ESCAPE) return JSON_NUL;
  if (found === JSON_LONE_SURROGATE && jsonb) return JSON_SURROGATE;
  jsonPlain = false;
  return s;
}

/** ISO-8601 text as it is; an integer or real as Unix epoch seconds (documented in docs/copy.md). */
function timeValue(v: unknown): Encoded {
  const text = dateTimeText(v);
  if (typeof text !== 'string') return text;
  return parseDateTime(text) === null ? notTime(text) : text;
}

/** The date/time a value stands for, as PostgreSQL reads it (see timeValue), or why it is none. */
export function checkDateTime(v: unknown): DateTime | Invalid {
  const text = dateTimeText(v);
  if (typeof text !== 'string') return text;
  return parseDateTime(text) ?? notTime(text);
}

/** Why a text is no date/time: not of the ISO-8601 shape, or one that PostgreSQL refuses. */
function notTime(text: string): Invalid {
  return ISO_DATE_TIME.test(text) ? NO_SUCH_TIME : NOT_TIME;
}

/** The ISO-8601 text of a date/time value: as written (trimmed), or an epoch number's. */
function dateTimeText(v: unknown): string | Invalid {
  if (typeof v === 'bigint' || typeof v === 'number') {
    const ms = Number(v) * 1000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? new Invalid(`not a time (${v})`) : date.toISOString();
  }
  const s = asText(v);
  if (typeof s !== 'string') return s;
  return s.trim();
}

/** A time of day's date/time (see clockValue), or why it is none. */
export function checkClock(v: unknown): DateTime | Invalid {
  const text = clockValue(v);
  if (typeof text !== 'string') return text;
  return parseDateTime(text) ?? notTime(text);
}

/**
 * A time of day: a date/time text with its time part (PostgreSQL reads no time from a date alone), written with
 * a space between date and time (its time type refuses ISO's `T` there).
 */
function clockValue(v: unknown): Encoded {
  const e = timeValue(v);
  if (typeof e !== 'string') return e;
  if (!/[T ]\d/.test(e)) return NOT_TIME;
  return e.charCodeAt(10) === 84 ? `${e.slice(0, 10)} ${e.slice(11)}` : e;
}

/** A value's bytes: a blob's own, a text's UTF-8. */
export function bytesOf(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
}

function byteaValue(v: unknown): Encoded {
  const bytes = bytesOf(v);
  // In COPY text the bytea escape \x itself needs its backslash doubled.
  return `\\\\x${bytes.toString('hex')}`;
}

/** A JSON array of numbers or strings (how SQLite apps keep lists) -> a PostgreSQL array literal. */
function arrayValue(v: unknown, element: string): Encoded {
  const parsed = checkArray(v, element);
  if (parsed instanceof Invalid) return parsed;
  const items = parsed.map((x) =>
    x === null ? 'NULL' : typeof x === 'number' ? String(x) : `"${String(x).replace(/["\\]/g, '\\$&')}"`,
  );
  return escapeCopy(`{${items.join(',')}}`);
}

const NOT_PLAIN_ARRAY = new Invalid('not a JSON array of plain values (numbers, strings, booleans, null)');
const NOT_INTEGER_ITEM = new Invalid('an array item is not an integer in range');
const NOT_NUMBER_ITEM = new Invalid('an array item is not a number in range');
const NOT_BOOLEAN_ITEM = new Invalid('an array item is not a boolean');

/**
 * The items of a JSON array value for an array of `element`, each checked as a value of that type would be
 * (nested arrays and objects are refused: one dimension only), or why the value is not such an array.
 */
export function checkArray(v: unknown, element: string): unknown[] | Invalid {
  const items = arrayItems(v);
  if (items instanceof Invalid) return items;
  const range = integerRange(element);
  const float = element === 'real' || element === 'double precision';
  for (const x of items) {
    if (x === null) continue;
    if (typeof x === 'object') return NOT_PLAIN_ARRAY;
    if (range) {
      if (typeof x === 'boolean') return NOT_INTEGER_ITEM;
      const n = typeof x === 'number' && Number.isInteger(x) ? BigInt(x) : x;
      if (checkInteger(n, range) instanceof Invalid) return NOT_INTEGER_ITEM;
    } else if (float) {
      if (typeof x === 'boolean' || checkFloat(x, element === 'real') instanceof Invalid)
        return NOT_NUMBER_ITEM;
    } else if (element === 'boolean') {
      if (booleanValue(String(x)) instanceof Invalid) return NOT_BOOLEAN_ITEM;
    } else if (typeof x === 'string' && x.indexOf('\0') !== -1) return NUL_BYTE;
  }
  return items;
}

/** The items of a JSON array value, or why the value is not one. */
function arrayItems(v: unknown): unknown[] | Invalid {
  const s = asText(v);
  if (typeof s !== 'string') return s;
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return NOT_ARRAY;
  }
  return Array.isArray(parsed) ? parsed : NOT_ARRAY;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export type PlanValue = string | number | boolean | null;

/**
 * SQLite source: the plan's value map (source value as text -> target value; unlisted values unchanged) and
 * its value for NULL, applied before the value is checked against the target type. Undefined when the plan
 * has neither, so the hot path pays nothing.
 */
export function valueRules(
  map: Record<string, PlanValue> | undefined,
  whenNull: Exclude<PlanValue, null> | undefined,
): ((v: unknown) => unknown) | undefined {
  if (map === undefined && whenNull === undefined) return undefined;
  const asValue = (v: PlanValue): unknown =>
    v === null ? null : typeof v === 'boolean' ? (v ? 'true' : 'false') : typeof v === 'number' ? v : v;
  return (v) => {
    if (v === null) return whenNull === undefined ? null : asValue(whenNull);
    if (map === undefined) return v;
    const key = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    return Object.hasOwn(map, key) ? asValue(map[key]!) : v;
  };
}

/** The plan's explicit repairs for a column (`tables.<t>.columns.<c>.repair`). */
export interface Repair {
  invalidUtf8?: 'replace' | undefined;
  nul?: 'remove' | undefined;
}

const lenient = new TextDecoder('utf-8', { fatal: false });

/**
 * A value the encoder refused, repaired as the plan allows: invalid UTF-8 decoded with U+FFFD for each bad
 * sequence (WHATWG decoding), NUL characters removed. Null when no allowed repair applies; `how` says what was done.
 */
export function repairValue(value: unknown, repair: Repair): { value: string; how: string } | null {
  let text: string;
  const done: string[] = [];
  if (Buffer.isBuffer(value)) {
    if (!isUtf8(value)) {
      if (repair.invalidUtf8 !== 'replace') return null;
      done.push('invalid UTF-8 replaced by U+FFFD');
    }
    text = lenient.decode(value);
  } else if (typeof value === 'string') text = value;
  else return null;
  if (text.includes('\u0000')) {
    if (repair.nul !== 'remove') return null;
    text = text.replaceAll('\u0000', '');
    done.push('NUL removed');
  }
  return done.length > 0 ? { value: text, how: done.join(', ') } : null;
}
