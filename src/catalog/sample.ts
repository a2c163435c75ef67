import { quoteIdent } from '../core/ident.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import type { Table } from './model.js';
import {
  excerpt,
  fitsRequestedType,
  hasNul,
  isValidUtf8,
  type StorageClass,
  sqliteContradiction,
} from './value-checks.js';

export type ValueIssueKind = 'type-contradiction' | 'requested-type' | 'invalid-utf8' | 'nul-byte';

export interface ValueIssue {
  table: string;
  column: string;
  kind: ValueIssueKind;
  /** Declared type, or the type the plan requests for `requested-type`. */
  type: string;
  reason: string;
  /** How many sampled values have this issue, and how many rows were sampled. */
  count: number;
  sampled: number;
  /** Up to three examples: the row's key and an excerpt of the value. */
  examples: { key: Record<string, unknown>; value: string }[];
}

export interface SampleOptions {
  /** Rows read per table (from the start of the table). Default 10,000. */
  rows?: number;
  /** Types the plan requests per table id and column. */
  requested?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * Samples SQLite values for what will not load into PostgreSQL as declared: values of another storage class than
 * the declared type allows, text that is not valid UTF-8, NUL bytes, and values that do not fit a type the plan asks for.
 * Values are read as raw bytes (CAST AS BLOB), so invalid UTF-8 is seen as it is stored, not as a replacement character.
 */
export function sampleSqliteValues(
  db: SqliteDatabase,
  tables: readonly Table[],
  options: SampleOptions = {},
): ValueIssue[] {
  const limit = options.rows ?? 10_000;
  const issues: ValueIssue[] = [];
  for (const table of tables) {
    const columns = table.columns.filter((c) => c.generated === null);
    if (columns.length === 0) continue;
    const keyColumns = table.primaryKey?.columns ?? (table.hasRowid ? ['rowid'] : []);
    const select = [
      ...keyColumns.map((k, i) => `${k === 'rowid' ? 'rowid' : quoteIdent(k)} as k${i}`),
      ...columns.flatMap((c, i) => [
        `typeof(${quoteIdent(c.name)}) as t${i}`,
        `cast(${quoteIdent(c.name)} as blob) as v${i}`,
      ]),
    ].join(', ');
    const requested = options.requested?.get(table.id);
    const found = new Map<string, ValueIssue>();
    let sampled = 0;
    const statement = db.handle.prepare(`select ${select} from ${quoteIdent(table.name)} limit ?`);
    for (const row of statement.iterate(limit) as Iterable<Record<string, unknown>>) {
      sampled++;
      columns.forEach((column, i) => {
        const storage = row[`t${i}`] as StorageClass;
        if (storage === 'null') return;
        const bytes = row[`v${i}`] as Buffer;
        const checks: [ValueIssueKind, string, string | null][] = [];
        const textual = storage === 'text' || storage === 'blob';
        const validUtf8 = !textual || isValidUtf8(bytes);
        if (storage === 'text' && !validUtf8)
          checks.push(['invalid-utf8', column.type, 'text that is not valid UTF-8']);
        if (storage === 'text' && validUtf8 && hasNul(bytes))
          checks.push(['nul-byte', column.type, 'text with a NUL byte (PostgreSQL text cannot hold it)']);
        const text = validUtf8 ? bytes.toString('utf8') : null;
        const contradiction = sqliteContradiction(column.type, storage, text);
        if (contradiction) {
          const why =
            storage === 'blob' && !validUtf8 && /CHAR|CLOB|TEXT/i.test(column.type)
              ? 'binary data that is not valid UTF-8 in a text column'
              : contradiction;
          checks.push([
            storage === 'blob' && !validUtf8 ? 'invalid-utf8' : 'type-contradiction',
            column.type,
            why,
          ]);
        }
        const want = requested?.get(column.name);
        if (want) {
          const misfit = fitsRequestedType(want, storage, text);
          if (misfit) checks.push(['requested-type', want, misfit]);
        }
        for (const [kind, type, reason] of checks) {
          if (reason === null) continue;
          const id = `${column.name}\u0000${kind}\u0000${reason}`;
          let issue = found.get(id);
          if (!issue) {
            issue = {
              table: table.id,
              column: column.name,
              kind,
              type,
              reason,
              count: 0,
              sampled: 0,
              examples: [],
            };
            found.set(id, issue);
          }
          issue.count++;
          if (issue.examples.length < 3) {
            const key: Record<string, unknown> = {};
            keyColumns.forEach((k, j) => {
              key[k] = row[`k${j}`];
            });
            issue.examples.push({ key, value: excerpt(bytes) });
          }
        }
      });
    }
    for (const issue of found.values()) issues.push({ ...issue, sampled });
  }
  return issues;
}
