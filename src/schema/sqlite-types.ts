import type { ColumnProfile } from '../catalog/profile.js';

export interface MappedType {
  /** The PostgreSQL type. */
  type: string;
  /** Why this type, when it was not a direct reading of the declaration (shown in the generation report). */
  reason?: string;
}

/**
 * SQLite declared type + a profile of sampled values -> PostgreSQL type. The declaration decides the family;
 * the values refine it (TEXT holding uuids -> uuid, JSON -> jsonb, ISO-8601 -> timestamptz or date,
 * BOOLEAN-declared 0/1 -> boolean). A refinement needs every sampled non-null value to agree, and at least one.
 */
export function mapSqliteType(
  declared: string,
  profile: ColumnProfile | undefined,
  options: { rowidKey?: boolean } = {},
): MappedType {
  const t = declared.trim().toUpperCase();
  const p = profile;
  const nonNull = p ? p.sampled - p.nulls : 0;
  const all = (n: number | undefined) => p !== undefined && nonNull > 0 && n === nonNull;
  const unsigned = /\bUNSIGNED\b/.test(t);

  if (options.rowidKey) return { type: 'bigint', reason: 'integer primary key (the rowid)' };

  if (/BOOL/.test(t)) {
    if (!p || nonNull === 0 || all(p.zeroOne) || all(p.text)) return { type: 'boolean' };
    return { type: 'integer', reason: 'declared BOOLEAN but holds values other than 0/1' };
  }
  if (t.includes('INT')) {
    if (/TINYINT|SMALLINT|INT2|SHORT/.test(t))
      return {
        type: unsigned ? 'integer' : 'smallint',
        ...(unsigned ? { reason: 'unsigned: the next wider type' } : {}),
      };
    if (/MEDIUMINT/.test(t)) return { type: 'integer' };
    if (/BIGINT|INT8/.test(t) && unsigned)
      return { type: 'numeric(20,0)', reason: 'unsigned bigint: wider than bigint' };
    if (/^INT(?:EGER)?(?:\s+UNSIGNED)?$|^INT4/.test(t) && unsigned)
      return { type: 'bigint', reason: 'unsigned: the next wider type' };
    // SQLite integers are 64-bit whatever the declaration: bigint never truncates.
    return { type: 'bigint' };
  }
  if (/DATETIME|TIMESTAMP/.test(t)) return { type: 'timestamptz' };
  if (/^DATE$/.test(t)) return { type: 'date' };
  if (/^TIME$/.test(t)) return { type: 'time' };
  const decimal = /(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  if (decimal) return { type: `numeric(${decimal[1]},${decimal[2] ?? 0})` };
  if (/REAL|FLOA|DOUB/.test(t)) return { type: 'double precision' };
  if (/BLOB|BINARY/.test(t)) return { type: 'bytea' };
  if (/JSON/.test(t)) return { type: 'jsonb' };
  if (/UUID|GUID/.test(t)) return { type: 'uuid' };

  const textual = /CHAR|CLOB|TEXT/.test(t);
  if (textual || t === '') {
    if (p && all(p.text)) {
      if (all(p.uuid)) return { type: 'uuid', reason: `every sampled value is a uuid (${p.uuid})` };
      if (all(p.json)) return { type: 'jsonb', reason: `every sampled value is JSON (${p.json})` };
      if (all(p.dateTime) || (p.dateTime > 0 && all(p.dateTime + p.date)))
        return {
          type: 'timestamptz',
          reason: `every sampled value is an ISO-8601 date-time (${p.dateTime + p.date})`,
        };
      if (all(p.date)) return { type: 'date', reason: `every sampled value is an ISO-8601 date (${p.date})` };
    }
    if (t === '') {
      if (p && all(p.integer))
        return { type: 'bigint', reason: 'no declared type; every sampled value is an integer' };
      if (p && all(p.integer + p.real))
        return { type: 'double precision', reason: 'no declared type; every sampled value is a number' };
      if (p && p.blob > 0) return { type: 'bytea', reason: 'no declared type; holds binary values' };
      return { type: 'text' };
    }
    const length = /\(\s*(\d+)\s*\)/.exec(t);
    if (length && /CHAR/.test(t)) {
      const n = Number(length[1]);
      if (!p || p.maxLength <= n) return { type: `varchar(${n})` };
      return {
        type: 'text',
        reason: `declared length ${n}, but sampled values reach ${p.maxLength} characters`,
      };
    }
    return { type: 'text' };
  }
  if (/NUM|DEC/.test(t)) return { type: 'numeric' };
  return { type: 'text', reason: `unknown declared type ${declared}` };
}

/**
 * A SQLite column default as a PostgreSQL expression, or null (with a reason) when it has no equivalent.
 * SQLite keeps the default as written, quotes included.
 */
export function mapSqliteDefault(
  raw: string | null,
  pgType: string,
): { expression: string | null; dropped?: string } {
  if (raw === null) return { expression: null };
  let d = raw.trim();
  while (d.startsWith('(') && d.endsWith(')')) d = d.slice(1, -1).trim();
  const upper = d.toUpperCase();
  if (upper === 'NULL') return { expression: null };
  if (upper === 'CURRENT_TIMESTAMP') return { expression: 'CURRENT_TIMESTAMP' };
  if (upper === 'CURRENT_DATE') return { expression: 'CURRENT_DATE' };
  if (upper === 'CURRENT_TIME') return { expression: 'CURRENT_TIME' };
  if (/^(?:DATETIME|STRFTIME)\s*\(/i.test(d)) {
    return /'now'/i.test(d)
      ? { expression: 'now()' }
      : { expression: null, dropped: `default ${raw} has no PostgreSQL equivalent` };
  }
  // '0' and "0" and 0: SQLite takes double-quoted text as a string literal when it is no column name.
  const quoted = /^'((?:[^']|'')*)'$/.exec(d) ?? /^"((?:[^"]|"")*)"$/.exec(d);
  const text = quoted ? (quoted[1] ?? '').replaceAll("''", "'").replaceAll('""', '"') : d;
  if (pgType === 'boolean') {
    if (/^(?:1|true|t)$/i.test(text)) return { expression: 'true' };
    if (/^(?:0|false|f)$/i.test(text)) return { expression: 'false' };
    return { expression: null, dropped: `default ${raw} is not a boolean` };
  }
  if (/^(?:bigint|integer|smallint|numeric|double precision)/.test(pgType)) {
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text)) return { expression: text };
    return { expression: null, dropped: `default ${raw} is not a number` };
  }
  if (/^(?:timestamptz|date|time)/.test(pgType)) {
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) return { expression: `'${text.replaceAll("'", "''")}'` };
    return { expression: null, dropped: `default ${raw} is not a date` };
  }
  if (!quoted && !/^[+-]?\d/.test(d))
    return { expression: null, dropped: `default expression ${raw} is SQLite-specific` };
  return { expression: `'${text.replaceAll("'", "''")}'` };
}
