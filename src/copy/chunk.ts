import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from '../core/ident.js';
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

/**
 * One chunk from PostgreSQL: the chunk's upper key is found first (an index walk of `limit` keys), then the rows
 * between the last key and it stream COPY TO -> COPY FROM without being parsed: the peers' speed, with a checkpoint.
 */
export async function copyPostgresChunk(
  source: pg.ClientBase,
  sourceTable: { schema: string; name: string; id: string },
  key: string[],
  keyTypes: string[],
  columns: CopyColumn[],
  t: ChunkTarget,
  after: unknown[] | null,
  limit: number,
  filter?: string,
): Promise<ChunkResult> {
  const from = `${quoteIdent(sourceTable.schema)}.${quoteIdent(sourceTable.name)}`;
  const afterSql =
    [after === null ? null : afterKeyLiteral(key, after, keyTypes), filter ? `(${filter})` : null]
      .filter((c) => c !== null)
      .join(' AND ') || null;
  const boundary = await source.query({
    text: `SELECT ${keyList(key)} FROM ${from} ${afterSql ? `WHERE ${afterSql}` : ''} ORDER BY ${keyList(key)} OFFSET ${limit - 1} LIMIT 1`,
    rowMode: 'array',
  });
  const hi = (boundary.rows[0] as unknown[] | undefined) ?? null;
  const predicates = [afterSql, hi === null ? null : afterKeyLiteral(key, hi, keyTypes, '<=')].filter(
    (p): p is string => p !== null,
  );
  const select = columns.map((c) => c.selectExpression ?? quoteIdent(c.name)).join(', ');
  const copyOut = `COPY (SELECT ${select} FROM ${from}${predicates.length ? ` WHERE ${predicates.join(' AND ')}` : ''}) TO STDOUT`;
  return inTransaction(t, columns, sourceTable.id, async (copySql) => {
    const out = source.query(copyTo(copyOut));
    const into = t.client.query(copyFrom(copySql));
    await pipeline(out, into);
    // Without an upper key this was the last chunk; its last key is then the table's greatest.
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
