import type pg from 'pg';
import type { Catalog, Table } from '../catalog/model.js';
import { CleaveError, messageOf } from '../core/errors.js';
import { quoteIdent, stringLiteral } from '../core/ident.js';
import type { Database } from '../db/port.js';
import { type SqliteDatabase, sqliteBounds } from '../db/sqlite.js';
import { ensureControlSchema } from '../migrations/control.js';
import { copyKeyOf } from '../plan/copy-key.js';
import { targetNames } from '../plan/names.js';
import { splitOf } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { type ChunkTarget, chunkBounds, copyPostgresChunk, copySqliteChunk } from './chunk.js';
import { copyColumnsOf } from './columns.js';
import { keyList, keyToJson } from './keyset.js';
import { createParts, readParts, resetProgress, type TableProgress } from './progress.js';
import { type SqliteReaders, threadReader } from './sqlite-reader.js';
import { binaryFormatFor, type SqliteChunkSpec } from './sqlite-rows.js';

export interface TableCopyReport {
  service: string;
  table: string;
  target: string;
  read: number;
  written: number;
  rejected: number;
  skipped: boolean;
  /** The COPY format the rows were sent in (a PostgreSQL source's rows pass through as text). */
  format: 'binary' | 'text';
  durationMs: number;
}

export type CopyEvent =
  | { kind: 'table-start'; service: string; table: string; estimatedRows: number | null; alreadyRead: number }
  | { kind: 'chunk'; service: string; table: string; read: number; written: number; rejected: number }
  | { kind: 'table-done'; report: TableCopyReport };

export interface ServiceCopyInput {
  service: string;
  schema: string;
  /** Tables of the source this service owns. */
  tables: Table[];
  /** The migrated target schema of the service. */
  target: Catalog;
  /** Opens a dedicated target session (one per table being copied in parallel). */
  openTarget: () => Promise<pg.Client>;
}

export interface CopyOptions {
  catalog: Catalog;
  plan: Plan;
  source: Database;
  /** PostgreSQL sources: opens a dedicated source session per table being copied. */
  openSource?: () => Promise<pg.Client>;
  chunkRows?: number;
  /** Tables copied at once (each takes one source and one target session). */
  jobs?: number;
  /** Shared by services copied at the same time: `jobs` then counts the tables copying across all of them. */
  slots?: TableSlots;
  fresh?: boolean;
  /** Only these tables (ids). */
  only?: string[] | undefined;
  /** SQLite sources: COPY's `binary` format where every column allows it (the default), or always `text`. */
  format?: 'binary' | 'text' | undefined;
  /** SQLite sources: the worker threads chunks are read in (else this thread reads them). */
  readers?: SqliteReaders | undefined;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: CopyEvent) => void;
}

/**
 * Copies every owned table of one service into its migrated target, up to `jobs` tables at once, largest first.
 * Foreign keys, keys and secondary indexes are dropped for the copy and added back, validated, at the end
 * (recorded in cleave.copy_dropped_constraints, so a killed copy restores them on its next run).
 */
export async function copyService(input: ServiceCopyInput, options: CopyOptions): Promise<TableCopyReport[]> {
  const control = await input.openTarget().catch((error: unknown) => {
    options.slots?.prepared(true);
    throw error;
  });
  const reports: TableCopyReport[] = [];
  try {
    const owned = input.tables.filter((t) => !options.only?.length || options.only.includes(t.id));
    const targetName = (t: Table) => targetNames(options.plan, t).table;
    const targetTables = input.target.tables.filter((t) => owned.some((o) => targetName(o) === t.name));
    let qualified = new Map<string, string>();
    try {
      await ensureControlSchema(control);
      // Every foreign key and secondary index of the tables being filled is dropped for the load and rebuilt
      // once at the end; so are the foreign keys of other tables that point at them, which also lets --fresh
      // empty only these tables.
      // A resumed copy leaves the keys of the tables it finished alone.
      const finished = options.fresh ? new Set<string>() : await finishedTables(control, input.service);
      await deferKeysAndIndexes(control, input, owned.filter((t) => !finished.has(t.id)).map(targetName));
      if (options.fresh) {
        await resetProgress(
          control,
          input.service,
          owned.map((t) => t.id),
        );
        if (targetTables.length > 0) {
          await control.query(
            `TRUNCATE ${targetTables.map((t) => `${quoteIdent(input.schema)}.${quoteIdent(t.name)}`).join(', ')} RESTART IDENTITY`,
          );
        }
      }
      // Tables as the records name them (format's %I quoting).
      qualified = new Map(
        (
          await control.query<{ name: string; t: string }>(
            `SELECT name, format('%I.%I', $1::text, name) AS t FROM unnest($2::text[]) name`,
            [input.schema, targetTables.map((t) => t.name)],
          )
        ).rows.map((r) => [r.name, r.t]),
      );
    } catch (error) {
      options.slots?.prepared(true);
      throw error;
    }
    // Tables start once every service copied at the same time is prepared: the largest of all go first (nothing
    // may wait between here and the workers' first acquire).
    options.slots?.prepared(false);

    // With every foreign key of these tables dropped for the load there is no order to keep between them: the
    // largest start first, so the run does not end with one large table copying alone.
    const queue = [...owned].sort((a, b) => sizeOf(b) - sizeOf(a));
    const jobs = Math.max(1, Math.min(options.jobs ?? 2, queue.length));
    const slots = options.slots ?? new TableSlots(jobs);
    const done = new Map<Table, TableCopyReport>();
    // A foreign key is added back (and validated) as soon as both of its tables are loaded and keyed, on the
    // control session, one at a time, while other tables are still being copied.
    const filling = new Set(qualified.values());
    const loaded = new Set<string>();
    const claimed = new Set<string>();
    const ready = (t: string | null) => t !== null && (!filling.has(t) || loaded.has(t));
    let foreignKeys: Promise<void> = Promise.resolve();
    let foreignKeyError: unknown = null;
    const tableLoaded = (table: Table) => {
      const t = qualified.get(targetName(table));
      if (t !== undefined) loaded.add(t);
      foreignKeys = foreignKeys.then(() =>
        restoreConstraints(control, input.service, undefined, (r) => {
          const id = `${r.table_name} ${r.name}`;
          if (claimed.has(id) || !ready(r.table_name) || !ready(r.references_table)) return false;
          claimed.add(id);
          return true;
        }).catch((error: unknown) => {
          foreignKeyError ??= error;
          slots.stopped = true;
        }),
      );
    };
    let next = 0;
    const worker = async () => {
      while (next < queue.length && !slots.stopped) {
        const table = queue[next++]!;
        await slots.acquire(sizeOf(table));
        try {
          if (!slots.stopped) {
            done.set(table, await copyTable(table, input, options, slots));
            if (!slots.stopped) tableLoaded(table);
          }
        } catch (error) {
          slots.stopped = true;
          throw error;
        } finally {
          slots.release();
        }
      }
    };
    // After a failure (in any service sharing the slots) no table is started, and the error is raised once the
    // tables being copied have stopped (the source stays open until then).
    const settled = await Promise.allSettled(Array.from({ length: jobs }, worker));
    await foreignKeys;
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    if (foreignKeyError) throw foreignKeyError;
    // Another service failed: leave the keys and indexes recorded as dropped; a resumed copy rebuilds them.
    if (slots.stopped) return [...done.values()];
    // Reported in the plan's order, whichever finished first.
    for (const table of owned) reports.push(done.get(table)!);
    await restoreConstraints(control, input.service);
    await moveSequences(control, input);
  } finally {
    await control.end().catch(() => {});
  }
  return reports;
}

/** Tables of a service an earlier run copied to the end (every range done). */
async function finishedTables(client: pg.ClientBase, service: string): Promise<Set<string>> {
  const { rows } = await client.query<{ t: string }>(
    'SELECT source_table AS t FROM cleave.copy_progress WHERE service = $1 GROUP BY source_table HAVING bool_and(done)',
    [service],
  );
  return new Set(rows.map((r) => r.t));
}

/**
 * At most `size` tables copying at once, across the services that share it; a slot that frees up goes to the
 * largest table waiting for one.
 */
export class TableSlots {
  private free: number;
  /** Set when a table failed: no more tables are started. */
  stopped = false;
  private readonly waiting: { size: number; go: () => void }[] = [];
  private unprepared: number;
  private readonly size: number;
  /** Slots are handed out on request (once every service has asked and the first were given by size). */
  private open: boolean;

  /**
   * `services`: how many services share these slots; no slot is handed out before each has called prepared(),
   * so that no service's tables take the slots before the largest tables of another have asked.
   */
  constructor(size: number, services = 0) {
    this.size = Math.max(1, size);
    this.free = this.size;
    this.unprepared = services;
    this.open = services <= 0;
  }

  /** A service is ready to copy (or, `failed`, will not copy at all). */
  prepared(failed: boolean): void {
    if (failed) this.stopped = true;
    // Handed out on the next turn, once the last service's tables have asked too.
    if (--this.unprepared === 0)
      setImmediate(() => {
        this.open = true;
        this.dispatch();
      });
  }

  async acquire(size: number): Promise<void> {
    if (this.free > 0 && this.open && this.waiting.length === 0) {
      this.free--;
      return;
    }
    await new Promise<void>((go) => {
      this.waiting.push({ size, go });
      this.waiting.sort((a, b) => b.size - a.size);
    });
  }

  /** A slot if one is free now (for another key range of a table already copying), else none. */
  tryAcquire(): boolean {
    if (this.free === 0 || this.stopped || !this.open || this.waiting.length > 0) return false;
    this.free--;
    return true;
  }

  /** Slots in use. */
  get active(): number {
    return this.size - this.free;
  }

  /**
   * Handed on after the current turn: the worker that released the slot asks for its next table in the same
   * turn, and that table competes by size with those already waiting.
   */
  release(): void {
    this.free++;
    queueMicrotask(() => this.dispatch());
  }

  /** Free slots to the largest tables waiting. */
  private dispatch(): void {
    while (this.free > 0 && this.waiting.length > 0) {
      this.free--;
      this.waiting.shift()!.go();
    }
  }
}

/** Bytes in the source (rows when the size is unknown): what orders the tables of a copy. */
const sizeOf = (t: Table) => t.bytes ?? t.rows ?? 0;

async function copyTable(
  table: Table,
  input: ServiceCopyInput,
  options: CopyOptions,
  slots: TableSlots,
): Promise<TableCopyReport> {
  const started = Date.now();
  const names = targetNames(options.plan, table);
  const targetTable = input.target.tables.find((t) => t.name === names.table);
  if (!targetTable) {
    throw new CleaveError(
      'UNSUPPORTED',
      `table ${table.id} of service ${input.service} does not exist in the target`,
      {
        hint: 'run `cleave generate` and `cleave migrate up` first (or pass --create)',
      },
    );
  }
  const planOptions = options.plan.tables?.[table.id];
  const key = copyKeyOf(table, planOptions?.key);
  if (!key) {
    throw new CleaveError('UNSUPPORTED', `table ${table.id} has no key to copy by`, {
      hint: `declare a primary key, or set tables.${table.id}.key in the plan`,
    });
  }
  const columns = copyColumnsOf(table, targetTable, options.plan);
  let encryptionKey: string | undefined;
  for (const c of columns.filter((x) => x.encrypted)) {
    const env = planOptions!.columns![c.source ?? c.name]!.encrypt!.keyEnv;
    encryptionKey = (options.env ?? process.env)[env];
    if (!encryptionKey) {
      throw new CleaveError(
        'PLAN_INVALID',
        `${table.id}.${c.name} is encrypted with the key in ${env}, which is not set`,
        {
          hint: `export ${env}=... (the key is passed to the database as a parameter and never printed or stored)`,
        },
      );
    }
  }

  const client = await input.openTarget();
  const sourceSession = options.openSource ? await options.openSource() : null;
  const extraSlots: number[] = [];
  try {
    // Rows per chunk: 50,000 from SQLite (a key seek starts each chunk); from PostgreSQL about 128 MB of the
    // table, for a chunk there reads every page its rows are on, which for a random key (uuid) is every page.
    const limit =
      options.chunkRows ??
      (sourceSession && table.rows && table.bytes
        ? Math.max(CHUNK_ROWS, Math.floor(PG_CHUNK_BYTES / (table.bytes / table.rows)))
        : CHUNK_ROWS);
    // The plan's filter, and this service's share of a split table.
    const filter =
      [planOptions?.filter, splitOf(options.plan, table)?.[input.service]]
        .filter((c) => c !== undefined)
        .map((c) => `(${c})`)
        .join(' AND ') || undefined;
    const sqliteColumns = columns.map((c) => ({
      name: c.name,
      source: c.source ?? c.name,
      type: c.type,
      map: c.map,
      whenNull: c.whenNull,
      repair: c.repair,
      userType: !c.encrypted && targetTable.columns.find((t) => t.name === c.name)?.userType != null,
    }));
    // COPY's binary format when every column has a type it is written for (the server then parses no text).
    const binary = options.format !== 'text' && binaryFormatFor(sqliteColumns);
    let parts = await readParts(client, input.service, table.id);
    const report: TableCopyReport = {
      service: input.service,
      table: table.id,
      target: `${input.schema}.${names.table}`,
      read: parts.reduce((n, p) => n + p.rowsRead, 0),
      written: parts.reduce((n, p) => n + p.rowsWritten, 0),
      rejected: parts.reduce((n, p) => n + p.rowsRejected, 0),
      skipped: parts.length > 0 && parts.every((p) => p.done),
      format: sourceSession === null && binary ? 'binary' : 'text',
      durationMs: 0,
    };
    if (report.skipped) {
      // Copied by an earlier run that may have been stopped before its keys were back.
      await restoreConstraints(client, input.service, { schema: input.schema, table: names.table });
      options.onEvent?.({ kind: 'table-done', report });
      return report;
    }
    options.onEvent?.({
      kind: 'table-start',
      service: input.service,
      table: table.id,
      estimatedRows: table.rows,
      alreadyRead: report.read,
    });
    // SQLite: a rowid table whose key is not the rowid is copied in rowid ranges (a plain scan in the table's own
    // order), its checkpoints rowids; what it is keyed by still names each row in rejects.
    const byRowid = sourceSession === null && table.hasRowid && !isRowid(table, key.columns);
    const position = byRowid ? [ROWID] : key.columns;
    if (byRowid) assertRowidCheckpoints(parts, table);
    if (parts.length === 0) {
      // A large table with an integer key (or copied by rowid) is copied as ranges at once, each with its own
      // checkpoint; the ranges are recorded first, so a resumed copy continues each where it stopped.
      const ranges = await keyRanges(
        table,
        position,
        filter,
        options.chunkRows ?? CHUNK_ROWS,
        options,
        sourceSession,
      );
      if (ranges) {
        await createParts(client, {
          service: input.service,
          table: table.id,
          target: `${input.schema}.${names.table}`,
          ranges,
        });
        parts = await readParts(client, input.service, table.id);
      }
    }
    const keyTypes = key.columns.map((k) => table.columns.find((c) => c.name === k)?.type ?? 'text');
    const sqliteSpec = (partFilter: string | undefined): SqliteChunkSpec => ({
      table: table.name,
      key: key.columns,
      columns: sqliteColumns,
      filter: partFilter,
      byRowid,
      binary,
    });
    /** Copies one key range (or the whole table) chunk by chunk, from its checkpoint. */
    const copyPart = async (
      part: TableProgress | null,
      targetClient: pg.Client,
      source: pg.Client | null,
    ): Promise<void> => {
      const target: ChunkTarget = {
        client: targetClient,
        service: input.service,
        schema: input.schema,
        table: names.table,
        alwaysIdentity: targetTable.columns.some((c) => c.identity === 'always'),
        encryptionKey,
        part: part?.part,
      };
      const k = keyList(position);
      const partFilter =
        [filter, part?.lo == null ? undefined : `${k} >= ${part.lo} AND ${k} < ${part.hi}`]
          .filter((c) => c !== undefined)
          .map((c) => `(${c})`)
          .join(' AND ') || undefined;
      const spec = sqliteSpec(partFilter);
      let after = part?.lastKey ?? null;
      if (byRowid && after !== null)
        sameRowAtCheckpoint(options.source as SqliteDatabase, table, key.columns, part!);
      // SQLite: the range's chunks are made by one reader (a worker thread where there are cores for it).
      const reader = source
        ? null
        : (options.readers?.take() ?? threadReader((options.source as SqliteDatabase).handle));
      // PostgreSQL: where each chunk of the range ends, found once (the range's share of the table's rows).
      const bounds = source
        ? await chunkBounds(
            source,
            {
              schema: table.schema,
              name: table.name,
              rows: table.rows === null ? null : table.rows / Math.max(1, parts.length),
            },
            key.columns,
            keyTypes,
            after,
            limit,
            partFilter,
          )
        : [];
      try {
        for (;;) {
          const chunk = source
            ? await copyPostgresChunk(
                source,
                { schema: table.schema, name: table.name, id: table.id },
                key.columns,
                keyTypes,
                columns,
                target,
                after,
                bounds.shift() ?? null,
                partFilter,
              )
            : await copySqliteChunk(reader!, spec, columns, target, after, limit);
          report.read += chunk.read;
          report.written += chunk.written;
          report.rejected += chunk.rejected;
          options.onEvent?.({
            kind: 'chunk',
            service: input.service,
            table: table.id,
            read: chunk.read,
            written: chunk.written,
            rejected: chunk.rejected,
          });
          if (chunk.end || slots.stopped) break;
          after = chunk.lastKey;
        }
      } finally {
        reader?.release();
      }
    };
    const pending = parts.length > 0 ? parts.filter((p) => !p.done) : [null];
    // The first range runs on this table's sessions; the others take slots that are free now, each with
    // sessions of its own, and whatever finds no slot runs after, in the same session.
    let next = 0;
    const runner = async (targetClient: pg.Client, source: pg.Client | null) => {
      while (next < pending.length && !slots.stopped) await copyPart(pending[next++]!, targetClient, source);
    };
    const runners = [runner(client, sourceSession)];
    for (let i = 1; i < pending.length && slots.tryAcquire(); i++) {
      extraSlots.push(i);
      runners.push(
        (async () => {
          const targetClient = await input.openTarget();
          const source = options.openSource ? await options.openSource() : null;
          try {
            await runner(targetClient, source);
          } finally {
            await targetClient.end().catch(() => {});
            await source?.end().catch(() => {});
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(runners);
    const failure = settled.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (slots.stopped) return report;
    // Its indexes and keys are built now, while other tables are still being copied: then without parallel
    // workers, which would only take CPU from those copies (each build is parallel when it runs alone).
    await client.query(`SET max_parallel_maintenance_workers TO ${slots.active > 1 ? '0' : 'DEFAULT'}`);
    await restoreConstraints(client, input.service, { schema: input.schema, table: names.table });
    report.durationMs = Date.now() - started;
    options.onEvent?.({ kind: 'table-done', report });
    return report;
  } catch (error) {
    if (error instanceof CleaveError) throw error;
    throw new CleaveError(
      'INTERNAL',
      `copying ${table.id} into ${input.schema}.${names.table} failed: ${messageOf(error)}`,
      {
        hint: 'the chunk in progress was rolled back; fix the cause and run `cleave copy --resume` to go on from the last committed chunk',
        cause: error,
      },
    );
  } finally {
    for (const _ of extraSlots) slots.release();
    await client.end().catch(() => {});
    await sourceSession?.end().catch(() => {});
  }
}

/** Tables this large (in chunks) are copied as several key ranges at once. */
const CHUNKS_PER_PART = 4;
const CHUNK_ROWS = 50_000;
const PG_CHUNK_BYTES = 128 * 2 ** 20;
const MAX_PARTS = 4;

/**
 * The key ranges [lo, hi) a table is copied in at once, or null to copy it as one range: only a single integer
 * key splits (its ranges are exact and each is an index range scan), and only a table of several chunks per
 * range. Bounds come from the source's min and max key, so every row falls in exactly one range.
 */
async function keyRanges(
  table: Table,
  key: string[],
  filter: string | undefined,
  chunkRows: number,
  options: CopyOptions,
  source: pg.Client | null,
): Promise<[bigint, bigint][] | null> {
  const jobs = options.jobs ?? 2;
  if (jobs < 2 || key.length !== 1) return null;
  const column = table.columns.find((c) => c.name === key[0]);
  const integer = source
    ? /^(smallint|integer|bigint)$/.test(column?.type ?? '')
    : key[0] === 'rowid' || key[0] === ROWID || isRowid(table, key);
  if (!integer) return null;
  const k = keyList(key);
  const where = filter ? ` WHERE ${filter}` : '';
  let bounds: unknown[] | undefined;
  if (source) {
    const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
    bounds = (
      await source.query({
        text: `SELECT min(${k})::text, max(${k})::text FROM ${from}${where}`,
        rowMode: 'array',
      })
    ).rows[0];
  } else {
    bounds = sqliteBounds((options.source as SqliteDatabase).handle, quoteIdent(table.name), k, filter);
  }
  if (!bounds || bounds[0] === null || bounds[1] === null) return null;
  const min = BigInt(bounds[0] as string | bigint);
  const max = BigInt(bounds[1] as string | bigint);
  const span = max - min + 1n;
  // Rows as the catalog counted them; where it did not (SQLite, a table never analyzed), the key span, which
  // bounds them.
  const rows = table.rows !== null && table.rows > 0 ? table.rows : Number(span);
  const count = Math.min(
    MAX_PARTS,
    jobs,
    Math.floor(Math.min(rows, Number(span)) / (chunkRows * CHUNKS_PER_PART)),
  );
  if (count < 2) return null;
  const step = span / BigInt(count);
  return Array.from({ length: count }, (_, i): [bigint, bigint] => [
    min + step * BigInt(i),
    i === count - 1 ? max + 1n : min + step * BigInt(i + 1),
  ]);
}

/** SQLite's name for a rowid table's rowid that no ordinary column is likely to take. */
const ROWID = '_rowid_';

/** Rowid checkpoints are only resumed by rowid: a copy started by key before is begun again on purpose. */
function assertRowidCheckpoints(parts: TableProgress[], table: Table): void {
  if (parts.some((p) => p.lastKey !== null && p.position !== 'rowid'))
    throw new CleaveError(
      'COPY_STARTED',
      `${table.id} was partly copied by key, which this copy no longer resumes`,
      {
        hint: `copy it again with \`cleave copy --fresh --table ${table.id}\``,
      },
    );
}

/**
 * A rowid checkpoint is resumed only while its rowid still names the row it named: a SQLite file rebuilt since
 * (dumped and reloaded, or VACUUMed where that renumbers rowids) could otherwise skip rows or copy some twice.
 */
function sameRowAtCheckpoint(source: SqliteDatabase, table: Table, key: string[], part: TableProgress): void {
  const row = source.handle
    .prepare(`SELECT ${keyList(key)} FROM ${quoteIdent(table.name)} WHERE ${ROWID} = ?`)
    .raw(true)
    .safeIntegers(true)
    .get(BigInt(part.lastKey![0] as string | number | bigint)) as unknown[] | undefined;
  const now = row === undefined ? null : keyToJson(row);
  if (now !== JSON.stringify(part.lastRowKey)) {
    throw new CleaveError(
      'COPY_STARTED',
      `${table.id}: the row at the last checkpoint (rowid ${String(part.lastKey![0])}) no longer holds key ${JSON.stringify(part.lastRowKey)}, so the SQLite file was rebuilt since the copy stopped (rowids renumbered)`,
      { hint: `copy the table again with \`cleave copy --fresh --table ${table.id}\`` },
    );
  }
}

/** SQLite: the key is the rowid itself (`rowid`, or an INTEGER PRIMARY KEY, which is its alias). */
function isRowid(table: Table, key: string[]): boolean {
  if (key.length !== 1) return false;
  if (key[0] === 'rowid') return true;
  const column = table.columns.find((c) => c.name === key[0]);
  return (
    table.primaryKey?.columns.length === 1 &&
    table.primaryKey.columns[0] === key[0] &&
    column?.type.toUpperCase() === 'INTEGER'
  );
}

/**
 * Drops the foreign keys and secondary (non-key) indexes of the tables about to be filled, recording each
 * definition first in the same transaction: loading into bare tables and building each index once afterwards is
 * what makes pg_dump and pgcopydb fast, and the record makes it safe to be killed in between.
 */
async function deferKeysAndIndexes(
  client: pg.ClientBase,
  input: ServiceCopyInput,
  tables: string[],
): Promise<void> {
  if (tables.length === 0) return;
  const { rows } = await client.query<{
    table_name: string;
    name: string;
    definition: string;
    kind: 'constraint' | 'index';
    references_table: string | null;
  }>(
    `SELECT * FROM (SELECT format('%I.%I', n.nspname, c.relname) AS table_name, k.conname AS name, pg_get_constraintdef(k.oid) AS definition, 'constraint' AS kind,
            (SELECT format('%I.%I', rn.nspname, rc.relname) FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = k.confrelid) AS references_table
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND (
              (k.contype IN ('f', 'p', 'u') AND c.relname = ANY($2))
           OR (k.contype = 'f' AND k.confrelid IN (SELECT fc.oid FROM pg_class fc WHERE fc.relnamespace = n.oid AND fc.relname = ANY($2))))
     UNION ALL
     SELECT format('%I.%I', n.nspname, c.relname), ic.relname, pg_get_indexdef(i.indexrelid), 'index', NULL
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
     ) d
     -- Foreign keys go first: they depend on the keys they reference.
     ORDER BY kind, definition LIKE 'FOREIGN KEY%' DESC, table_name, name`,
    [input.schema, tables],
  );
  if (rows.length === 0) return;
  // All in one transaction, sent at once: recorded and dropped together, or neither.
  const statements = rows.flatMap((r) => [
    `INSERT INTO cleave.copy_dropped_constraints (service, table_name, name, definition, kind, references_table) VALUES (${[
      input.service,
      r.table_name,
      r.name,
      r.definition,
      r.kind,
    ]
      .map(stringLiteral)
      .join(
        ', ',
      )}, ${r.references_table === null ? 'NULL' : stringLiteral(r.references_table)}) ON CONFLICT DO NOTHING`,
    r.kind === 'constraint'
      ? `ALTER TABLE ${r.table_name} DROP CONSTRAINT ${quoteIdent(r.name)}`
      : `DROP INDEX ${quoteIdent(input.schema)}.${quoteIdent(r.name)}`,
  ]);
  await client.query(`BEGIN;\n${statements.join(';\n')};\nCOMMIT`).catch(async (error: unknown) => {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  });
}

/**
 * Rebuilds what the copy deferred: indexes first (each built once over the loaded table), then the keys, then
 * the foreign keys, NOT VALID (no long lock) and then VALIDATEd. Each rebuild commits with the removal of its
 * record.
 */
async function restoreConstraints(
  client: pg.ClientBase,
  service: string,
  only?: { schema: string; table: string },
  /** Foreign keys only, and of those the ones this accepts (it claims them). */
  foreignKeys?: (r: { table_name: string; name: string; references_table: string | null }) => boolean,
): Promise<void> {
  const { rows: all } = await client.query<{
    table_name: string;
    name: string;
    definition: string;
    kind: string;
    references_table: string | null;
  }>(
    // Indexes, then primary and unique keys, then the foreign keys that need them. For one table (just
    // loaded, while others still are), all but its foreign keys, which wait for the tables they join.
    `SELECT table_name, name, definition, kind, references_table FROM cleave.copy_dropped_constraints WHERE service = $1
        AND ($2::text IS NULL OR (table_name = format('%I.%I', $2::text, $3::text) AND definition NOT LIKE 'FOREIGN KEY%'))
        AND (NOT $4 OR definition LIKE 'FOREIGN KEY%')
      ORDER BY kind DESC, definition LIKE 'FOREIGN KEY%', table_name, name`,
    [service, only?.schema ?? null, only?.table ?? null, foreignKeys !== undefined],
  );
  const rows = foreignKeys ? all.filter(foreignKeys) : all;
  const forget = (r: { table_name: string; name: string }) =>
    client.query('DELETE FROM cleave.copy_dropped_constraints WHERE table_name = $1 AND name = $2', [
      r.table_name,
      r.name,
    ]);
  for (const r of rows) {
    if (/^FOREIGN KEY/.test(r.definition)) {
      // Added NOT VALID (no long lock), then validated; the record goes only once it holds, so a key that an
      // earlier run added but could not validate is validated again.
      const { rows: present } = await client.query(
        'SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2',
        [r.table_name, r.name],
      );
      if (present.length === 0)
        await client.query(
          `ALTER TABLE ${r.table_name} ADD CONSTRAINT ${quoteIdent(r.name)} ${r.definition} NOT VALID`,
        );
      await validateForeignKey(client, r.table_name, r.name);
      await forget(r);
      continue;
    }
    await client.query('BEGIN');
    try {
      if (r.kind === 'index') {
        await client.query(r.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
      } else {
        await client.query(
          `ALTER TABLE ${r.table_name} ADD CONSTRAINT ${quoteIdent(r.name)} ${r.definition}`,
        );
      }
      await forget(r);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}

/**
 * VALIDATE CONSTRAINT, and when rows break the key (a SQLite source does not enforce foreign keys unless told
 * to), an error that counts them and shows a few, instead of PostgreSQL's first violation.
 */
async function validateForeignKey(client: pg.ClientBase, table: string, name: string): Promise<void> {
  try {
    await client.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(name)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '23503') throw error;
    const { rows: columns } = await client.query<{ child: string; parent: string; parent_table: string }>(
      `SELECT a.attname AS child, b.attname AS parent, k.confrelid::regclass::text AS parent_table
         FROM pg_constraint k CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(c, p, n)
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.c
         JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = u.p
        WHERE k.conrelid = $1::regclass AND k.conname = $2 ORDER BY u.n`,
      [table, name],
    );
    const parent = columns[0]?.parent_table ?? 'the referenced table';
    const orphans = `FROM ${table} c WHERE ${columns.map((c) => `c.${quoteIdent(c.child)} IS NOT NULL`).join(' AND ')}
      AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${columns.map((c) => `p.${quoteIdent(c.parent)} = c.${quoteIdent(c.child)}`).join(' AND ')})`;
    const [{ n }] = (await client.query<{ n: string }>(`SELECT count(*) AS n ${orphans}`)).rows as [
      { n: string },
    ];
    const { rows: examples } = await client.query<{ v: string }>(
      `SELECT (${columns.map((c) => `c.${quoteIdent(c.child)}`).join(` || ', ' || `)})::text AS v ${orphans} LIMIT 3`,
    );
    throw new CleaveError(
      'COPY_CONSTRAINT',
      `${table}: ${n} row(s) reference rows that ${parent} does not have (foreign key ${name} on ${columns.map((c) => c.child).join(', ')}; for example ${examples.map((e) => e.v).join('; ')})`,
      {
        hint: `the copied rows stay; fix those rows in the source (or drop the foreign key from the service's migration), copy the table again with \`cleave copy --fresh --table\`, or run \`cleave copy --resume\` once the rows are fixed in the target: the key is validated again`,
        cause: error,
      },
    );
  }
}

/** Identity columns and nextval() defaults continue after the greatest copied value. */
async function moveSequences(client: pg.ClientBase, input: ServiceCopyInput): Promise<void> {
  for (const t of input.target.tables) {
    for (const c of t.columns.filter((x) => x.autoIncrement)) {
      const table = `${quoteIdent(input.schema)}.${quoteIdent(t.name)}`;
      const named = /nextval\('([^']+)'/.exec(c.default ?? '')?.[1];
      const fromDefault =
        named === undefined ? null : named.includes('.') ? named : `${quoteIdent(input.schema)}.${named}`;
      await client.query(
        `SELECT setval(seq, greatest(m, 1), m IS NOT NULL)
           FROM (SELECT coalesce(pg_get_serial_sequence($1, $2)::regclass, $3::regclass) AS seq, (SELECT max(${quoteIdent(c.name)}) FROM ${table})::bigint AS m) s
          WHERE seq IS NOT NULL`,
        [table, c.name, fromDefault],
      );
    }
  }
}
