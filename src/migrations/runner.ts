import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import { CleaveError, messageOf } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { ensureControlSchema } from './control.js';
import { lineDiff } from './diff.js';
import type { MigrationFile } from './file.js';
import {
  type AppliedMigration,
  clearProgress,
  compareVersions,
  deleteApplied,
  insertApplied,
  readApplied,
  readProgress,
  recordEvent,
  saveProgress,
} from './ledger.js';
import { acquireLock } from './lock.js';
import { lineColumn, type SqlStatement, splitSql } from './split.js';

export const TOOL_VERSION = '0.1.0';

export type MigrationState = 'applied' | 'pending' | 'drift' | 'missing';

export interface MigrationStatus {
  version: string;
  name: string;
  state: MigrationState;
  appliedAt: Date | null;
}

export interface RunEvent {
  service: string;
  version: string;
  name: string;
  event:
    | 'applying'
    | 'applied'
    | 'reverting'
    | 'reverted'
    | 'waiting-for-lock'
    | 'would-apply'
    | 'would-revert';
  durationMs?: number;
  sql?: string;
}

export interface RunOptions {
  lockTimeoutMs?: number;
  dryRun?: boolean;
  onEvent?: (event: RunEvent) => void;
}

export const by = () => `${userInfo().username}@${hostname()}`;

/** Files and ledger side by side. Pure. */
export function compareWithLedger(files: MigrationFile[], applied: AppliedMigration[]): MigrationStatus[] {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const out: MigrationStatus[] = files.map((f) => {
    const a = byVersion.get(f.version);
    byVersion.delete(f.version);
    return {
      version: f.version,
      name: f.name,
      state: !a ? 'pending' : a.checksum === f.checksum ? 'applied' : 'drift',
      appliedAt: a?.appliedAt ?? null,
    };
  });
  for (const a of byVersion.values())
    out.push({ version: a.version, name: a.name, state: 'missing', appliedAt: a.appliedAt });
  return out.sort((x, y) => compareVersions(x.version, y.version));
}

export async function migrationStatus(
  client: pg.ClientBase,
  service: string,
  files: MigrationFile[],
): Promise<MigrationStatus[]> {
  await ensureControlSchema(client);
  return compareWithLedger(files, await readApplied(client, service));
}

/**
 * A killed client must not leave its migration running (and holding the lock) on the server: since
 * PostgreSQL 14 the server can check the connection during a long statement and cancel it.
 */
async function watchForDeadClient(client: pg.ClientBase): Promise<void> {
  await client.query("SET client_connection_check_interval = '1s'").catch(() => {});
}

/** Every run that changes a service (up, down, baseline) starts the same way. */
export async function prepareSession(client: pg.ClientBase): Promise<void> {
  await ensureControlSchema(client);
  await watchForDeadClient(client);
}

/** Refuses to go on when an applied file was edited, showing how it changed from what ran. */
function refuseDrift(service: string, files: MigrationFile[], applied: AppliedMigration[]): void {
  for (const a of applied) {
    const f = files.find((x) => x.version === a.version);
    if (f && f.checksum !== a.checksum) {
      throw new CleaveError(
        'MIGRATION_DRIFT',
        `${service}: ${f.fileName} was edited after it was applied (${a.appliedAt.toISOString()}):\n${lineDiff(a.upSql, f.up)}`,
        {
          hint: `restore the file as it was applied and put the change in a new migration (cleave migrate create <name> --service ${service})`,
        },
      );
    }
  }
}

/** Every run that changes a service: the session set up, then the service's migration lock held (or waited for). */
async function lockService(client: pg.ClientBase, service: string, options: RunOptions) {
  await prepareSession(client);
  return acquireLock(client, `cleave:migrate:${service}`, {
    timeoutMs: options.lockTimeoutMs ?? 60_000,
    onWait: () => options.onEvent?.({ service, version: '', name: '', event: 'waiting-for-lock' }),
  });
}

/**
 * Applies pending migrations of one service, in order, holding the service's migration lock on this session.
 * Each migration runs in one transaction together with its ledger row; a statement that cannot run in a
 * transaction runs alone, and progress through such a file is recorded so that a killed run resumes after
 * the last finished step. A failed migration is rolled back, recorded as a failed event, and reported with
 * the statement and its position; the ledger is unchanged.
 */
export async function migrateUp(
  client: pg.ClientBase,
  service: string,
  files: MigrationFile[],
  options: RunOptions & { to?: string } = {},
): Promise<MigrationStatus[]> {
  const release = await lockService(client, service, options);
  try {
    const applied = await readApplied(client, service);
    refuseDrift(service, files, applied);
    const done = new Set(applied.map((a) => a.version));
    const pending = files.filter(
      (f) =>
        !done.has(f.version) && (options.to === undefined || compareVersions(f.version, options.to) <= 0),
    );
    for (const file of pending) {
      if (options.dryRun) {
        options.onEvent?.({
          service,
          version: file.version,
          name: file.name,
          event: 'would-apply',
          sql: file.up,
        });
        continue;
      }
      options.onEvent?.({ service, version: file.version, name: file.name, event: 'applying' });
      const durationMs = await applyFile(client, service, file);
      options.onEvent?.({ service, version: file.version, name: file.name, event: 'applied', durationMs });
    }
    return compareWithLedger(files, await readApplied(client, service));
  } finally {
    await release();
  }
}

async function applyFile(client: pg.ClientBase, service: string, file: MigrationFile): Promise<number> {
  const statements = await splitSql(file.up, { file: file.fileName, firstLine: file.upLine });
  const steps = groupSteps(statements);
  const started = Date.now();
  let done = await readProgress(client, service, file.version, file.checksum);
  for (let i = done; i < steps.length; i++) {
    const step = steps[i]!;
    const last = i === steps.length - 1;
    const finish = async () => {
      if (last) {
        await insertApplied(client, {
          service,
          version: file.version,
          name: file.name,
          checksum: file.checksum,
          upSql: file.up,
          downSql: file.down,
          durationMs: Date.now() - started,
          appliedBy: by(),
          toolVersion: TOOL_VERSION,
        });
        await recordEvent(client, {
          service,
          version: file.version,
          name: file.name,
          event: 'applied',
          by: by(),
          detail: { durationMs: Date.now() - started },
        });
        await clearProgress(client, service, file.version);
      } else {
        await saveProgress(client, service, file.version, file.checksum, i + 1);
      }
    };
    try {
      if (step.transactional) {
        await client.query('BEGIN');
        for (const s of step.statements) await run(client, s, file);
        await finish();
        await client.query('COMMIT');
      } else {
        const s = step.statements[0]!;
        await prepareNonTransactional(client, s);
        await run(client, s, file);
        await client.query('BEGIN');
        await finish();
        await client.query('COMMIT');
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      await recordEvent(client, {
        service,
        version: file.version,
        name: file.name,
        event: 'failed',
        by: by(),
        detail: { error: messageOf(error), step: i },
      }).catch(() => {});
      throw error;
    }
    done = i + 1;
  }
  return Date.now() - started;
}

interface Step {
  transactional: boolean;
  statements: SqlStatement[];
}

function groupSteps(statements: SqlStatement[]): Step[] {
  const steps: Step[] = [];
  for (const s of statements) {
    const last = steps[steps.length - 1];
    if (s.nonTransactional) steps.push({ transactional: false, statements: [s] });
    else if (last?.transactional) last.statements.push(s);
    else steps.push({ transactional: true, statements: [s] });
  }
  if (steps.length === 0) steps.push({ transactional: true, statements: [] });
  return steps;
}

/**
 * A CREATE INDEX CONCURRENTLY that was interrupted leaves an INVALID index behind, and a plain re-run would
 * then fail with "already exists": drop the invalid leftover first (a valid one is kept: IF NOT EXISTS semantics).
 */
async function prepareNonTransactional(client: pg.ClientBase, s: SqlStatement): Promise<void> {
  if (s.kind !== 'IndexStmt') return;
  const name = /\bindex\s+concurrently\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[\w$]+)/i.exec(s.sql)?.[1];
  if (!name) return;
  const bare = name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
  const { rows } = await client.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND NOT i.indisvalid AND pg_catalog.pg_table_is_visible(c.oid)`,
    [bare],
  );
  for (const r of rows)
    await client.query(
      `DROP INDEX CONCURRENTLY IF EXISTS "${r.schema.replaceAll('"', '""')}"."${bare.replaceAll('"', '""')}"`,
    );
}

async function run(client: pg.ClientBase, s: SqlStatement, file: MigrationFile): Promise<void> {
  try {
    await client.query(s.sql);
  } catch (error) {
    throw statementError(error, s, file);
  }
}

function statementError(error: unknown, s: SqlStatement, file: MigrationFile): CleaveError {
  const e = error as { message?: string; position?: string; code?: string; detail?: string };
  let where = `${file.fileName}:${s.line}:${s.column}`;
  if (e.position) {
    const at = lineColumn(s.sql, Number(e.position) - 1, s.line);
    where = `${file.fileName}:${at.line}:${at.line === s.line ? s.column + at.column - 1 : at.column}`;
  }
  const excerpt = s.sql.length > 400 ? `${s.sql.slice(0, 400)}…` : s.sql;
  return new CleaveError(
    'MIGRATION_FAILED',
    `${where}: ${redactText(e.message ?? messageOf(error))}${e.code ? ` (SQLSTATE ${e.code})` : ''}\n  in: ${excerpt.replace(/\n/g, '\n      ')}`,
    {
      hint: 'the migration was rolled back and is still pending: fix the file (it was never applied, so editing it is fine) and run again',
      cause: error,
    },
  );
}

/**
 * Reverts applied migrations newer than `to` (default: only the newest), newest first, each in one
 * transaction with the removal of its ledger row, using the down section recorded when it was applied.
 */
export async function migrateDown(
  client: pg.ClientBase,
  service: string,
  files: MigrationFile[],
  options: RunOptions & { to?: string } = {},
): Promise<MigrationStatus[]> {
  const release = await lockService(client, service, options);
  try {
    const applied = await readApplied(client, service);
    const targets =
      options.to === undefined
        ? applied.slice(-1)
        : applied.filter((a) => compareVersions(a.version, options.to!) > 0);
    for (const a of [...targets].reverse()) {
      const down = a.downSql ?? files.find((f) => f.version === a.version)?.down ?? null;
      if (down === null) {
        throw new CleaveError(
          'MIGRATION_FAILED',
          `${service}: ${a.version}_${a.name} has no down section: it cannot be reverted`,
          {
            hint: 'write the reverting SQL in a new migration instead',
          },
        );
      }
      if (options.dryRun) {
        options.onEvent?.({ service, version: a.version, name: a.name, event: 'would-revert', sql: down });
        continue;
      }
      options.onEvent?.({ service, version: a.version, name: a.name, event: 'reverting' });
      const started = Date.now();
      const file: MigrationFile = {
        version: a.version,
        name: a.name,
        fileName: `${a.version}_${a.name}.sql (down)`,
        up: down,
        down: null,
        upLine: 1,
        downLine: null,
        checksum: '',
      };
      const statements = await splitSql(down, { file: file.fileName });
      try {
        await client.query('BEGIN');
        for (const s of statements) await run(client, s, file);
        await deleteApplied(client, service, a.version);
        await recordEvent(client, { service, version: a.version, name: a.name, event: 'reverted', by: by() });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      options.onEvent?.({
        service,
        version: a.version,
        name: a.name,
        event: 'reverted',
        durationMs: Date.now() - started,
      });
    }
    return compareWithLedger(files, await readApplied(client, service));
  } finally {
    await release();
  }
}

/** Records migrations as applied without running them (an existing history, or a database made by hand). */
export async function baseline(
  client: pg.ClientBase,
  service: string,
  files: MigrationFile[],
  options: { to?: string } = {},
): Promise<string[]> {
  const release = await lockService(client, service, {});
  try {
    const done = new Set((await readApplied(client, service)).map((a) => a.version));
    const recorded: string[] = [];
    await client.query('BEGIN');
    for (const f of files) {
      if (done.has(f.version) || (options.to !== undefined && compareVersions(f.version, options.to) > 0))
        continue;
      await insertApplied(client, {
        service,
        version: f.version,
        name: f.name,
        checksum: f.checksum,
        upSql: f.up,
        downSql: f.down,
        durationMs: 0,
        appliedBy: by(),
        toolVersion: TOOL_VERSION,
      });
      await recordEvent(client, { service, version: f.version, name: f.name, event: 'baselined', by: by() });
      recorded.push(f.fileName);
    }
    await client.query('COMMIT');
    return recorded;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await release();
  }
}
