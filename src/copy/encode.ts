/**
 * SQLite values -> PostgreSQL COPY text, one target type at a time. Every value is checked here, before it
 * reaches COPY: a value that cannot be cast becomes a reject (with its reason) instead of failing the chunk.
 * Nothing is altered silently: a value is passed on as it is, converted by a documented rule, or rejected.
 */
import { isUtf8 } from 'node:buffer';

export type Encoded = { ok: true; text: string } | { ok: false; reason: string };

const NULL = '\\N';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** COPY text format escapes (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"). */
export function escapeCopy(text: string): string {
  return /[\\\n\r\t]/.test(text)
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

export type Encoder = (value: unknown) => Encoded;

/** Builds the encoder for one target column type once; it then runs per value on the hot path. */
export function encoderFor(column: TargetColumn): Encoder {
  const t = column.type.toLowerCase();
  const range = RANGES[t];
  if (range) return (v) => integerValue(v, range);
  if (t.startsWith('numeric') || t === 'double precision' || t === 'real') return numberValue;
  if (t === 'boolean') return booleanValue;
  if (t === 'uuid')
    return (v) => textValue(v, (s) => (UUID.test(s.trim()) ? s.trim().toLowerCase() : null), 'not a uuid');
  if (t === 'jsonb' || t === 'json') return jsonValue;
  if (t.startsWith('timestamp') || t === 'date' || t.startsWith('time')) return timeValue;
  if (t === 'bytea') return byteaValue;
  if (t.endsWith('[]')) return arrayValue;
  const varchar = /^character varying\((\d+)\)$|^character\((\d+)\)$/.exec(t);
  if (varchar) {
    const max = Number(varchar[1] ?? varchar[2]);
    return (v) => {
      const r = plainText(v);
      if (r.ok && [...unescapeLength(r.text)].length > max)
        return { ok: false, reason: `longer than ${max} characters` };
      return r;
    };
  }
  return plainText;
}

export function encodeNull(): string {
  return NULL;
}

/** Text of a SQLite value read as raw bytes: invalid UTF-8 and NUL bytes are reasons, never replaced. */
function asText(v: unknown): { text: string } | { reason: string } {
  if (Buffer.isBuffer(v)) {
    // Node's native validator: far cheaper than a fatal TextDecoder on the hot path.
    if (!isUtf8(v)) return { reason: 'invalid UTF-8' };
    if (v.indexOf(0) !== -1) return { reason: 'NUL byte in text (PostgreSQL text cannot hold it)' };
    return { text: v.toString('utf8') };
  }
  if (typeof v === 'string')
    return v.includes('\u0000')
      ? { reason: 'NUL byte in text (PostgreSQL text cannot hold it)' }
      : { text: v };
  return { text: String(v) };
}

function plainText(v: unknown): Encoded {
  const t = asText(v);
  return 'reason' in t ? { ok: false, reason: t.reason } : { ok: true, text: escapeCopy(t.text) };
}

function textValue(v: unknown, accept: (s: string) => string | null, reason: string): Encoded {
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  const out = accept(t.text);
  return out === null ? { ok: false, reason } : { ok: true, text: escapeCopy(out) };
}

function integerValue(v: unknown, [min, max]: [bigint, bigint]): Encoded {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { ok: false, reason: `not an integer (${v})` };
    n = BigInt(v);
  } else {
    const t = asText(v);
    if ('reason' in t) return { ok: false, reason: t.reason };
    if (!INTEGER.test(t.text.trim())) return { ok: false, reason: 'not an integer' };
    n = BigInt(t.text.trim());
  }
  if (n < min || n > max) return { ok: false, reason: `out of range for its type (${n})` };
  return { ok: true, text: n.toString() };
}

function numberValue(v: unknown): Encoded {
  if (typeof v === 'bigint') return { ok: true, text: v.toString() };
  if (typeof v === 'number')
    return {
      ok: true,
      text: Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity',
    };
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  return NUMBER.test(t.text.trim())
    ? { ok: true, text: t.text.trim() }
    : { ok: false, reason: 'not a number' };
}

function booleanValue(v: unknown): Encoded {
  if (typeof v === 'bigint' || typeof v === 'number') {
    if (Number(v) === 0) return { ok: true, text: 'f' };
    if (Number(v) === 1) return { ok: true, text: 't' };
    return { ok: false, reason: `not a boolean (${v})` };
  }
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  const s = t.text.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'y', 'on'].includes(s)) return { ok: true, text: 't' };
  if (['0', 'f', 'false', 'no', 'n', 'off'].includes(s)) return { ok: true, text: 'f' };
  return { ok: false, reason: 'not a boolean' };
}

function jsonValue(v: unknown): Encoded {
  if (typeof v === 'bigint' || typeof v === 'number') return { ok: true, text: String(v) };
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  try {
    JSON.parse(t.text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  // PostgreSQL's json cannot hold \u0000 either.
  if (/\\u0000/.test(t.text))
    return { ok: false, reason: 'JSON with \\u0000, which PostgreSQL cannot store' };
  return { ok: true, text: escapeCopy(t.text) };
}

/** ISO-8601 text as it is; an integer or real as Unix epoch seconds (documented in docs/copy.md). */
function timeValue(v: unknown): Encoded {
  if (typeof v === 'bigint' || typeof v === 'number') {
    const ms = Number(v) * 1000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime())
      ? { ok: false, reason: `not a time (${v})` }
      : { ok: true, text: date.toISOString() };
  }
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  const s = t.text.trim();
  return DATE_TIME.test(s) ? { ok: true, text: s } : { ok: false, reason: 'not an ISO-8601 date/time' };
}

function byteaValue(v: unknown): Encoded {
  const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
  // In COPY text the bytea escape \x itself needs its backslash doubled.
  return { ok: true, text: `\\\\x${bytes.toString('hex')}` };
}

/** A JSON array of numbers or strings (how SQLite apps keep lists) -> a PostgreSQL array literal. */
function arrayValue(v: unknown): Encoded {
  const t = asText(v);
  if ('reason' in t) return { ok: false, reason: t.reason };
  let parsed: unknown;
  try {
    parsed = JSON.parse(t.text);
  } catch {
    return { ok: false, reason: 'not a JSON array' };
  }
  if (!Array.isArray(parsed)) return { ok: false, reason: 'not a JSON array' };
  const items = parsed.map((x) =>
    x === null ? 'NULL' : typeof x === 'number' ? String(x) : `"${String(x).replace(/["\\]/g, '\\$&')}"`,
  );
  return { ok: true, text: escapeCopy(`{${items.join(',')}}`) };
}

function unescapeLength(escaped: string): string {
  return escaped.replace(/\\(.)/g, '$1');
}
