/** Identifier quoting lives here and nowhere else. Values are always bind parameters, never spliced. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualify(schema: string | undefined, name: string): string {
  return schema === undefined || schema === ''
    ? quoteIdent(name)
    : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** PostgreSQL truncates identifiers to NAMEDATALEN-1 = 63 bytes. */
export const PG_MAX_IDENTIFIER_BYTES = 63;

export function truncatedPgIdentifier(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= PG_MAX_IDENTIFIER_BYTES) return name;
  let end = PG_MAX_IDENTIFIER_BYTES;
  // Never cut a multi-byte character in half: back up to a UTF-8 lead byte.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A string literal, for the few places where the engine takes no bind parameters
 * (SQLite pragma arguments). Everywhere else values are parameters.
 */
export function stringLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error(`value contains a NUL byte: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}
