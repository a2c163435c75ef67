/**
 * Pure checks of stored values against the type a column declares or a plan asks for.
 * They tell `analyze` (sampled) and `copy` (every row) which values cannot land in PostgreSQL as they are.
 */
export type StorageClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function hasNul(bytes: Uint8Array): boolean {
  return bytes.includes(0);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Does a SQLite value contradict its column's declared type? SQLite keeps a value of another storage class
 * when it cannot convert it, so a TEXT value in an INTEGER column is a value that will not cast.
 * Returns the reason, or null when the value fits.
 */
export function sqliteContradiction(
  declared: string,
  storage: StorageClass,
  text: string | null,
): string | null {
  if (storage === 'null') return null;
  const t = declared.toUpperCase();
  if (t === '' || /BLOB/.test(t)) return null;
  if (/BOOL/.test(t)) {
    if (storage === 'integer' && (text === '0' || text === '1')) return null;
    if (storage === 'text' && /^(?:true|false|t|f|yes|no|0|1)$/i.test(text ?? '')) return null;
    return `not a boolean (${storage})`;
  }
  if (/DATE|TIME|STAMP/.test(t)) {
    if (storage === 'integer' || storage === 'real') return null; // epoch seconds or julian day: a cast decides
    if (storage === 'text' && ISO_DATE.test((text ?? '').trim())) return null;
    return `not a date/time (${storage})`;
  }
  if (/INT/.test(t)) {
    if (storage === 'integer') return null;
    if (storage === 'real' && Number.isInteger(Number(text))) return null;
    return `not an integer (${storage})`;
  }
  if (/CHAR|CLOB|TEXT/.test(t)) return storage === 'blob' ? 'binary data in a text column' : null;
  if (/REAL|FLOA|DOUB|NUM|DEC/.test(t)) {
    if (storage === 'integer' || storage === 'real') return null;
    return `not a number (${storage})`;
  }
  return null;
}

/** Does a value (as SQLite storage class + text) fit a PostgreSQL type that the plan requests? */
export function fitsRequestedType(pgType: string, storage: StorageClass, text: string | null): string | null {
  if (storage === 'null') return null;
  const t = pgType.toLowerCase().trim();
  const value = (text ?? '').trim();
  if (t === 'uuid') return UUID.test(value) ? null : 'not a uuid';
  if (/^(?:small|big)?int|^integer|^int[248]$|^(?:big|small)?serial/.test(t)) {
    return storage === 'integer' || INTEGER_TEXT.test(value) ? null : 'not an integer';
  }
  if (/^(?:numeric|decimal|real|double|float)/.test(t))
    return storage !== 'blob' && NUMBER_TEXT.test(value) ? null : 'not a number';
  if (/^bool/.test(t)) return /^(?:true|false|t|f|yes|no|0|1)$/i.test(value) ? null : 'not a boolean';
  if (/^jsonb?$/.test(t)) {
    if (storage === 'blob') return 'binary data, not JSON';
    try {
      JSON.parse(value);
      return null;
    } catch {
      return 'not valid JSON';
    }
  }
  if (/^(?:timestamp|date|time)/.test(t)) {
    if (storage === 'integer' || storage === 'real') return null;
    return ISO_DATE.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
      ? null
      : 'not an ISO-8601 date/time';
  }
  const vector = /^vector\((\d+)\)$/.exec(t);
  if (vector) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'number'))
        return 'not an array of numbers';
      return parsed.length === Number(vector[1]) ? null : `has ${parsed.length} dimensions, not ${vector[1]}`;
    } catch {
      return 'not an array of numbers';
    }
  }
  return null;
}

/**
 * A short, printable excerpt of a value for reports: never the whole value. Valid UTF-8 is shown as text
 * with control characters escaped; bytes that are not valid UTF-8 (and NUL) appear as \xNN.
 */
export function excerpt(bytes: Uint8Array, max = 40): string {
  const head = bytes.subarray(0, max * 4);
  const valid = isValidUtf8(head);
  const chars = valid ? [...Buffer.from(head).toString('utf8')] : [...Buffer.from(head).toString('latin1')];
  let out = '';
  let shown = 0;
  for (const ch of chars) {
    const code = ch.codePointAt(0)!;
    const printable = code >= 0x20 && code !== 0x7f && (valid || code < 0x80);
    out += printable ? ch : `\\x${code.toString(16).padStart(2, '0')}`;
    if (++shown >= max) return `${out}…`;
  }
  return bytes.length > head.length ? `${out}…` : out;
}
