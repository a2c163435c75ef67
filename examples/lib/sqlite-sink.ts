import { readFileSync, rmSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { TableRows } from './table-rows.js';

const ROWS_PER_TRANSACTION = 10_000;

/** `sqlite:/abs/file.sqlite` (or a relative path, against the working directory) -> file path. */
export function sqlitePath(url: string): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (!match) throw new Error(`expected a sqlite:PATH url, got ${url}`);
  const path = match[1]!;
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Creates (or overwrites) the file, runs the schema, and inserts every table with one prepared statement per
 * table and a transaction per 10,000 rows. Rollback journal, not WAL: the result is one self-contained file.
 */
export function buildSqlite(
  url: string,
  schemaFile: string,
  tables: readonly TableRows[],
): Record<string, number> {
  const path = sqlitePath(url);
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    // Random uuid keys touch index pages all over the file; a 64 MB page cache keeps that off the disk.
    db.pragma('cache_size = -65536');
    db.pragma('foreign_keys = ON');
    db.exec(readFileSync(schemaFile, 'utf8'));
    const counts: Record<string, number> = {};
    for (const spec of tables) counts[spec.table] = (counts[spec.table] ?? 0) + insertTable(db, spec);
    // Statistics for the planner (and for Cleave's row estimates); a sample is enough.
    db.pragma('analysis_limit = 1000');
    db.exec('analyze');
    return counts;
  } finally {
    db.close();
  }
}

function insertTable(db: Database.Database, spec: TableRows): number {
  const columns = spec.columns.map((c) => `"${c}"`).join(', ');
  const params = spec.columns.map(() => '?').join(', ');
  const insert = db.prepare(`insert into "${spec.table}" (${columns}) values (${params})`);
  let written = 0;
  let pending = 0;
  db.exec('begin');
  try {
    for (const row of spec.rows) {
      insert.run(...row);
      written++;
      if (++pending === ROWS_PER_TRANSACTION) {
        db.exec('commit; begin');
        pending = 0;
      }
    }
    db.exec('commit');
  } catch (error) {
    if (db.inTransaction) db.exec('rollback');
    throw error;
  }
  return written;
}
