import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { CleaveError, messageOf } from '../core/errors.js';
import { quoteIdent } from '../core/ident.js';
import { ensureControlSchema } from '../migrations/control.js';
import { acquireLock } from '../migrations/lock.js';
import { by, prepareSession } from '../migrations/runner.js';
import type { SeedSet } from './sets.js';

export type SeedState = 'applied' | 'pending' | 'changed';

export interface SeedStatus {
  service: string;
  name: string;
  state: SeedState;
  appliedAt: Date | null;
}

/** What a .ts/.js seed file's default export receives: one method, values always as parameters. */
export interface SeedContext {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  service: string;
  schema: string;
}

export async function seedStatus(
  client: pg.ClientBase,
  service: string,
  sets: SeedSet[],
): Promise<SeedStatus[]> {
  await ensureControlSchema(client);
  const { rows } = await client.query<{ name: string; checksum: string; applied_at: Date }>(
    'SELECT name, checksum, applied_at FROM cleave.seed_sets WHERE service = $1',
    [service],
  );
  const ran = new Map(rows.map((r) => [r.name, r]));
  return sets.map((s) => {
    const r = ran.get(s.name);
    return {
      service,
      name: s.name,
      state: !r ? 'pending' : r.checksum === s.checksum ? 'applied' : 'changed',
      appliedAt: r?.applied_at ?? null,
    };
  });
}

/**
 * Runs the sets that are new or changed (or every named one with `force`), each in one transaction with its
 * ledger row: a failed set leaves no half of itself behind. Seed files should be idempotent (upserts), since a
 * changed set runs again over its earlier rows; `resetService` gives a clean slate when they are not.
 */
export async function runSeeds(
  client: pg.ClientBase,
  target: { service: string; schema: string },
  sets: SeedSet[],
  options: { only?: string[]; force?: boolean; onSet?: (set: SeedSet, durationMs: number) => void } = {},
): Promise<SeedStatus[]> {
  await prepareSession(client);
  const release = await acquireLock(client, `cleave:seed:${target.service}`, { timeoutMs: 60_000 });
  try {
    const status = await seedStatus(client, target.service, sets);
    for (const set of sets) {
      if (options.only?.length && !options.only.includes(set.name)) continue;
      const state = status.find((s) => s.name === set.name)!.state;
      if (state === 'applied' && !options.force) continue;
      const started = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(`SELECT pg_catalog.set_config('search_path', $1, true)`, [
          `${quoteIdent(target.schema)}, public`,
        ]);
        for (const file of set.files) await runFile(client, target, set, file);
        await client.query(
          `INSERT INTO cleave.seed_sets (service, name, checksum, files, duration_ms, applied_by) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (service, name) DO UPDATE SET checksum = excluded.checksum, files = excluded.files,
             applied_at = now(), duration_ms = excluded.duration_ms, applied_by = excluded.applied_by`,
          [
            target.service,
            set.name,
            set.checksum,
            JSON.stringify(set.files.map((f) => f.name)),
            Date.now() - started,
            by(),
          ],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      options.onSet?.(set, Date.now() - started);
    }
    return seedStatus(client, target.service, sets);
  } finally {
    await release();
  }
}

async function runFile(
  client: pg.ClientBase,
  target: { service: string; schema: string },
  set: SeedSet,
  file: SeedSet['files'][number],
): Promise<void> {
  try {
    if (file.kind === 'sql') {
      await client.query(file.content);
      return;
    }
    const module = (await importSeedScript(file.path)) as { default?: unknown };
    // Loaded as CommonJS (no "type": "module" around it), the default export sits one level down.
    const seed =
      typeof module.default === 'function'
        ? module.default
        : (module.default as { default?: unknown } | undefined)?.default;
    if (typeof seed !== 'function') {
      throw new CleaveError('PLAN_INVALID', `${file.path} has no default export function`, {
        hint: 'export default async function (db) { await db.query(...) }',
      });
    }
    await (seed as (ctx: SeedContext) => Promise<void>)({
      service: target.service,
      schema: target.schema,
      query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    });
  } catch (error) {
    if (error instanceof CleaveError) throw error;
    throw new CleaveError(
      'MIGRATION_FAILED',
      `seed set ${target.service}/${set.name}, file ${file.name}: ${messageOf(error)}`,
      {
        hint: 'the set was rolled back: fix the file and run `cleave seed` again',
        cause: error,
      },
    );
  }
}

/**
 * Empties every table of the service (TRUNCATE ... RESTART IDENTITY) and forgets its seed runs, in one
 * transaction; the caller then runs every set, which gives the rows of a fresh setup.
 */
export async function resetService(
  client: pg.ClientBase,
  target: { service: string; schema: string },
): Promise<string[]> {
  await ensureControlSchema(client);
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    [target.schema],
  );
  await client.query('BEGIN');
  try {
    if (rows.length > 0) {
      await client.query(
        `TRUNCATE ${rows.map((r) => `${quoteIdent(target.schema)}.${quoteIdent(r.name)}`).join(', ')} RESTART IDENTITY CASCADE`,
      );
    }
    await client.query('DELETE FROM cleave.seed_sets WHERE service = $1', [target.service]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return rows.map((r) => r.name);
}

/**
 * A TypeScript seed is loaded through tsx as an ES module wherever it lives (a seeds folder need not sit in a
 * package with "type": "module"); a .js/.mjs seed is a plain import.
 */
async function importSeedScript(path: string): Promise<unknown> {
  if (path.endsWith('.ts')) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(pathToFileURL(path).href, import.meta.url);
  }
  return import(pathToFileURL(path).href);
}
