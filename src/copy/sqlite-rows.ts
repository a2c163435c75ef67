import type BetterSqlite3 from 'better-sqlite3';
import { excerpt } from '../catalog/value-checks.js';
import { quoteIdent } from '../core/ident.js';
import { encoderFor, type PlanValue, valueRules } from './encode.js';
import { afterKey, keyList, keyToJson } from './keyset.js';

/** A target column filled from SQLite, as plain data (it crosses into a worker thread). */
export interface SqliteColumnSpec {
  /** Column name in the target. */
  name: string;
  /** Column name in the source. */
  source: string;
  /** The type the value is checked against and encoded for (`text` for an encrypted column). */
  type: string;
  /** The plan's value map and NULL replacement, applied before the value is checked. */
  map?: Record<string, PlanValue> | undefined;
  whenNull?: Exclude<PlanValue, null> | undefined;
}

export interface SqliteChunkSpec {
  table: string;
  key: string[];
  columns: SqliteColumnSpec[];
  filter?: string | undefined;
}

export interface Reject {
  key: string;
  column: string | null;
  value: string | null;
  reason: string;
}

export interface SqliteChunkOutcome {
  read: number;
  rejects: Reject[];
  lastKey: unknown[] | null;
  /** No rows after this chunk. */
  end: boolean;
}

/** Rows encoded per batch of COPY text (about 100-200 kB for typical rows). */
const ROWS_PER_BATCH = 1000;

/**
 * One chunk from SQLite as batches of COPY text: the next `limit` rows after `after` in key order, read with
 * iterate() (no table in memory), encoded value by value; a row with a value that cannot be cast is rejected
 * whole, never altered. Returns what the chunk read, rejected and ended at.
 *
 * Text is read as strings, which is cheap; a string holding U+FFFD may be invalid UTF-8 decoded with
 * replacement characters, so from that row on the chunk is read again with text as raw bytes (CAST AS BLOB),
 * and invalid UTF-8 is seen as stored, not as a replacement character.
 */
export function* sqliteChunkText(
  db: BetterSqlite3.Database,
  spec: SqliteChunkSpec,
  after: unknown[] | null,
  limit: number,
): Generator<string, SqliteChunkOutcome, void> {
  const { key, columns } = spec;
  const names = columns.map((c) => quoteIdent(c.source));
  const bytes = names.map(
    (name) => `CASE WHEN typeof(${name}) = 'text' THEN CAST(${name} AS BLOB) ELSE ${name} END`,
  );
  const open = (raw: boolean, from: unknown[] | null, rows: number) => {
    const conditions = [
      from === null ? null : afterKey(key, () => '?'),
      spec.filter ? `(${spec.filter})` : null,
    ];
    const where = conditions.filter((c) => c !== null).join(' AND ');
    const sql = `SELECT ${keyList(key)}, ${(raw ? bytes : names).join(', ')} FROM ${quoteIdent(spec.table)} ${where ? `WHERE ${where}` : ''} ORDER BY ${keyList(key)} LIMIT ?`;
    return db
      .prepare(sql)
      .raw(true)
      .safeIntegers(true)
      .iterate(...(from ?? []), rows) as IterableIterator<unknown[]>;
  };
  const encoders = columns.map((c) => encoderFor({ name: c.name, type: c.type }));
  const prepares = columns.map((c) => valueRules(c.map, c.whenNull));
  const width = columns.length;
  const k = key.length;
  const rejects: Reject[] = [];
  let read = 0;
  let lastRow: unknown[] | null = null;
  let raw = false;
  let rows = open(false, after, limit);
  try {
    for (;;) {
      let batch = '';
      for (let n = 0; n < ROWS_PER_BATCH; n++) {
        const next = rows.next();
        if (next.done) {
          if (batch) yield batch;
          return { read, rejects, lastKey: lastRow === null ? null : lastRow.slice(0, k), end: read < limit };
        }
        const row = next.value;
        let line = '';
        let rejected: Reject | null = null;
        let suspect = false;
        for (let i = 0; i < width; i++) {
          let value = row[k + i];
          if (!raw && typeof value === 'string' && value.includes('\uFFFD')) {
            suspect = true;
            break;
          }
          const prepare = prepares[i];
          if (prepare !== undefined) value = prepare(value);
          if (value === null) {
            line += i === 0 ? '\\N' : '\t\\N';
            continue;
          }
          const encoded = encoders[i]!(value);
          if (typeof encoded !== 'string') {
            rejected = {
              key: keyToJson(row.slice(0, k)),
              column: columns[i]!.source,
              value: excerpt(Buffer.isBuffer(value) ? value : Buffer.from(String(value))),
              reason: encoded.reason,
            };
            break;
          }
          line += i === 0 ? encoded : `\t${encoded}`;
        }
        if (suspect) {
          // Read this row and the rest of the chunk again, with text as raw bytes.
          rows.return?.();
          raw = true;
          rows = open(true, lastRow === null ? after : lastRow.slice(0, k), limit - read);
          n--;
          continue;
        }
        read++;
        lastRow = row;
        if (rejected) rejects.push(rejected);
        else batch += `${line}\n`;
      }
      if (batch) yield batch;
    }
  } finally {
    // Stopped early (the COPY failed): release the statement.
    rows.return?.();
  }
}
