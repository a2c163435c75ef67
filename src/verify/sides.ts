/**
 * The two sides of a comparison. Each computes, inside its own engine where it can, per-bucket aggregates of
 * row hashes, and, for the buckets that differ, the rows themselves (key text and row text).
 *
 * Buckets: with an integer first key column, a bucket is a key range of fixed width (found again by an index
 * range scan); otherwise a bucket is a slice of the hash of the key's canonical text, which both engines compute
 * the same way whatever their collations and key types.
 */

import { availableParallelism } from 'node:os';
import type pg from 'pg';
import { quoteIdent } from '../core/ident.js';
import { type SqliteDatabase, sqliteBounds } from '../db/sqlite.js';
import { rowSql } from './canonical.js';
import { hashSql } from './hash.js';
import { integerKey, type TableSpec } from './spec.js';
import {
  addAggregate,
  nativeArgs,
  SqliteRows,
  type SqliteScanJob,
  scanInWorkers,
  scanWorkersCanLoad,
} from './sqlite-scan.js';
import { typedRowHashSql } from './typed-hash.js';

export type Bucketing =
  | { kind: 'range'; min: bigint; width: bigint }
  | { kind: 'hash'; mask: number }
  /** Only one bucket: the table is small. */
  | { kind: 'one' };

export interface Aggregate {
  count: number;
  sum: bigint;
}

/** A row of a bucket that differs: its canonical text, and why it cannot be copied (SQLite rows only). */
export interface BucketRow {
  text: string;
  rejected?: string;
}

export type HashedBy = 'postgresql' | 'sqlite-extension' | 'javascript';

export interface Side {
  /** Smallest and greatest integer key, and the row count, for choosing buckets. */
  bounds(): Promise<{ min: bigint | null; max: bigint | null; rows: number }>;
  summary(b: Bucketing, onRows?: (n: number) => void): Promise<Map<number, Aggregate>>;
  /** Whether summary() leaves this thread free (it runs in the server, or in worker threads). */
  offThread(b: Bucketing): boolean;
  /** Worker threads the last summary ran in (0: the calling thread). */
  workers?: number;
  /** What hashed the rows of the last summary. */
  hashedBy: HashedBy;
  /** Rows of the given buckets, by key text (rows compared by content: by row text, several per text). */
  rows(b: Bucketing, buckets: number[]): Promise<Map<string, BucketRow[]>>;
}

const bucketRange = (b: Extract<Bucketing, { kind: 'range' }>, bucket: number): [bigint | null, bigint] =>
  bucket < 0 ? [null, b.min] : [b.min + BigInt(bucket) * b.width, b.min + BigInt(bucket + 1) * b.width];

/** PostgreSQL, source or target: everything is computed by the server; only aggregates and differing rows move. */
export class PostgresSide implements Side {
  readonly hashedBy = 'postgresql';
  private readonly from: string;
  private readonly values: string[];
  private readonly keyValues: string[];
  private readonly params: unknown[];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly spec: TableSpec,
    private readonly role: 'source' | 'target',
    /**
     * The summary may use the server's parallel workers: not when the other side's summary runs on the same
     * server at the same time (the two already share its cores; more processes only add contention).
     */
    private readonly parallel = true,
  ) {
    const table = role === 'source' ? spec.source : { schema: spec.schema, name: spec.target };
    this.from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
    this.values = spec.columns.map((c) => (role === 'source' ? c.sourceSql : c.targetSql));
    const key = spec.key.length > 0 ? spec.key : spec.columns.map((_, i) => i);
    this.keyValues = key.map((i) => this.values[i]!);
    this.params = role === 'target' && spec.columns.some((c) => c.encrypted) ? [spec.encryptionKey] : [];
  }

  private get keyColumn(): string {
    const column = this.spec.columns[this.spec.key[0]!]!;
    return quoteIdent(this.role === 'source' ? column.source : column.name);
  }

  /**
   * The first key column as a bigint expression: the column itself when it is an integer on this side (so that
   * min/max and range predicates use its index), else cast (a source key the plan casts to an integer).
   */
  private get keyInteger(): string {
    const column = this.spec.columns[this.spec.key[0]!]!;
    const type =
      this.role === 'source'
        ? (this.spec.source.columns.find((c) => c.name === column.source)?.type ?? '')
        : column.type;
    return /^(smallint|integer|bigint)$/.test(type) ? this.keyColumn : `(${this.keyColumn})::bigint`;
  }

  private where(extra?: string): string {
    const parts = [this.role === 'source' ? this.spec.filter : undefined, extra].filter(
      (p): p is string => p !== undefined,
    );
    return parts.length ? ` WHERE ${parts.map((p) => `(${p})`).join(' AND ')}` : '';
  }

  private bucketSql(b: Bucketing): string {
    if (b.kind === 'one') return '0';
    if (b.kind === 'hash') return `(${hashSql(rowSql(this.keyValues))} & ${b.mask})::int`;
    const k = `(${this.keyInteger})::bigint`;
    return `CASE WHEN ${k} < ${b.min} THEN -1 ELSE (${k} - ${b.min}) / ${b.width} END`;
  }

  private rowHashSql(): string {
    if (this.spec.hashFormat === 'text') return hashSql(rowSql(this.values));
    return typedRowHashSql(this.values.map((sql, i) => ({ sql, kind: this.spec.columns[i]!.kind })));
  }

  async bounds() {
    const k = integerKey(this.spec) ? this.keyInteger : 'NULL::bigint';
    const { rows } = await this.client.query<{ min: string | null; max: string | null }>(
      `SELECT min(${k})::bigint::text AS min, max(${k})::bigint::text AS max FROM ${this.from}${this.where()}`,
    );
    const estimate = await this.client.query<{ n: string }>(
      `SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = $1::regclass`,
      [this.from],
    );
    return {
      min: rows[0]?.min == null ? null : BigInt(rows[0].min),
      max: rows[0]?.max == null ? null : BigInt(rows[0].max),
      rows: Number(estimate.rows[0]?.n ?? 0),
    };
  }

  offThread(): boolean {
    return true;
  }

  async summary(b: Bucketing, onRows?: (n: number) => void) {
    // The planner cannot tell how few buckets there are and would sort a billion rows to group them; the
    // buckets fit a hash table, so hash aggregation is forced for this one statement. JIT is off: the row
    // hash is calls into the server's own functions, which compiled code does not speed up, while loading
    // the JIT compiler costs a new session about 0.3 s of CPU. Parallel workers are free to plan (the planner,
    // unable to count the buckets, would not otherwise use them), within the server's own limits.
    await this.client.query('BEGIN READ ONLY');
    let rows: { b: number; n: string; s: string }[];
    try {
      await this.client.query(
        `SET LOCAL enable_sort = off; SET LOCAL jit = off${this.parallel ? '; SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0' : ''}`,
      );
      ({ rows } = await this.client.query<{ b: number; n: string; s: string }>({
        text: `SELECT b, count(*) AS n, sum(h)::text AS s FROM (SELECT ${this.bucketSql(b)} AS b, ${this.rowHashSql()} AS h FROM ${this.from}${this.where()}) r GROUP BY b`,
        values: this.params,
      }));
    } finally {
      await this.client.query('COMMIT').catch(() => {});
    }
    const out = new Map<number, Aggregate>();
    let total = 0;
    for (const r of rows) {
      out.set(Number(r.b), { count: Number(r.n), sum: BigInt(r.s) });
      total += Number(r.n);
    }
    onRows?.(total);
    return out;
  }

  async rows(b: Bucketing, buckets: number[]) {
    const out = new Map<string, BucketRow[]>();
    const select = `SELECT ${rowSql(this.keyValues)} AS k, ${rowSql(this.values)} AS t FROM ${this.from}`;
    const queries: { text: string; values: unknown[] }[] = [];
    if (b.kind === 'range') {
      // One index range scan per bucket.
      for (const bucket of buckets) {
        const [lo, hi] = bucketRange(b, bucket);
        const k = this.keyInteger;
        queries.push({
          text: `${select}${this.where(lo === null ? `${k} < ${hi}` : `${k} >= ${lo} AND ${k} < ${hi}`)}`,
          values: this.params,
        });
      }
    } else {
      const n = this.params.length + 1;
      queries.push({
        text: `${select}${this.where(`${this.bucketSql(b)} = ANY($${n}::int[])`)}`,
        values: [...this.params, buckets],
      });
    }
    for (const q of queries) {
      const { rows } = await this.client.query<{ k: string; t: string }>(q);
      for (const r of rows) push(out, r.k, { text: r.t });
    }
    return out;
  }
}

function push(map: Map<string, BucketRow[]>, key: string, row: BucketRow): void {
  const list = map.get(key);
  if (list) list.push(row);
  else map.set(key, [row]);
}

/** SQLite tables from this many rows are scanned in worker threads. */
const SQLITE_WORKER_ROWS = 200_000;
/**
 * The same when the extension hashes the rows: it does so at millions of rows a second, so a thread's start
 * (about a quarter of a second of CPU, its modules loaded again) pays only for large tables.
 */
const SQLITE_NATIVE_WORKER_ROWS = 5_000_000;
/** Rows of one range the calling thread hashes through the extension before it yields (progress, replies). */
const NATIVE_RANGE_ROWS = 250_000;

/** Worker threads one SQLite table is scanned in: one per core, at most 4 (none on one core). */
function scanThreads(): number {
  const n = Math.min(availableParallelism(), 4);
  return n > 1 ? n : 0;
}

/**
 * The key column that is the table's rowid, if one is: SQLite reads such a column with the Rowid opcode, which
 * settles every rule of when an INTEGER PRIMARY KEY is an alias (not when declared DESC, not WITHOUT ROWID).
 */
function rowidAlias(db: SqliteDatabase, spec: TableSpec): number | undefined {
  if (!spec.source.hasRowid || spec.key.length !== 1) return undefined;
  const k = spec.key[0]!;
  const ops = db.handle
    .prepare(`EXPLAIN SELECT ${quoteIdent(spec.columns[k]!.source)} FROM ${quoteIdent(spec.source.name)}`)
    .all() as { opcode: string }[];
  return ops.some((o) => o.opcode === 'Rowid') && !ops.some((o) => o.opcode === 'Column') ? k : undefined;
}

/**
 * SQLite source: rows are read once with iterate() (nothing held in memory), each value checked and converted
 * as the copy does, then hashed in the process; large tables in worker threads, by rowid ranges.
 * A row the copy would reject keeps its reason.
 */
export class SqliteSide implements Side {
  private rowCount = 0;
  /** Smallest and greatest rowid, read by bounds(). */
  private rowids: [bigint, bigint] | null = null;
  workers = 0;
  hashedBy: HashedBy = 'javascript';

  constructor(
    private readonly db: SqliteDatabase,
    private readonly spec: TableSpec,
    /** Tables from this many rows are scanned in worker threads (default: by how rows are hashed). */
    private readonly workerRows?: number,
  ) {
    this.rowidColumn = rowidAlias(db, spec);
  }

  /** The key column that is the table's rowid (read once, not twice), if one is. */
  private readonly rowidColumn: number | undefined;

  private get keyColumn(): string {
    return quoteIdent(this.spec.columns[this.spec.key[0]!]!.source);
  }

  private job(b: Bucketing): SqliteScanJob {
    return {
      path: this.db.handle.name,
      table: this.spec.source.name,
      filter: this.spec.filter,
      format: this.spec.hashFormat,
      columns: this.spec.columns.map((c) => ({
        source: c.source,
        type: c.type,
        enum: c.enum,
        kind: c.kind,
        map: c.rules?.map,
        whenNull: c.rules?.whenNull,
        repair: c.rules?.repair,
      })),
      key: this.spec.key.length > 0 ? this.spec.key : this.spec.columns.map((_, i) => i),
      hasRowid: this.spec.source.hasRowid,
      rowidColumn: this.rowidColumn,
      bucketing: b.kind === 'range' ? { kind: 'range', min: b.min.toString(), width: b.width.toString() } : b,
    };
  }

  async bounds() {
    const rows = new SqliteRows(this.db.handle, this.job({ kind: 'one' }));
    const from = quoteIdent(this.spec.source.name);
    const row = integerKey(this.spec)
      ? sqliteBounds(this.db.handle, from, this.keyColumn, rows.where().replace(/^ WHERE /, '') || undefined)
      : [null, null];
    const int = (v: unknown) => (typeof v === 'bigint' ? v : null);
    if (this.spec.source.hasRowid) {
      // The rowid span, from the two ends of the table's b-tree: at least the row count (a filter, gaps),
      // without the full pass count(*) makes; it only sizes the buckets and picks the scan's threads.
      const [lo, hi] = sqliteBounds(this.db.handle, from, '_rowid_');
      this.rowids = typeof lo === 'bigint' && typeof hi === 'bigint' ? [lo, hi] : null;
      this.rowCount = this.rowids ? Number(this.rowids[1] - this.rowids[0] + 1n) : 0;
    } else
      this.rowCount = this.db.handle
        .prepare(`SELECT count(*) FROM ${from}${rows.where()}`)
        .pluck()
        .get() as number;
    return { min: int(row[0]), max: int(row[1]), rows: this.rowCount };
  }

  /** Whether the extension hashes this table's rows with these buckets (the worker threads decide alike). */
  private native(b: Bucketing): boolean {
    return nativeArgs(this.db.handle, this.job(b)) !== null;
  }

  /** Large tables with rowids are scanned in worker threads. */
  offThread(b: Bucketing): boolean {
    const threshold = this.workerRows ?? (this.native(b) ? SQLITE_NATIVE_WORKER_ROWS : SQLITE_WORKER_ROWS);
    return (
      this.rowCount >= threshold && this.spec.source.hasRowid && scanThreads() > 1 && scanWorkersCanLoad()
    );
  }

  /** About `slices` rowid ranges, lo inclusive, hi exclusive, over the whole table. */
  private rowidRanges(slices: number): [string, string][] {
    const [min, max] =
      this.rowids ??
      (sqliteBounds(this.db.handle, quoteIdent(this.spec.source.name), '_rowid_') as [bigint, bigint]);
    const [lo, hi] = [min, max + 1n];
    const step = (hi - lo) / BigInt(Math.max(1, slices)) + 1n;
    const ranges: [string, string][] = [];
    for (let start = lo; start < hi; start += step)
      ranges.push([start.toString(), (start + step).toString()]);
    return ranges;
  }

  async summary(b: Bucketing, onRows?: (n: number) => void) {
    const job = this.job(b);
    const workers = scanThreads();
    this.hashedBy = this.native(b) ? 'sqlite-extension' : 'javascript';
    if (this.offThread(b)) {
      this.workers = workers;
      // Eight rowid ranges per thread, taken from a queue (see scanInWorkers).
      return scanInWorkers(job, this.rowidRanges(workers * 8), workers, onRows);
    }
    this.workers = 0;
    // Let the other side's query go out before this thread is busy.
    await new Promise((r) => setImmediate(r));
    const reader = new SqliteRows(this.db.handle, job);
    if (!reader.nativeHash || this.rowids === null) {
      const sums = reader.sums(null, onRows);
      return new Map([...sums].map(([id, s]) => [id, { count: s.count, sum: s.sum }]));
    }
    // Through the extension, range after range, yielding between them (progress, the other side's replies).
    const out = new Map<number, Aggregate>();
    // rowCount is the rowid span (gaps included: a range without rows costs one index seek), hence the cap.
    for (const range of this.rowidRanges(Math.min(1024, Math.ceil(this.rowCount / NATIVE_RANGE_ROWS)))) {
      for (const [id, s] of reader.sums(range, onRows)) addAggregate(out, id, s.count, s.sum);
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  async rows(b: Bucketing, buckets: number[]) {
    const out = new Map<string, BucketRow[]>();
    const wanted = new Set(buckets);
    const reader = new SqliteRows(this.db.handle, this.job(b));
    const scans: string[] = [];
    if (b.kind === 'range') {
      for (const bucket of buckets) {
        const [lo, hi] = bucketRange(b, bucket);
        const k = this.keyColumn;
        scans.push(
          reader.where(
            lo === null ? `${k} < ${hi} OR typeof(${k}) <> 'integer'` : `${k} >= ${lo} AND ${k} < ${hi}`,
          ),
        );
      }
    } else scans.push(reader.where());
    for (const where of scans) {
      for (const raw of reader.iterate(where)) {
        const r = reader.row(raw);
        if (!wanted.has(r.bucket)) continue;
        push(out, r.keyText, r.rejected ? { text: r.text, rejected: r.rejected } : { text: r.text });
      }
    }
    return out;
  }
}
