import type { Catalog } from '../catalog/model.js';
import { PG_MAX_IDENTIFIER_BYTES, truncatedPgIdentifier } from '../core/ident.js';
import type { Problem } from './problems.js';

/**
 * Names that PostgreSQL would silently truncate to 63 bytes, and names that become equal once truncated
 * (two columns of one table, or two tables): the second CREATE would fail or, worse, hit the first.
 */
export function identifierProblems(catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const tooLong = (name: string) => Buffer.byteLength(name, 'utf8') > PG_MAX_IDENTIFIER_BYTES;
  const collisions = (names: string[]) => {
    const seen = new Map<string, string[]>();
    for (const n of names) {
      const key = truncatedPgIdentifier(n);
      seen.set(key, [...(seen.get(key) ?? []), n]);
    }
    return [...seen.values()].filter((group) => group.length > 1);
  };

  for (const group of collisions(catalog.tables.map((t) => t.name))) {
    problems.push({
      severity: 'error',
      code: 'IDENTIFIER_COLLISION',
      message: `tables ${group.map((n) => `\`${n}\``).join(' and ')} have the same name once cut to PostgreSQL's ${PG_MAX_IDENTIFIER_BYTES}-byte limit`,
      hint: 'rename one of them in the source before generating the target schema',
      table: group[0],
    });
  }
  for (const table of catalog.tables) {
    if (tooLong(table.name)) {
      problems.push({
        severity: 'warning',
        code: 'IDENTIFIER_TOO_LONG',
        message: `table name \`${table.name}\` is longer than ${PG_MAX_IDENTIFIER_BYTES} bytes: PostgreSQL would cut it to \`${truncatedPgIdentifier(table.name)}\``,
        hint: 'rename the table to a shorter name',
        table: table.id,
      });
    }
    const names = table.columns.map((c) => c.name);
    const colliding = collisions(names);
    for (const group of colliding) {
      problems.push({
        severity: 'error',
        code: 'IDENTIFIER_COLLISION',
        message: `columns ${group.map((n) => `\`${n}\``).join(' and ')} of \`${table.id}\` have the same name once cut to ${PG_MAX_IDENTIFIER_BYTES} bytes (\`${truncatedPgIdentifier(group[0]!)}\`)`,
        hint: 'rename one of them in the source before generating the target schema',
        table: table.id,
        column: group[0],
      });
    }
    const inCollision = new Set(colliding.flat());
    for (const name of names.filter((n) => tooLong(n) && !inCollision.has(n))) {
      problems.push({
        severity: 'warning',
        code: 'IDENTIFIER_TOO_LONG',
        message: `column \`${table.id}.${name}\` is longer than ${PG_MAX_IDENTIFIER_BYTES} bytes: PostgreSQL would cut it to \`${truncatedPgIdentifier(name)}\``,
        hint: 'rename the column to a shorter name',
        table: table.id,
        column: name,
      });
    }
  }
  return problems;
}
