import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { supabaseCompatible } from './compat.js';

/** Absolute path of stub.sql. */
export const stubFile = fileURLToPath(new URL('./stub.sql', import.meta.url));

/** The one method needed: run a (multi-statement) SQL text. A pg Client or Pool fits. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

export async function loadStub(db: SqlRunner): Promise<void> {
  await db.query(await readFile(stubFile, 'utf8'));
}

/**
 * Loads a Supabase project's migrations folder into a database that has the stub: every `.sql` file in file
 * name order (the timestamp prefix), each rewritten by supabaseCompatible and run whole as one query.
 */
export async function loadSupabaseMigrations(
  db: SqlRunner,
  migrationsDir: string,
): Promise<{ files: string[]; skipped: string[] }> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  const skipped: string[] = [];
  for (const file of files) {
    const rewritten = supabaseCompatible(await readFile(join(migrationsDir, file), 'utf8'));
    skipped.push(...rewritten.skipped);
    try {
      await db.query(rewritten.sql);
    } catch (cause) {
      throw new Error(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
  return { files, skipped };
}
