import { createDatabaseIfMissing } from './create-database.js';
import { embeddedServer } from './embedded.js';
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
  /** Folder of the embedded server for `embedded:` URLs (default `.cleave` in the working folder). */
  embeddedHome?: string;
  /** For `embedded:NAME`: create the database when it does not exist yet. */
  create?: boolean;
}

/** Opens a source or target from its URL and checks that it answers. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  const parsed = parseDatabaseUrl(url, options.baseDir);
  if (parsed.engine === 'sqlite') {
    return new SqliteDatabase({ path: parsed.path, display: parsed.display, readonly: !options.writable });
  }
  if (parsed.engine === 'embedded') {
    const server = await embeddedServer(
      options.embeddedHome === undefined ? {} : { home: options.embeddedHome },
    );
    if (options.create) await createDatabaseIfMissing(server.adminUrl, parsed.database, 'embedded:postgres');
    return open(server.urlFor(parsed.database), parsed.display, undefined, options.role);
  }
  return open(parsed.connectionString, parsed.display, parsed.connectionLimit, options.role);
}

async function open(
  connectionString: string,
  display: string,
  max: number | undefined,
  role: ConnectOptions['role'],
): Promise<Database> {
  const db = new PostgresDatabase({ connectionString, display, max, role });
  try {
    await db.ping();
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
