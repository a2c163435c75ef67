import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

/** Cleave's own schema, as numbered .sql files beside this module (copied into dist/ by the build). */
const SQL_DIR = new URL('./sql/', import.meta.url);

/** A lock key of Cleave's own, for installing or upgrading the control schema. */
const CONTROL_LOCK = 0x636c6561; // "clea"

/**
 * Brings the `cleave` control schema of a database up to date. Concurrent callers serialise on a
 * transaction-scoped advisory lock; each file runs once, recorded in cleave.control_migrations.
 */
export async function ensureControlSchema(client: pg.ClientBase): Promise<void> {
  const files = (await readdir(SQL_DIR)).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CONTROL_LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS cleave');
    await client.query(
      'CREATE TABLE IF NOT EXISTS cleave.control_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM cleave.control_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const file of files) {
      const version = Number.parseInt(file, 10);
      if (done.has(version)) continue;
      await client.query(await readFile(new URL(file, SQL_DIR), 'utf8'));
      await client.query('INSERT INTO cleave.control_migrations (version, name) VALUES ($1, $2)', [
        version,
        file,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
