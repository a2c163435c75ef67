import type { Database } from './port.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';
import { parseDatabaseUrl } from './url.js';

export interface ConnectOptions {
  /** Folder against which relative sqlite: paths resolve (the plan file's folder). */
  baseDir?: string;
  role?: 'source' | 'target';
  /** Open a SQLite file for writing (targets, tests); sources are opened read-only. */
  writable?: boolean;
}

/** Opens a source or target from its URL and checks that it answers. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  const parsed = parseDatabaseUrl(url, options.baseDir);
  if (parsed.engine === 'sqlite') {
    return new SqliteDatabase({ path: parsed.path, display: parsed.display, readonly: !options.writable });
  }
  const db = new PostgresDatabase({
    connectionString: parsed.connectionString,
    display: parsed.display,
    max: parsed.connectionLimit,
    role: options.role,
  });
  try {
    await db.ping();
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
