import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { CleaveError, messageOf } from '../core/errors.js';
import type { Capabilities, Database, Row } from './port.js';

const CAPABILITIES: Capabilities = {
  copy: false,
  schemas: false,
  transactionalDdl: true,
  advisoryLocks: false,
  exactCountsAreCheap: true,
};

export interface SqliteOptions {
  path: string;
  display: string;
  readonly?: boolean;
}

export class SqliteDatabase implements Database {
  readonly engine = 'sqlite' as const;
  readonly capabilities = CAPABILITIES;
  readonly displayUrl: string;
  readonly handle: BetterSqlite3.Database;

  constructor(options: SqliteOptions) {
    this.displayUrl = options.display;
    const readonly = options.readonly ?? true;
    if (readonly && !existsSync(options.path)) {
      throw new CleaveError('SOURCE_UNREACHABLE', `SQLite file not found: ${options.path}`, {
        hint: 'check the path; a relative sqlite: path is resolved from the plan file’s folder (or the current folder without a plan)',
      });
    }
    try {
      this.handle = new BetterSqlite3(options.path, { readonly, fileMustExist: readonly });
      // Touch the header so that a file that is not a database fails here, with its name, not later.
      this.handle.prepare('select count(*) from sqlite_schema').get();
    } catch (error) {
      if (error instanceof CleaveError) throw error;
      throw new CleaveError(
        'SOURCE_UNREACHABLE',
        `cannot open ${options.path} as SQLite: ${messageOf(error)}`,
        {
          hint: 'the file must be a SQLite 3 database; if another process is writing it, retry when it has finished',
          cause: error,
        },
      );
    }
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const statement = this.handle.prepare(sql);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  /** Streams rows of a query without holding them in memory. */
  iterate<T extends Row = Row>(sql: string, params: readonly unknown[] = []): IterableIterator<T> {
    return this.handle.prepare(sql).iterate(...params) as IterableIterator<T>;
  }

  async close(): Promise<void> {
    this.handle.close();
  }
}

/**
 * The smallest and greatest value of `expression` over a table (with an optional WHERE condition), as BigInt for
 * integers (null when the table has none). Each is its own subquery: SQLite answers a lone min() or max() of an
 * indexed column or the rowid from one end of the b-tree, but reads the whole table for the pair.
 */
export function sqliteBounds(
  db: BetterSqlite3.Database,
  table: string,
  expression: string,
  where?: string,
): [unknown, unknown] {
  const from = `FROM ${table}${where ? ` WHERE ${where}` : ''}`;
  return db
    .prepare(`SELECT (SELECT min(${expression}) ${from}), (SELECT max(${expression}) ${from})`)
    .raw(true)
    .safeIntegers(true)
    .get() as [unknown, unknown];
}
