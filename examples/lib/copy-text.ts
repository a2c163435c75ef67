/**
 * Encodes values as fields of COPY's text format (https://www.postgresql.org/docs/current/sql-copy.html,
 * "Text Format"): \N is NULL, and backslash, newline, carriage return and tab are backslash-escaped. The
 * server then parses each field with the column type's input function, as it would a literal.
 */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return escapeText(value);
  if (Array.isArray(value)) return escapeText(arrayLiteral(value));
  return escapeText(JSON.stringify(value));
}

export function copyLine(row: readonly unknown[]): string {
  return `${row.map(copyField).join('\t')}\n`;
}

function escapeText(text: string): string {
  return text.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!);
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A one-dimensional array literal, `{"a","b c",NULL}`: every element quoted, so no element needs rules. */
function arrayLiteral(items: readonly unknown[]): string {
  const elements = items.map((item) =>
    item === null || item === undefined ? 'NULL' : `"${String(item).replace(/["\\]/g, (ch) => `\\${ch}`)}"`,
  );
  return `{${elements.join(',')}}`;
}
