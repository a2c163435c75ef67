import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent, stringLiteral } from '../core/ident.js';
import type { PlanValue, Repair } from './encode.js';
import { afterKeyLiteral, keyList, keyToJson } from './keyset.js';
import { advanceProgress, insertRejects } from './progress.js';
import type { ChunkReader } from './sqlite-reader.js';
import type { Reject, SqliteChunkSpec } from './sqlite-rows.js';

export interface CopyColumn {
  /** Column name in the target. */
  name: string;
  /** Column name in the source, when the plan renames it. */
  source?: string;
  /** The type values are checked against and encoded for (SQLite source; `text` when encrypted). */
  type: string;
  /** The target column holds pgp_sym_encrypt(value): the chunk goes through a staging table. */
  encrypted: boolean;
  /** PostgreSQL source: the SELECT expression that yields the target type (the column itself when equal). */
  selectExpression?: string;
  /** SQLite source: the plan's value map and NULL replacement, applied before the value is checked. */
  map?: Record<string, PlanValue> | undefined;
  whenNull?: Exclude<PlanValue, null> | undefined;
  /** SQLite source: the plan's explicit repairs of values that would be rejected. */
  repair?: Repair | undefined;
}

export interface ChunkTarget {
  client: pg.ClientBase;
  service: string;
  schema: string;
  table: string;
  /** The target has GENERATED ALWAYS identity columns: inserts need OVERRIDING SYSTEM VALUE. */
  alwaysIdentity: boolean;
  /** The encryption key for encrypted columns (passed as a bind parameter, never logged or stored). */
  encryptionKey?: string | undefined;
  /** The key range this session copies, when the table is copied in parts (its checkpoint row). */
  part?: number | undefined;
}

export interface ChunkResult {
  read: number;
  written: number;
  rejected: number;
  lastKey: unknown[] | null;
  /** No rows after this chunk. */
  end: boolean;
}

const target = (t: ChunkTarget) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
const columnList = (columns: readonly CopyColumn[]) => columns.map((c) => quoteIdent(c.name)).join(', ');

/**
 * Runs one chunk inside a target transaction: COPY the rows (straight into the table, or into a staging table
 * when a column is encrypted or an identity is GENERATED ALWAYS), record rejects, advance the checkpoint,
 * COMMIT. Everything a chunk does lands together or not at all.
 */
async function inTransaction(
  t: ChunkTarget,
  columns: readonly CopyColumn[],
  sourceTable: string,
  fill: (copySql: string) => Promise<{
    read: number;
    rejects: Reject[];
    lastKey: unknown[] | null;
    /** Rowid positions: the key of the row at lastKey. */
    lastRowKey?: unknown[] | null;
    end: boolean;
  }>,
): Promise<ChunkResult> {
  const staged = t.alwaysIdentity || columns.some((c) => c.encrypted);
  await t.client.query('BEGIN');
  try {
    let copyInto = `${target(t)} (${columnList(columns)})`;
    if (staged) {
      await t.client.query(
        `CREATE TEMP TABLE cleave_stage ON COMMIT DROP AS SELECT ${columnList(columns)} FROM ${target(t)} WITH NO DATA`,
      );
      for (const c of columns.filter((x) => x.encrypted)) {
        await t.client.query(
          `ALTER TABLE cleave_stage ALTER COLUMN ${quoteIdent(c.name)} TYPE text USING NULL`,
        );
      }
      copyInto = `cleave_stage (${columnList(columns)})`;
    }
    const filled = await fill(`COPY ${copyInto} FROM STDIN`);
    const rejected = filled.rejects.filter((r) => r.kind !== 'repaired').length;
    let written = filled.read - rejected;
    if (staged) {
      const select = columns
        .map((c) => (c.encrypted ? `public.pgp_sym_encrypt(${quoteIdent(c.name)}, $1)` : quoteIdent(c.name)))
        .join(', ');
      const result = await t.client.query(
        `INSERT INTO ${target(t)} (${columnList(columns)}) ${t.alwaysIdentity ? 'OVERRIDING SYSTEM VALUE ' : ''}SELECT ${select} FROM cleave_stage`,
        columns.some((c) => c.encrypted) ? [t.encryptionKey] : [],
      );
      written = result.rowCount ?? written;
    }
    await insertRejects(t.client, t.service, sourceTable, filled.rejects);
    await advanceProgress(t.client, {
      service: t.service,
      table: sourceTable,
      target: `${t.schema}.${t.table}`,
      lastKey: filled.lastKey === null ? null : keyToJson(filled.lastKey),
      lastRowKey:
        filled.lastRowKey === undefined
          ? undefined
          : filled.lastRowKey === null
            ? null
            : keyToJson(filled.lastRowKey),
      read: filled.read,
      written,
      rejected,
      done: filled.end,
      part: t.part,
    });
    await t.client.query('COMMIT');
    return {
      read: filled.read,
      written,
      rejected,
      lastKey: filled.lastKey,
      end: filled.end,
    };
  } catch (error) {
    await t.client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * One chunk from SQLite: its COPY data, made batch by batch as the COPY stream asks for more (in this thread or a
 * worker's: see sqlite-reader.ts; backpressure: nothing proportional to the table is held), committed with what
 * it read, rejected and ended at.
 */
export function copySqliteChunk(
  reader: ChunkReader,
  spec: SqliteChunkSpec,
  columns: CopyColumn[],
  t: ChunkTarget,
  after: unknown[] | null,
  limit: number,
): Promise<ChunkResult> {
  return inTransaction(t, columns, spec.table, async (copySql) => {
    const chunk = reader.open(spec, after, limit);
    await pipeline(
      chunk.stream,
      t.client.query(copyFrom(spec.binary ? `${copySql} (FORMAT binary)` : copySql)),
    );
    return chunk.outcome();
  });
}

/** The conditions of a chunk: keys after `after` (when set), up to `hi` (when set), and the plan's filter. */
function keyRange(
  key: string[],
  keyTypes: string[],
  after: unknown[] | null,
  hi: unknown[] | null,
  filter: string | undefined,
): string[] {
  const conditions: string[] = [];
  if (after !== null) conditions.push(afterKeyLiteral(key, after, keyTypes));
  if (filter) conditions.push(`(${filter})`);
  if (hi !== null) conditions.push(afterKeyLiteral(key, hi, keyTypes, '<='));
  return conditions;
}

/**
 * The upper keys of the chunks a PostgreSQL table (or one key range of it) is copied in, after `after`: every
 * `limit`-th key, read from a sample of the table's pages when it is large (a page sample follows the rows
 * wherever they are, so the chunks come out near `limit` rows; their exact sizes do not matter, only that
 * consecutive chunks meet). One pass over the keys instead of a walk of `limit` keys before every chunk.
 * A table the catalog counts as well under one chunk has no bounds: it is read whole, in heap order.
 */
export async function chunkBounds(
  source: pg.ClientBase,
  sourceTable: { schema: string; name: string; rows?: number | null },
  key: string[],
  keyTypes: string[],
  after: unknown[] | null,
  limit: number,
  filter?: string,
): Promise<unknown[][]> {
  const rows = sourceTable.rows ?? 0;
  if (after === null && rows > 0 && rows * 2 < limit) return [];
  const from = `${quoteIdent(sourceTable.schema)}.${quoteIdent(sourceTable.name)}`;
  const pages = Number(
    (
      await source.query<{ pages: string }>(
        `SELECT (pg_relation_size(${stringLiteral(from)}::regclass) / current_setting('block_size')::int8)::text AS pages`,
      )
    ).rows[0]?.pages ?? 0,
  );
  // At least 500 pages, and 16 for every chunk's worth of rows (about 50 rows a page when not counted).
  const chunks = Math.ceil((rows > 0 ? rows : pages * 50) / limit);
  const percent = pages > 0 ? Math.min(100, (100 * Math.max(500, 16 * chunks)) / pages) : 100;
  const sampled = percent < 50;
  const step = sampled ? Math.max(1, Math.round((limit * percent) / 100)) : limit;
  const where = keyRange(key, keyTypes, after, null, filter);
  const k = keyList(key);
  // The keys are read in heap order and sorted (OFFSET 0 keeps the planner from walking the key's index, which
  // visits the heap in key order, a random read).
  const bounds = await source.query({
    text: `SELECT ${k} FROM (SELECT ${k}, row_number() OVER (ORDER BY ${k}) AS cleave_n FROM (SELECT ${k} FROM ${from}${sampled ? ` TABLESAMPLE SYSTEM (${percent.toFixed(6)})` : ''}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} OFFSET 0) keys) s WHERE cleave_n % ${step} = 0 ORDER BY ${k}`,
    rowMode: 'array',
  });
  return bounds.rows as unknown[][];
}

/**
 * One chunk from PostgreSQL: the rows after the last key up to `hi` (to the end when null) stream COPY TO ->
 * COPY FROM without being parsed: the peers' speed, with a checkpoint.
 */
export async function copyPostgresChunk(
  source: pg.ClientBase,
  sourceTable: { schema: string; name: string; id: string },
  key: string[],
  keyTypes: string[],
  columns: CopyColumn[],
  t: ChunkTarget,
  after: unknown[] | null,
  hi: unknown[] | null,
  filter?: string,
): Promise<ChunkResult> {
  const from = `${quoteIdent(sourceTable.schema)}.${quoteIdent(sourceTable.name)}`;
  const predicates = keyRange(key, keyTypes, after, hi, filter);
  const select = columns.map((c) => c.selectExpression ?? quoteIdent(c.name)).join(', ');
  const copyOut = `COPY (SELECT ${select} FROM ${from}${predicates.length ? ` WHERE ${predicates.join(' AND ')}` : ''}) TO STDOUT`;
  return inTransaction(t, columns, sourceTable.id, async (copySql) => {
    const out = source.query(copyTo(copyOut));
    await pipeline(out, t.client.query(copyFrom(copySql)));
    // The last chunk ends at the table's greatest key.
    const lastKey =
      hi ??
      (
        await source.query({
          text: `SELECT ${keyList(key)} FROM ${from} ORDER BY ${key.map((c) => `${quoteIdent(c)} DESC`).join(', ')} LIMIT 1`,
          rowMode: 'array',
        })
      ).rows[0] ??
      after;
    return { read: out.rowCount, rejects: [], lastKey: lastKey as unknown[] | null, end: hi === null };
  });
}
