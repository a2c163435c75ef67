import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { introspect } from '../catalog/introspect.js';
import { readRejects } from '../copy/progress.js';
import {
  type CopyEvent,
  copyService,
  type ServiceCopyInput,
  type TableCopyReport,
  TableSlots,
} from '../copy/run.js';
import { SqliteReaders } from '../copy/sqlite-reader.js';
import { CleaveError } from '../core/errors.js';
import { eachLimited } from '../core/limit.js';
import { openSession, PostgresDatabase } from '../db/postgres.js';
import { SqliteDatabase } from '../db/sqlite.js';
import { connectionLimitOf } from '../db/url.js';
import { ensureControlSchema } from '../migrations/control.js';
import { readMigrationDir } from '../migrations/files.js';
import { migrateUp } from '../migrations/runner.js';
import { openPlanSource } from './plan-source.js';
import { resolveTargets } from './targets.js';

export interface CopyAppOptions {
  planPath: string;
  services?: string[] | undefined;
  tables?: string[] | undefined;
  resume?: boolean;
  fresh?: boolean;
  create?: boolean;
  maxRejects?: number;
  chunkRows?: number;
  jobs?: number;
  /** JSON-lines reject file (default: copy-rejects.jsonl beside the plan). */
  rejectsFile?: string | undefined;
  migrationsDir?: string | undefined;
  /** SQLite sources: COPY's binary format where the columns allow it (default), or always text. */
  format?: 'binary' | 'text' | undefined;
  /** SQLite sources: worker threads that read and encode (default: the cores beyond two, at most `jobs`). */
  threads?: number | undefined;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: CopyEvent) => void;
}

export interface CopyAppResult {
  tables: TableCopyReport[];
  rejectsFile: string | null;
  rejected: number;
  /** Values the plan's `repair` changed (copied, and listed in the reject file with kind "repaired"). */
  repaired: number;
  secrets: string[];
}

/** `cleave copy`: every owned table of every (or the chosen) service from the source into its target. */
export async function runCopy(options: CopyAppOptions): Promise<CopyAppResult> {
  const { planFile, plan, source, catalog, ownership, secrets, openSource } = await openPlanSource(options);
  try {
    const targets = await resolveTargets(planFile, {
      services: options.services,
      migrationsDir: options.migrationsDir,
      create: options.create ?? false,
    });
    // Timestamps without a zone (SQLite's usual text) are read as UTC, whatever the server's TimeZone.
    const openerOf = (target: (typeof targets)[number]) => async () => {
      const client = await openSession(target.connectionString, target.display);
      await client.query("SET TIME ZONE 'UTC'");
      return client;
    };
    // Migrations in turn (two services' migrations may share a database's extensions); then every service is made
    // ready at once (checked, its target read), and they are copied at the same time, sharing `jobs`, so that one
    // service's last indexes and foreign keys are built while another copies.
    if (options.create) {
      for (const target of targets) {
        const client = await openerOf(target)();
        try {
          await migrateUp(client, target.service, await readMigrationDir(target.migrationsDir));
        } finally {
          await client.end();
        }
      }
    }
    // A connection_limit in a target URL: one service at a time (each reads its catalog with two sessions).
    const limited = targets.some((t) => {
      const url = plan.layout === 'databases' ? plan.services[t.service]!.url! : plan.target?.url;
      return url !== undefined && connectionLimitOf(url, planFile.dir) !== undefined;
    });
    const ready = await eachLimited(targets, limited ? 1 : targets.length, async (target) => {
      const openTarget = openerOf(target);
      await guardRestart(openTarget, target.service, options);
      const db = new PostgresDatabase({
        connectionString: target.connectionString,
        display: target.display,
        max: 2,
        role: 'target',
      });
      let targetCatalog: Awaited<ReturnType<typeof introspect>>;
      try {
        targetCatalog = await introspect(db, { schemas: [target.schema], counts: 'estimate' });
      } finally {
        await db.close();
      }
      const service = ownership.services.find((s) => s.name === target.service)!;
      const input: ServiceCopyInput = {
        service: target.service,
        schema: target.schema,
        tables: service.tables,
        target: targetCatalog,
        openTarget,
      };
      return { input };
    });
    // Three: while one table's indexes are built, two others keep the source read and the target loaded.
    // A URL's connection_limit bounds the tables copied at once: each holds one target session (and one source
    // session from PostgreSQL), beside one control session per service in that database.
    const limits: number[] = [];
    for (const target of targets) {
      const url = plan.layout === 'databases' ? plan.services[target.service]!.url! : plan.target?.url;
      const limit = url === undefined ? undefined : connectionLimitOf(url, planFile.dir);
      const sharing = plan.layout === 'databases' ? 1 : targets.length;
      if (limit !== undefined) limits.push(limit - sharing);
    }
    const sourceLimit = connectionLimitOf(plan.source.url, planFile.dir);
    if (sourceLimit !== undefined) limits.push(sourceLimit - 1);
    const jobs = Math.max(1, Math.min(options.jobs ?? 3, ...limits));
    const slots = new TableSlots(jobs, ready.length);
    // SQLite: chunks are read and encoded in worker threads where cores are left beside this thread and the
    // server (one core each); on smaller machines the threads' own overhead outweighs them.
    const threads = options.threads ?? Math.max(0, Math.min(jobs, availableParallelism() - 2));
    const readers =
      source instanceof SqliteDatabase && threads > 0
        ? new SqliteReaders(source.handle.name, source.handle, threads)
        : undefined;
    const copied = await Promise.allSettled(
      ready.map(({ input }) =>
        copyService(input, {
          catalog,
          plan,
          source,
          openSource: openSource ?? undefined,
          chunkRows: options.chunkRows,
          jobs,
          slots,
          fresh: options.fresh,
          only: options.tables,
          format: options.format,
          readers,
          env: options.env,
          onEvent: options.onEvent,
        }),
      ),
    );
    await readers?.close();
    // Every service has stopped before the source is closed; the first failure is the error.
    const failed = copied.find((c) => c.status === 'rejected');
    if (failed) throw failed.reason;
    const reports: TableCopyReport[] = copied.flatMap((c) => (c.status === 'fulfilled' ? c.value : []));

    const rejectsFile = options.rejectsFile ?? join(planFile.dir, 'copy-rejects.jsonl');
    const rejected = reports.reduce((n, r) => n + r.rejected, 0);
    const repaired = await writeRejects(targets, rejectsFile);
    if (rejected > (options.maxRejects ?? 0)) {
      throw new CleaveError(
        'COPY_REJECTS',
        `${rejected} row(s) could not be copied (more than --max-rejects ${options.maxRejects ?? 0}); they are listed in ${rejectsFile}`,
        {
          hint: 'fix those rows in the source (or repair them in the plan) and run `cleave copy --fresh`, or accept them with --max-rejects N',
        },
      );
    }
    return {
      tables: reports,
      rejectsFile: rejected + repaired > 0 ? rejectsFile : null,
      rejected,
      repaired,
      secrets,
    };
  } finally {
    await source.close();
  }
}

/** A copy that was interrupted or finished is only continued or redone on purpose. */
async function guardRestart(
  openTarget: () => ReturnType<typeof openSession>,
  service: string,
  options: CopyAppOptions,
): Promise<void> {
  if (options.resume || options.fresh) return;
  const client = await openTarget();
  try {
    await ensureControlSchema(client);
    const { rows } = await client.query<{ n: string; done: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE done) AS done FROM cleave.copy_progress WHERE service = $1`,
      [service],
    );
    const n = Number(rows[0]!.n);
    if (n > 0) {
      const finished = Number(rows[0]!.done) === n;
      throw new CleaveError(
        'COPY_STARTED',
        `service ${service} was ${finished ? 'already copied' : 'partly copied by an earlier run'}`,
        {
          hint: finished
            ? 'pass --fresh to empty its tables and copy again'
            : 'pass --resume to continue after the last committed chunk, or --fresh to start over',
        },
      );
    }
  } finally {
    await client.end();
  }
}

/** The reject file, JSON lines rendered from cleave.copy_rejects: each rejected row exactly once. */
async function writeRejects(
  targets: { connectionString: string; display: string; service: string }[],
  file: string,
): Promise<number> {
  const lines: string[] = [];
  let repaired = 0;
  for (const t of targets) {
    const client = await openSession(t.connectionString, t.display);
    try {
      for (const r of await readRejects(client, t.service)) {
        if (r.kind === 'repaired') repaired++;
        lines.push(JSON.stringify({ service: t.service, ...r }));
      }
    } finally {
      await client.end();
    }
  }
  if (lines.length === 0) return 0;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${lines.join('\n')}\n`);
  return repaired;
}
