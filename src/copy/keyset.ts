import { quoteIdent, stringLiteral } from '../core/ident.js';

/**
 * Keyset pagination over a table's copy key: each chunk is "the next N rows after the last key copied", which
 * needs no offsets (constant cost per chunk on a 100 GB table) and makes a checkpoint a single key value.
 */
export function keyList(columns: readonly string[]): string {
  return columns.map((c) => (c === 'rowid' ? 'rowid' : quoteIdent(c))).join(', ');
}

/** `(k1, k2) > (?, ?)` with placeholders; SQLite and PostgreSQL both compare row values in order. */
export function afterKey(columns: readonly string[], placeholder: (i: number) => string): string {
  const params = columns.map((_, i) => placeholder(i)).join(', ');
  return columns.length === 1 ? `${keyList(columns)} > ${params}` : `(${keyList(columns)}) > (${params})`;
}

/**
 * The same predicate with the values inlined, for COPY (SELECT ...) TO STDOUT, which takes no parameters.
 * Values come from the source database itself, and are quoted as literals with their column's type.
 */
export function afterKeyLiteral(
  columns: readonly string[],
  values: readonly unknown[],
  types: readonly string[],
  op: '>' | '<=' = '>',
): string {
  const literals = values.map((v, i) => literal(v, types[i]!));
  return columns.length === 1
    ? `${keyList(columns)} ${op} ${literals[0]}`
    : `(${keyList(columns)}) ${op} (${literals.join(', ')})`;
}

function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return `${value}::${type}`;
  if (value instanceof Date) return `${stringLiteral(value.toISOString())}::${type}`;
  return `${stringLiteral(String(value))}::${type}`;
}

/** A key value as stored in the checkpoint (JSON): bigints as strings, so nothing loses precision. */
export function keyToJson(values: readonly unknown[]): string {
  return JSON.stringify(
    values.map((v) =>
      typeof v === 'bigint'
        ? v.toString()
        : Buffer.isBuffer(v)
          ? v.toString('utf8')
          : v instanceof Date
            ? v.toISOString()
            : v,
    ),
  );
}
