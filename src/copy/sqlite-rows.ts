import type BetterSqlite3 from 'better-sqlite3';
import { excerpt } from '../catalog/value-checks.js';
import { quoteIdent } from '../core/ident.js';
import { type BinaryEncoder, BinaryRows, binaryEncoderFor } from './binary.js';
import { encoderFor, type PlanValue, type Repair, repairValue, valueRules } from './encode.js';
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
  repair?: Repair | undefined;
  /** The target type is an enum or a domain (written as text only). */
  userType?: boolean | undefined;
}

export interface SqliteChunkSpec {
  table: string;
  key: string[];
  columns: SqliteColumnSpec[];
  filter?: string | undefined;
  /**
   * Chunks are rowid ranges (a chunk's position, `after` and its last key, is a rowid; `key` still names each
   * row in rejects): for a rowid table whose copy key is not the rowid itself, where key order would cost an
   * index lookup per row. A plain scan in the table's own order.
   */
  byRowid?: boolean;
  /** COPY's binary format (every column's type has a binary encoder: see binaryFormatFor), else text. */
  binary?: boolean;
}

/** Whether a table's columns can all be written in COPY's binary format. */
export function binaryFormatFor(columns: readonly SqliteColumnSpec[]): boolean {
  return columns.every((c) => binaryEncoderFor(c.type, c.userType === true) !== null);
}

export interface Reject {
  key: string;
  column: string | null;
  value: string | null;
  reason: string;
  /** `repaired`: the row was copied with this value repaired as the plan allows (listed, never silent). */
  kind?: 'rejected' | 'repaired';
}

function rejectOf(key: unknown[], column: string, value: unknown, reason: string): Reject {
  return {
    key: keyToJson(key),
    column,
    value: excerpt(Buffer.isBuffer(value) ? value : Buffer.from(String(value))),
    reason,
  };
}

function repairOf(key: unknown[], column: string, value: unknown, reason: string, how: string): Reject {
  return { ...rejectOf(key, column, value, `${reason}: ${how} (plan: repair)`), kind: 'repaired' };
}

export interface SqliteChunkOutcome {
  read: number;
  rejects: Reject[];
  /** Where the next chunk starts after: the last row's key, or (rowid chunks) its rowid. */
  lastKey: unknown[] | null;
  /** Rowid chunks: the last row's key (checked on resume, to see that the rowids still name the same rows). */
  lastRowKey?: unknown[] | null;
  /** No rows after this chunk. */
  end: boolean;
}

/** Rows encoded per batch of COPY text (about 100-200 kB for typical rows). */
const ROWS_PER_BATCH = 1000;

/**
 * One chunk from SQLite as batches of COPY data, text or (spec.binary) binary, a whole COPY stream: the next
 * `limit` rows after `after` in key order, read with iterate() (no table in memory), encoded value by value; a
 * row with a value that cannot be cast is rejected whole, never altered. Returns what the chunk read, rejected
 * and ended at.
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
): Generator<string | Buffer, SqliteChunkOutcome, void> {
  const { key, columns } = spec;
  const names = columns.map((c) => quoteIdent(c.source));
  const bytes = names.map(
    (name) => `CASE WHEN typeof(${name}) = 'text' THEN CAST(${name} AS BLOB) ELSE ${name} END`,
  );
  const table = quoteIdent(spec.table);
  const keys = keyList(key);
  const filter = spec.filter ? `(${spec.filter})` : null;
  const whereOf = (...conditions: (string | null)[]) => {
    const where = conditions.filter((c) => c !== null).join(' AND ');
    return where ? `WHERE ${where}` : '';
  };
  // Statements by (raw, with a position): each batch is the next rows after the last one read.
  const statements = new Map<string, BetterSqlite3.Statement>();
  /** The next `rows` rows after `from` (a key, a rowid, or null for the chunk's start). */
  const fetch = (raw: boolean, from: unknown[] | null, rows: number): unknown[][] => {
    const id = `${raw} ${from === null}`;
    let statement = statements.get(id);
    if (!statement) {
      const values = (raw ? bytes : names).join(', ');
      const sql = spec.byRowid
        ? `SELECT _rowid_, ${keys}, ${values} FROM ${table} ${whereOf(from === null ? null : '_rowid_ > ?', filter)} ORDER BY _rowid_ LIMIT ?`
        : `SELECT ${keys}, ${values} FROM ${table} ${whereOf(from === null ? null : afterKey(key, () => '?'), filter)} ORDER BY ${keys} LIMIT ?`;
      statement = db.prepare(sql).raw(true).safeIntegers(true);
      statements.set(id, statement);
    }
    // A checkpoint's rowid is stored as text.
    const position = from === null ? [] : spec.byRowid ? [BigInt(from[0] as string | bigint)] : from;
    return statement.all(...position, rows) as unknown[][];
  };
  const encoders = columns.map((c) => encoderFor({ name: c.name, type: c.type }));
  const binary: BinaryEncoder[] | null = spec.binary
    ? columns.map((c) => binaryEncoderFor(c.type, c.userType === true)!)
    : null;
  const out = binary ? new BinaryRows() : null;
  out?.header();
  const prepares = columns.map((c) => valueRules(c.map, c.whenNull));
  const width = columns.length;
  const k = key.length;
  const rejects: Reject[] = [];
  let read = 0;
  let lastRow: unknown[] | null = null;
  let raw = false;
  // Rowid chunks put each row's rowid first.
  const o = spec.byRowid ? 1 : 0;
  const keyOf = (row: unknown[]) => row.slice(o, o + k);
  /** Where the chunk has got to: the last row's rowid (rowid chunks) or key. */
  const positionOf = (row: unknown[]) => (spec.byRowid ? [row[0]] : keyOf(row));
  for (;;) {
    const want = Math.min(ROWS_PER_BATCH, limit - read);
    // Rows are fetched a batch at a time (one call for a thousand rows, not one per row).
    const rows: unknown[][] =
      want > 0 ? fetch(raw, lastRow === null ? after : positionOf(lastRow), want) : [];
    let batch = '';
    let again = false;
    for (let r = 0; r < rows.length; r++) {
      const row: unknown[] = rows[r]!;
      out?.beginRow(width);
      let line = '';
      let rejected: Reject | null = null;
      let repaired: Reject[] | null = null;
      let suspect = false;
      for (let i = 0; i < width; i++) {
        let value = row[o + k + i];
        if (!raw && typeof value === 'string' && value.includes('\uFFFD')) {
          suspect = true;
          break;
        }
        const prepare = prepares[i];
        if (prepare !== undefined) value = prepare(value);
        if (value === null) {
          if (out) out.null();
          else line += i === 0 ? '\\N' : '\t\\N';
          continue;
        }
        if (binary) {
          // Written straight into the batch; a rejected row is taken back below.
          let bad = binary[i]!(value, out!);
          const repair = columns[i]!.repair;
          if (bad !== undefined && repair !== undefined) {
            const fixed = repairValue(value, repair);
            if (fixed !== null && binary[i]!(fixed.value, out!) === undefined) {
              repaired ??= [];
              repaired.push(repairOf(keyOf(row), columns[i]!.source, value, bad.reason, fixed.how));
              bad = undefined;
            }
          }
          if (bad !== undefined) {
            rejected = rejectOf(keyOf(row), columns[i]!.source, value, bad.reason);
            break;
          }
          continue;
        }
        let encoded = encoders[i]!(value);
        const repair = columns[i]!.repair;
        if (typeof encoded !== 'string' && repair !== undefined) {
          const fixed = repairValue(value, repair);
          const again = fixed === null ? encoded : encoders[i]!(fixed.value);
          if (fixed !== null && typeof again === 'string') {
            repaired ??= [];
            repaired.push(repairOf(keyOf(row), columns[i]!.source, value, encoded.reason, fixed.how));
            encoded = again;
          }
        }
        if (typeof encoded !== 'string') {
          rejected = rejectOf(keyOf(row), columns[i]!.source, value, encoded.reason);
          break;
        }
        line += i === 0 ? encoded : `\t${encoded}`;
      }
      if (suspect) {
        // This row and the rest of the chunk are read again with text as raw bytes.
        out?.rollback();
        raw = true;
        again = true;
        break;
      }
      read++;
      lastRow = row;
      if (rejected) {
        rejects.push(rejected);
        out?.rollback();
      } else {
        // A repaired value is listed only once its row is copied.
        if (repaired) rejects.push(...repaired);
        if (!out) batch += `${line}\n`;
      }
    }
    // The chunk ends with its limit, or with the table (fewer rows than asked for).
    const last = !again && (read >= limit || rows.length < want);
    if (out) {
      if (last) out.trailer();
      if (out.length > 0) yield out.take();
    } else if (batch) yield batch;
    if (last)
      return {
        read,
        rejects,
        lastKey: lastRow === null ? null : positionOf(lastRow),
        ...(spec.byRowid ? { lastRowKey: lastRow === null ? null : keyOf(lastRow) } : {}),
        end: read < limit,
      };
  }
}
