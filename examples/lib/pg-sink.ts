import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine } from './copy-text.js';
import type { TableRows } from './table-rows.js';

function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

// Lines are handed to the COPY stream in chunks of about this size, so writes stay few and memory flat.
const CHUNK_CHARS = 64 * 1024;

function* copyChunks(spec: TableRows, counter: { rows: number }): Generator<string> {
  let chunk = '';
  for (const row of spec.rows) {
    if (row.length !== spec.columns.length) {
      throw new Error(`${spec.table}: a row has ${row.length} values for ${spec.columns.length} columns`);
    }
    chunk += copyLine(row);
    counter.rows++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Streams one table's rows with COPY FROM STDIN; returns the number of rows written. */
export async function copyRows(client: pg.ClientBase, spec: TableRows): Promise<number> {
  const sql = `copy ${quoteName(spec.table)} (${spec.columns.map(quoteName).join(', ')}) from stdin`;
  const counter = { rows: 0 };
  await pipeline(Readable.from(copyChunks(spec, counter)), client.query(copyFrom(sql)));
  return counter.rows;
}

/**
 * Runs each SQL file as one multi-statement query (function bodies in $$ quotes make splitting on `;` wrong),
 * then copies every table in one transaction, parents first.
 */
export async function buildPostgres(
  url: string,
  sqlFiles: readonly string[],
  tables: readonly TableRows[],
): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url, application_name: 'cleave-example' });
  await client.connect();
  try {
    for (const file of sqlFiles) await client.query(await readFile(file, 'utf8'));
    const counts: Record<string, number> = {};
    await client.query('begin');
    try {
      for (const spec of tables) {
        const written = await copyRows(client, spec);
        counts[spec.table] = (counts[spec.table] ?? 0) + written;
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
    // Fresh statistics, so the row estimates Cleave reads from pg_class match what was written.
    await client.query('analyze');
    return counts;
  } finally {
    await client.end();
  }
}
