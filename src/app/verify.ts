import type pg from 'pg';
import { introspect } from '../catalog/introspect.js';
import type { Catalog } from '../catalog/model.js';
import { CleaveError, messageOf } from '../core/errors.js';
import { eachLimited } from '../core/limit.js';
import { redactText } from '../core/redact.js';
import { openSession, PostgresDatabase } from '../db/postgres.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import { connectionLimitOf, sameServer } from '../db/url.js';
import { ensureControlSchema } from '../migrations/control.js';
import { targetNames } from '../plan/names.js';
import { AUTH_USERS_TABLE, serviceRoleName } from '../schema/generate.js';
import { CANONICAL_SESSION } from '../verify/canonical.js';
import { compareTable, type TableResult, type VerifyEvent } from '../verify/compare.js';
import { checkIsolation, type IsolationFinding } from '../verify/isolation.js';
import { PostgresSide, type Side, SqliteSide } from '../verify/sides.js';
import { tableSpec } from '../verify/spec.js';
import { openPlanSource } from './plan-source.js';
import { resolveTargets, type ServiceTarget } from './targets.js';

export interface VerifyAppOptions {
  planPath: string;
  services?: string[] | undefined;
  tables?: string[] | undefined;
  /** Rows listed per table (all differences are counted). */
  maxDiffs?: number;
  /** Also (or, with `isolationOnly`, only) check that services are isolated from each other. */
  isolation?: boolean;
  isolationOnly?: boolean;
  /** Tables compared at once. */
  jobs?: number;
  /** SQLite sources: tables from this many rows are read in worker threads (default 200,000). */
  workerRows?: number;
  /**
   * The row hash: `typed` (the default, where every PostgreSQL side is 14 or later) or `text` (always possible;
   * chosen by itself for older servers).
   */
  hashFormat?: 'typed' | 'text';
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: VerifyEvent) => void;
}

export interface VerifyAppResult {
  ok: boolean;
  tables: TableResult[];
  isolation: IsolationFinding[] | null;
  secrets: string[];
}

/** `cleave verify`: compares every owned table of every (or the chosen) service with the source. */
export async function runVerify(options: VerifyAppOptions): Promise<VerifyAppResult> {
  const env = options.env ?? process.env;
  const {
    planFile,
    plan,
    source,
    ownership,
    secrets,
    openSource: openPlainSource,
  } = await openPlanSource(options);
  try {
    const targets = await resolveTargets(planFile, { services: options.services });
    const open = (t: ServiceTarget) => async () => {
      const client = await openSession(t.connectionString, t.display);
      // One round trip: the settings as one simple-protocol query.
      await client.query(CANONICAL_SESSION.join('; '));
      return client;
    };

    const tables: TableResult[] = [];
    if (!options.isolationOnly) {
      const openSource = openPlainSource
        ? async () => {
            const client = await openPlainSource();
            // One round trip: the settings as one simple-protocol query.
            await client.query(CANONICAL_SESSION.join('; '));
            return client;
          }
        : null;
      for (const target of targets) {
        const service = ownership.services.find((s) => s.name === target.service)!;
        const owned = service.tables.filter((t) => !options.tables?.length || options.tables.includes(t.id));
        // The run is recorded while the target's catalog is read and the tables are compared: only the results
        // wait for it.
        const recorded = recordRun(open(target), target.service);
        recorded.catch(() => {});
        try {
          const targetCatalog = await readTarget(target);
          // The typed row hash needs hash_record_extended (PostgreSQL 14 and later).
          const targetTyped =
            Number(/PostgreSQL (\d+)/.exec(targetCatalog.serverVersion ?? '')?.[1] ?? 0) >= 14;
          // Each table in flight holds one target session (beside the control one) and one source session:
          // a URL's connection_limit bounds how many run at once.
          const targetUrl =
            plan.layout === 'databases' ? plan.services[target.service]!.url! : plan.target?.url;
          const targetLimit =
            targetUrl === undefined ? undefined : connectionLimitOf(targetUrl, planFile.dir);
          const limits = [
            targetLimit === undefined ? undefined : targetLimit - 1,
            connectionLimitOf(plan.source.url, planFile.dir),
          ].filter((n): n is number => n !== undefined);
          const jobs = Math.max(1, Math.min(options.jobs ?? 2, ...limits));
          // Parallel workers for the summaries unless both sides are sessions of one server.
          const parallel =
            openSource === null ||
            !sameServer(plan.source.url, targetUrl ?? 'embedded:postgres', planFile.dir);
          const results = await eachLimited(owned, jobs, async (table) => {
            const names = targetNames(plan, table);
            const targetTable = targetCatalog.tables.find((t) => t.name === names.table);
            if (!targetTable)
              throw new CleaveError(
                'UNSUPPORTED',
                `table ${table.id} of service ${target.service} does not exist in ${target.schema}`,
                { hint: 'run `cleave migrate up` and `cleave copy` first' },
              );
            const spec = tableSpec({
              plan,
              service: target.service,
              schema: target.schema,
              source: table,
              target: targetTable,
              sqliteSource: openSource === null,
              env,
            });
            options.onEvent?.({
              kind: 'table-start',
              service: target.service,
              table: table.id,
              estimatedRows: table.rows ?? 0,
            });
            // The target session opens while a SQLite source starts its scan.
            const targetSession = open(target)();
            targetSession.catch(() => {});
            let sourceClient: pg.Client | null = null;
            try {
              sourceClient = openSource ? await openSource() : null;
              const typed =
                options.hashFormat !== 'text' &&
                targetTyped &&
                (sourceClient === null || (await hasRecordHash(sourceClient)));
              spec.hashFormat = typed ? 'typed' : 'text';
              const sourceSide: Side = sourceClient
                ? new PostgresSide(sourceClient, spec, 'source', parallel)
                : new SqliteSide(source as SqliteDatabase, spec, options.workerRows);
              const result = await compareTable(
                spec,
                sourceSide,
                targetSession.then((client) => new PostgresSide(client, spec, 'target', parallel)),
                {
                  maxDiffs: options.maxDiffs ?? 20,
                  onEvent: options.onEvent,
                },
              );
              const { control, runId } = await recorded;
              await control.query(
                `INSERT INTO cleave.verify_results (run_id, source_table, target_table, status, source_rows, target_rows, missing, extra, changed, diffs, not_compared, duration_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
                [
                  runId,
                  result.table,
                  result.target,
                  result.status,
                  result.sourceRows,
                  result.targetRows,
                  result.missing,
                  result.extra,
                  result.changed,
                  JSON.stringify(result.diffs),
                  JSON.stringify(result.notCompared),
                  result.durationMs,
                ],
              );
              options.onEvent?.({ kind: 'table-done', result });
              return result;
            } finally {
              await (await targetSession.catch(() => null))?.end().catch(() => {});
              await sourceClient?.end().catch(() => {});
            }
          });
          tables.push(...results);
          const { control, runId } = await recorded;
          await control.query(
            'UPDATE cleave.verify_runs SET finished_at = now(), status = $2 WHERE id = $1',
            [runId, results.every((r) => r.status === 'match') ? 'match' : 'differ'],
          );
        } catch (error) {
          const run = await recorded.catch(() => null);
          await run?.control
            .query(`UPDATE cleave.verify_runs SET finished_at = now(), status = 'failed' WHERE id = $1`, [
              run.runId,
            ])
            .catch(() => {});
          if (error instanceof CleaveError) throw error;
          if (connectionLost(error))
            throw new CleaveError(
              'TARGET_UNREACHABLE',
              `a database connection was lost while verifying service ${target.service}: ${redactText(messageOf(error))}`,
              {
                hint: 'verify only reads; nothing was changed. Run `cleave verify` again once both databases are reachable',
                cause: error,
              },
            );
          throw new CleaveError(
            'INTERNAL',
            `verifying service ${target.service} failed: ${redactText(messageOf(error))}`,
            {
              cause: error,
            },
          );
        } finally {
          await (await recorded.catch(() => null))?.control.end().catch(() => {});
        }
      }
    }

    let isolation: IsolationFinding[] | null = null;
    if (options.isolation || options.isolationOnly) {
      isolation = await checkIsolation(
        targets.map((t) => {
          const service = ownership.services.find((s) => s.name === t.service)!;
          const names = service.tables.map((x) => targetNames(plan, x).table);
          if (plan.supabase?.usersService === t.service) names.push(AUTH_USERS_TABLE);
          return {
            service: t.service,
            schema: t.schema,
            tables: names,
            role: serviceRoleName(t.service),
            open: open(t),
            wholeDatabase: plan.layout === 'databases',
          };
        }),
      );
    }
    const ok = tables.every((t) => t.status === 'match') && (isolation ?? []).length === 0;
    return { ok, tables, isolation, secrets };
  } finally {
    await source.close();
  }
}

/** Opens the control session, brings cleave's control schema up to date and records a verify run. */
async function recordRun(
  open: () => Promise<pg.Client>,
  service: string,
): Promise<{ control: pg.Client; runId: string }> {
  const control = await open();
  try {
    await ensureControlSchema(control);
    const { rows } = await control.query<{ id: string }>(
      'INSERT INTO cleave.verify_runs (service) VALUES ($1) RETURNING id',
      [service],
    );
    return { control, runId: rows[0]!.id };
  } catch (error) {
    await control.end().catch(() => {});
    throw error;
  }
}

/** The target's tables and columns, on one session (the control session is the other one open meanwhile). */
async function readTarget(target: ServiceTarget): Promise<Catalog> {
  const db = new PostgresDatabase({
    connectionString: target.connectionString,
    display: target.display,
    max: 1,
    role: 'target',
  });
  try {
    return await introspect(db, { schemas: [target.schema], counts: 'estimate', tablesOnly: true });
  } finally {
    await db.close();
  }
}

/** hash_record_extended, which the typed row hash needs, is in PostgreSQL 14 and later. */
async function hasRecordHash(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Number(rows[0]?.v ?? 0) >= 140000;
}

/** The server went away or ended the session (shutdown, pg_terminate_backend, a dropped network). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    code.startsWith('08') ||
    code.startsWith('57P0') ||
    /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE/.test(messageOf(error))
  );
}
