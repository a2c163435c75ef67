/**
 * Small scanners over SQLite's stored CREATE statements, for the facts its pragmas do not expose
 * (CHECK constraints, generated-column expressions, AUTOINCREMENT). They skip quoted text and
 * balance parentheses, which is all these facts need; they are not a SQL parser.
 */

/** Index just past the parenthesised group that opens at `open` (which must be '('). */
export function skipParens(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      i = sql.indexOf(close, i + 1);
      if (i === -1) return sql.length;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return sql.length;
}

/** Every `CHECK (...)` expression in a CREATE TABLE statement, without the outer parentheses. */
export function extractChecks(sql: string): { name: string | null; expression: string }[] {
  const out: { name: string | null; expression: string }[] = [];
  const pattern = /(?:constraint\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)\s+)?check\s*\(/gi;
  const masked = maskQuoted(sql);
  for (let m = pattern.exec(masked); m !== null; m = pattern.exec(masked)) {
    const open = m.index + m[0].length - 1;
    const end = skipParens(sql, open);
    out.push({ name: m[1] ? unquote(m[1]) : null, expression: sql.slice(open + 1, end - 1).trim() });
    pattern.lastIndex = end;
  }
  return out;
}

/** The expression of a generated column, found after the column's name in CREATE TABLE. */
export function extractGeneratedExpression(sql: string, column: string): string | null {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?:^|[(,\\s])["\`\\[]?${escaped}["\`\\]]?\\s[^,]*?\\bas\\s*\\(`, 'i');
  const m = pattern.exec(sql);
  if (!m) return null;
  const open = m.index + m[0].length - 1;
  return sql.slice(open + 1, skipParens(sql, open) - 1).trim();
}

export function hasAutoincrement(sql: string): boolean {
  return /\bautoincrement\b/i.test(maskQuoted(sql));
}

/** Replaces the contents of quoted strings and identifiers with spaces, keeping offsets. */
function maskQuoted(sql: string): string {
  return sql.replace(
    /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g,
    (q) => q[0] + ' '.repeat(q.length - 2) + q.at(-1),
  );
}

function unquote(name: string): string {
  const first = name[0];
  if (first === '"') return name.slice(1, -1).replaceAll('""', '"');
  if (first === '`' || first === '[') return name.slice(1, -1);
  return name;
}
