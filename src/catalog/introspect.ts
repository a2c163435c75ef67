import type { Database } from '../db/port.js';
import { SqliteDatabase } from '../db/sqlite.js';
import { introspectPostgres, type PostgresIntrospectOptions } from './introspect-postgres.js';
import { introspectSqlite } from './introspect-sqlite.js';
import type { Catalog } from './model.js';

export interface IntrospectOptions extends PostgresIntrospectOptions {}

/** Reads the catalog of any supported source into the one Catalog model. */
export async function introspect(db: Database, options: IntrospectOptions = {}): Promise<Catalog> {
  if (db instanceof SqliteDatabase) return introspectSqlite(db, { counts: options.counts !== 'estimate' });
  return introspectPostgres(db, options);
}
