import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStub, loadSupabaseMigrations } from '../../examples/supabase/load.js';
import type { PostgresDatabase } from '../../src/db/postgres.js';
import { runPsqlScript } from './psql-script.js';

/** ../shared/fixtures beside the repository (CI clones main with shared/ next to it). */
export const FIXTURES =
  process.env.CLEAVE_FIXTURES ?? fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

/** Fixtures are never written: tests work on a copy in a temp folder. */
export async function sqliteCopy(...parts: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cleave-sqlite-'));
  const target = join(dir, basename(parts[parts.length - 1]!));
  await copyFile(fixture(...parts), target);
  return target;
}

export const SQLITE = {
  chinook: ['sqlite', 'chinook', 'Chinook_Sqlite.sqlite'],
  chinookAutoIncrement: ['sqlite', 'chinook', 'Chinook_Sqlite_AutoIncrementPKs.sqlite'],
  pgloader: (name: string) => ['sqlite', 'pgloader-tests', name],
} as const;

/** Chinook for PostgreSQL, loaded into the given database (its own CREATE DATABASE / \c are skipped). */
export async function loadChinookPg(db: PostgresDatabase): Promise<void> {
  const script = await readFile(fixture('postgres', 'chinook', 'Chinook_PostgreSql.sql'), 'utf8');
  await runPsqlScript(db, script.replace(/^(DROP|CREATE) DATABASE[^;]*;/gim, ''));
}

export async function loadPagila(db: PostgresDatabase): Promise<void> {
  await runPsqlScript(db, await readFile(fixture('postgres', 'pagila', 'pagila-schema.sql'), 'utf8'));
  await runPsqlScript(db, await readFile(fixture('postgres', 'pagila', 'pagila-data.sql'), 'utf8'));
}

/** A Supabase project's migrations over the auth/storage stub, in file-name order; returns what was skipped. */
export async function loadSupabaseProject(
  db: PostgresDatabase,
  project: 'chatbot-ui' | 'nextjs-subscription-payments',
): Promise<string[]> {
  await loadStub(db);
  const { skipped } = await loadSupabaseMigrations(
    db,
    fixture('supabase', project, 'supabase', 'migrations'),
  );
  return skipped;
}
