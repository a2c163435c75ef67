/**
 * The SQLite side's hot loop: read rows with iterate(), canonicalise each value as the copy would have written
 * it, hash the row, add it to its bucket. Runs in the calling thread for small tables, and in worker threads,
 * each with its own read-only handle taking rowid ranges from a queue, for large ones (the per-row work is
 * CPU-bound).
 */
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { type PlanValue, type Repair, repairValue, valueRules } from '../copy/encode.js';
import { quoteIdent } from '../core/ident.js';
import { startWorker, workersCanLoad } from '../core/threads.js';
import { type Canonical, type Canonicalizer, canonicalizerFor, rowText } from './canonical.js';
import { HashSum, keyHash32 } from './hash.js';
import { loadNativeHash, nativeSpec, parseNativeSums } from './native-hash.js';
import {
  beginRow,
  type ElementHasher,
  elementHasher,
  type FastHasher,
  fastHasher,
  finishRow,
  type HashKind,
  pushRecord,
} from './typed-hash.js';

/** Everything a scan needs, as plain data (it crosses into worker threads). */
export interface SqliteScanJob {
  path: string;
  table: string;
  filter: string | undefined;
  /** `typed`: the typed row hash (typed-hash.ts); `text`: the hash of the whole row's canonical text. */
  format: 'typed' | 'text';
  columns: {
    source: string;
    type: string;
    enum: boolean;
    /** How the column enters the typed row hash (null: inside its text field). */
    kind: HashKind | null;
    map?: Record<string, PlanValue> | undefined;
    whenNull?: Exclude<PlanValue, null> | undefined;
    repair?: Repair | undefined;
  }[];
  /** Indexes of the key columns (all columns when the table has no key). */
  key: number[];
  hasRowid: boolean;
  /** The column that is the table's rowid (an INTEGER PRIMARY KEY), which is then not read twice. */
  rowidColumn?: number | undefined;
  bucketing: ScanBucketing;
}

export type ScanBucketing =
  | { kind: 'range'; min: string; width: string }
  | { kind: 'hash'; mask: number }
  | { kind: 'one' };

export interface ScannedRow {
  keyText: string;
  text: string;
  rejected: string | undefined;
  bucket: number;
}

/** A range bucket in BigInt arithmetic: keys beyond 2^53, and values that are not integers (bucket -1). */
function rangeBucket(b: Extract<ScanBucketing, { kind: 'range' }>, first: string | null): number {
  if (first === null || !/^-?\d+$/.test(first)) return -1;
  const k = BigInt(first);
  const min = BigInt(b.min);
  return k < min ? -1 : Number((k - min) / BigInt(b.width));
}

/**
 * Pages are read through a memory map (up to SQLite's limit, 2 GB by default) rather than copied by read()
 * into SQLite's page cache: about a tenth less time per row on a one-pass scan. Read-only handles only.
 */
export function mapPages(db: BetterSqlite3.Database): void {
  db.pragma('mmap_size = 2147483648');
}

const INTEGER_KEY = /^(smallint|integer|bigint)$/i;
/** The native tokens (native-hash.ts) of key columns the extension can bucket by hash. */
const HASH_KEY_TOKEN = /^([sibxu]|a\d*)$/;

/** Range buckets whose bounds are exact in doubles (the usual case), as doubles; else null (BigInt per row). */
function doubleRange(b: ScanBucketing): { min: number; width: number } | null {
  return b.kind === 'range' && Math.abs(Number(b.min)) < 2 ** 52 && Number(b.width) < 2 ** 52
    ? { min: Number(b.min), width: Number(b.width) }
    : null;
}

/**
 * The arguments of the extension's functions (native-hash.ts) for this table, when it can hash its rows: typed
 * format, rowids, every column with a native token and no value rules, and one bucket, range buckets of an
 * integer key, or hash buckets of a key the extension can write. Null: every row is hashed in JavaScript.
 */
export function nativeArgs(db: BetterSqlite3.Database, job: SqliteScanJob): string | null {
  if (job.format !== 'typed' || !job.hasRowid) return null;
  let spec = nativeSpec(
    job.columns.map((c) => ({
      type: c.type,
      kind: c.kind,
      hasRules: valueRules(c.map, c.whenNull) !== undefined,
    })),
  );
  if (spec === null) return null;
  const tokens = spec.split(' ');
  const b = job.bucketing;
  const range = doubleRange(b);
  const first = job.key[0]!;
  let bucket: string;
  if (b.kind === 'one') bucket = '-1, 0, 1';
  else if (range !== null && INTEGER_KEY.test(job.columns[first]!.type))
    // The extension takes the rows whose key is an integer of the column's type (its canonical text is then its
    // digits, which bucket() reads the same way).
    bucket = `${first}, ${range.min}, ${range.width}`;
  else if (b.kind === 'hash' && job.key.every((k) => HASH_KEY_TOKEN.test(tokens[k]!))) {
    // Keys of integers, text, varchar and uuids, whose canonical text the extension writes itself.
    spec = `${spec} | ${job.key.join(' ')}`;
    bucket = `-2, ${b.mask}, 0`;
  } else return null;
  if (!loadNativeHash(db)) return null;
  // The spec is letters, digits, spaces and `|` only (nativeSpec's tokens): safe as a literal.
  const values = job.columns.map((c) => quoteIdent(c.source)).join(', ');
  return `'${spec}', ${bucket}, ${values}`;
}

/** Adds a bucket's count and sum into per-bucket totals. */
export function addAggregate(
  out: Map<number, { count: number; sum: bigint }>,
  bucket: number,
  count: number,
  sum: bigint,
): void {
  const a = out.get(bucket);
  if (a) {
    a.count += count;
    a.sum += sum;
  } else out.set(bucket, { count, sum });
}

/** Reads and canonicalises rows of one table. */
export class SqliteRows {
  readonly select: string;
  private readonly canonical: Canonicalizer[];
  private readonly prepare: (((v: unknown) => unknown) | undefined)[];
  private readonly blobs = new Map<string, BetterSqlite3.Statement>();

  constructor(
    readonly db: BetterSqlite3.Database,
    readonly job: SqliteScanJob,
  ) {
    const values = job.columns.map((c) => {
      const name = quoteIdent(c.source);
      return job.hasRowid
        ? name
        : `CASE WHEN typeof(${name}) = 'text' THEN CAST(${name} AS BLOB) ELSE ${name} END`;
    });
    // Text is read as strings (far cheaper than Buffers); a value with U+FFFD is read again as bytes by rowid.
    this.offset = job.hasRowid && job.rowidColumn === undefined ? 1 : 0;
    this.rowidAt = job.hasRowid ? (job.rowidColumn ?? -1) + this.offset : -1;
    if (this.offset === 1) values.unshift('_rowid_');
    this.select = `SELECT ${values.join(', ')} FROM ${quoteIdent(job.table)}`;
    this.canonical = job.columns.map((c) => canonicalizerFor(c.type, { enum: c.enum })!);
    this.hashers = job.columns.map((c, i) =>
      job.format === 'typed' && c.kind !== null ? elementHasher(c.kind, c.type, this.canonical[i]!) : null,
    );
    this.prepare = job.columns.map((c) => valueRules(c.map, c.whenNull));
    this.fast = job.columns.map((c) =>
      job.format === 'typed' && c.kind !== null && valueRules(c.map, c.whenNull) === undefined
        ? fastHasher(c.kind, c.type)
        : undefined,
    );
    this.hashTyped = this.compileTyped();
    this.range = doubleRange(job.bucketing);
    const first = job.key[0]!;
    this.bucketByValue =
      this.range !== null && this.prepare[first] === undefined && job.columns[first]!.type === 'bigint';
    this.native = nativeArgs(db, job);
  }

  /** The extension's arguments (null: every row is hashed in JavaScript). */
  private readonly native: string | null;

  /** Whether the extension hashes this table's rows (the rest in JavaScript). */
  get nativeHash(): boolean {
    return this.native !== null;
  }

  /** Rows hashed so far by the extension, and by JavaScript after the extension left them. */
  readonly hashed = { native: 0, fallback: 0 };

  where(...extra: (string | undefined)[]): string {
    const parts = [this.job.filter, ...extra].filter((p): p is string => p !== undefined);
    return parts.length ? ` WHERE ${parts.map((p) => `(${p})`).join(' AND ')}` : '';
  }

  /** Where the values of a raw row start (after the rowid, when it is read as a column of its own). */
  private readonly offset: number;
  /** Where a raw row holds its rowid (-1: the table has none). */
  private readonly rowidAt: number;

  /** Raw rows; integers as BigInts, or with `numbers` as numbers (those beyond 2^53 then inexact). */
  iterate(where: string, params: unknown[] = [], numbers = false): IterableIterator<unknown[]> {
    return this.db
      .prepare(`${this.select}${where}`)
      .raw(true)
      .safeIntegers(!numbers)
      .iterate(...params) as IterableIterator<unknown[]>;
  }

  private blobOf(rowid: unknown, column: string): Buffer | null {
    let statement = this.blobs.get(column);
    if (!statement) {
      statement = this.db
        .prepare(
          `SELECT CAST(${quoteIdent(column)} AS BLOB) FROM ${quoteIdent(this.job.table)} WHERE _rowid_ = ?`,
        )
        .pluck();
      this.blobs.set(column, statement);
    }
    return (statement.get(rowid as number) as Buffer | undefined) ?? null;
  }

  private readonly fields: (string | null)[] = [];

  /** Typed format: the hasher of each column hashed by value (null: the column is in the text field). */
  private readonly hashers: (ElementHasher | null)[];
  /** Typed format: the fast path of each column that has one and no value rules (it takes raw values). */
  private readonly fast: (FastHasher | undefined)[];
  /** Typed format: the canonical values of the columns in the text field, in order. */
  private readonly rest: (string | null)[] = [];

  /** A value as the copy sees it: read again as bytes when it may be invalid UTF-8, then the plan's value rules. */
  private valueOf(row: unknown[], i: number): unknown {
    let raw = row[i + this.offset];
    // Invalid UTF-8 reads as U+FFFD: such a value is read again as its bytes, which the rules then judge.
    if (typeof raw === 'string' && raw.includes('\uFFFD'))
      raw = this.blobOf(row[this.rowidAt], this.job.columns[i]!.source) ?? raw;
    const prepare = this.prepare[i];
    return prepare ? prepare(raw) : raw;
  }

  /** The canonical text of column i's value, after the plan's repair as the copy applies it. */
  private canonicalOf(value: unknown, i: number): Canonical {
    let v = value === null ? null : this.canonical[i]!(value);
    const repair = this.job.columns[i]!.repair;
    if (v !== null && typeof v === 'object' && repair !== undefined) {
      const fixed = repairValue(value, repair);
      if (fixed !== null) {
        const again = this.canonical[i]!(fixed.value);
        if (typeof again === 'string') v = again;
      }
    }
    return v;
  }

  /** Canonicalises one raw row into this.fields; returns why the copy would reject it, if it would. */
  private fill(row: unknown[]): string | undefined {
    const columns = this.job.columns;
    const fields = this.fields;
    let rejected: string | undefined;
    for (let i = 0; i < columns.length; i++) {
      const v = this.canonicalOf(this.valueOf(row, i), i);
      if (v !== null && typeof v === 'object') {
        rejected ??= `${columns[i]!.source}: ${v.reason}`;
        fields[i] = null;
      } else fields[i] = v;
    }
    fields.length = columns.length;
    return rejected;
  }

  /**
   * Typed format: hashes one raw row into hashHi/hashLo (typed-hash.ts), typed columns by value and the others
   * as one record text. Returns why the copy would reject the row, if it would (the hash is then unfinished).
   *
   * Compiled once per table (compileTyped): one call site per column, so that each column's hasher is the only
   * function its site ever calls and the engine inlines it. A loop over the columns would call every hasher
   * from one site, which no engine inlines.
   */
  private readonly hashTyped: (row: unknown[]) => string | undefined;

  private compileTyped(): (row: unknown[]) => string | undefined {
    const columns = this.job.columns;
    const offset = this.offset;
    const names: string[] = [];
    const values: unknown[] = [];
    const bind = (name: string, value: unknown): string => {
      names.push(name);
      values.push(value);
      return name;
    };
    bind('beginRow', beginRow);
    bind('finishRow', finishRow);
    bind('pushRecord', pushRecord);
    bind('rest', this.rest);
    // Invalid UTF-8 reads as U+FFFD: such a value is read again as its bytes, which the rules then judge.
    bind('reread', (row: unknown[], i: number) => this.blobOf(row[this.rowidAt], columns[i]!.source));
    bind('canonicalOf', (value: unknown, i: number) => this.canonicalOf(value, i));
    bind('repaired', (value: unknown, i: number, bad: { reason: string }) => {
      const fixed = repairValue(value, columns[i]!.repair!);
      return fixed === null ? bad : this.hashers[i]!(fixed.value);
    });
    bind('reason', (i: number, why: { reason: string }) => `${columns[i]!.source}: ${why.reason}`);
    const body: string[] = ['let v, bad, c, r = 0;', 'beginRow();'];
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      body.push(`v = row[${i + offset}];`);
      // The commonest values are hashed as they are read (a string outside ASCII never takes this path).
      const fast = this.fast[i];
      body.push(fast ? `if (!${bind(`fast${i}`, fast)}(v)) {` : '{');
      if (this.job.hasRowid)
        body.push(`if (typeof v === 'string' && v.indexOf('\uFFFD') !== -1) v = reread(row, ${i}) ?? v;`);
      if (this.prepare[i] !== undefined) body.push(`v = ${bind(`prepare${i}`, this.prepare[i])}(v);`);
      const hasher = this.hashers[i];
      if (hasher) {
        body.push(`bad = ${bind(`hash${i}`, hasher)}(v);`);
        if (column.repair !== undefined) body.push(`if (bad !== undefined) bad = repaired(v, ${i}, bad);`);
        body.push(`if (bad !== undefined) return reason(${i}, bad);`);
      } else {
        body.push(`c = canonicalOf(v, ${i});`);
        body.push(`if (c !== null && typeof c === 'object') return reason(${i}, c);`);
        body.push('rest[r++] = c;');
      }
      body.push('}');
    }
    body.push('if (r > 0) { rest.length = r; pushRecord(rest); }', 'finishRow();', 'return undefined;');
    const factory = new Function(...names, `return function hashRow(row) {\n${body.join('\n')}\n};`);
    return factory(...values) as (row: unknown[]) => string | undefined;
  }

  /** Range buckets of a bigint key without value rules: found from the raw value, without its text. */
  private readonly bucketByValue: boolean;

  /** Typed format: the bucket of a row, as row() finds it (a bigint key in a double's range needs no text). */
  private typedBucket(row: unknown[]): number {
    const range = this.range;
    if (this.bucketByValue && range !== null) {
      const raw = row[this.job.key[0]! + this.offset];
      if (typeof raw === 'bigint' || typeof raw === 'number') {
        const k = Number(raw);
        if (Number.isSafeInteger(k)) return k < range.min ? -1 : Math.floor((k - range.min) / range.width);
      }
    }
    if (this.job.bucketing.kind === 'one') return 0;
    const fields = this.fields;
    for (const k of this.job.key) {
      const v = this.canonicalOf(this.valueOf(row, k), k);
      fields[k] = typeof v === 'string' ? v : null;
    }
    return this.bucket();
  }

  private keyText(): string {
    const key = this.job.key;
    if (key.length === this.fields.length) return rowText(this.fields);
    const keyFields: (string | null)[] = new Array(key.length);
    for (let i = 0; i < key.length; i++) keyFields[i] = this.fields[key[i]!]!;
    return rowText(keyFields);
  }

  /** Key ranges in doubles when every bound is exact in them (the usual case); else BigInt per row. */
  private readonly range: { min: number; width: number } | null;

  private bucket(): number {
    const b = this.job.bucketing;
    if (b.kind === 'one') return 0;
    if (b.kind === 'hash') return keyHash32(this.keyText()) & b.mask;
    const first = this.fields[this.job.key[0]!] ?? null;
    if (this.range && first !== null) {
      const k = Number(first);
      if (Number.isSafeInteger(k))
        return k < this.range.min ? -1 : Math.floor((k - this.range.min) / this.range.width);
    }
    return rangeBucket(b, first);
  }

  row(row: unknown[]): ScannedRow {
    const rejected = this.fill(row);
    const text = rowText(this.fields);
    return {
      keyText: this.keyText(),
      text: rejected ? `${text} rejected: ${rejected}` : text,
      rejected,
      bucket: this.bucket(),
    };
  }

  /** Per-bucket sums over the rows with lo <= rowid < hi (or all rows). */
  sums(range: [string, string] | null, onRows?: (n: number) => void): Map<number, HashSum> {
    const progress = { reported: 0, onRows };
    if (this.native !== null) return this.nativeSums(range, progress);
    // Typed rows of a rowid table are read with integers as numbers (no BigInt per value); at the first value
    // beyond 2^53, which a number may not hold exactly, the range is read again with BigInts.
    if (this.job.format === 'typed' && this.job.hasRowid) {
      const sums = this.scan(range, true, progress);
      if (sums !== null) return sums;
    }
    return this.scan(range, false, progress)!;
  }

  /**
   * sums() through the extension: one aggregate query over the range; the rows it did not hash (if any) are
   * then read again, those alone, and hashed in JavaScript into the same buckets.
   */
  private nativeSums(
    range: [string, string] | null,
    progress: { reported: number; onRows: ((n: number) => void) | undefined },
  ): Map<number, HashSum> {
    const bounds = range ? '_rowid_ >= ? AND _rowid_ < ?' : undefined;
    const params = range ? [BigInt(range[0]), BigInt(range[1])] : [];
    const text = this.db
      .prepare(
        `SELECT cleave_typed_sum(${this.native}) FROM ${quoteIdent(this.job.table)}${this.where(bounds)}`,
      )
      .pluck()
      .get(...params) as string;
    const native = parseNativeSums(text);
    const sums = new Map<number, HashSum>();
    let rows = 0;
    for (const b of native.buckets) {
      const sum = new HashSum();
      sum.addSum(b.count, b.sum);
      sums.set(b.bucket, sum);
      rows += b.count;
    }
    progress.onRows?.(rows);
    this.hashed.native += rows;
    this.hashed.fallback += native.fallback;
    if (native.fallback === 0) return sums;
    const rest = `cleave_typed_hash(${this.native}) IS NULL`;
    const progressRest = { reported: 0, onRows: progress.onRows };
    const more = this.scan(range, true, progressRest, rest) ?? this.scan(range, false, progressRest, rest)!;
    for (const [bucket, s] of more) {
      const sum = sums.get(bucket);
      if (sum) sum.addSum(s.count, s.sum);
      else sums.set(bucket, s);
    }
    return sums;
  }

  /** sums() with or without numbers for integers: null when a number may be inexact. */
  private scan(
    range: [string, string] | null,
    numbers: boolean,
    progress: { reported: number; onRows: ((n: number) => void) | undefined },
    extra?: string,
  ): Map<number, HashSum> | null {
    const sums = new Map<number, HashSum>();
    const where = range ? this.where('_rowid_ >= ? AND _rowid_ < ?', extra) : this.where(extra);
    let n = 0;
    const report = () => {
      // A range read again reports only the rows beyond those already reported.
      if (n > progress.reported) {
        progress.onRows?.(n - progress.reported);
        progress.reported = n;
      }
    };
    const typed = this.job.format === 'typed';
    for (const raw of this.iterate(where, range ? [BigInt(range[0]), BigInt(range[1])] : [], numbers)) {
      if (typed) {
        if (numbers) {
          for (let j = 0; j < raw.length; j++) {
            const v = raw[j];
            if (typeof v === 'number' && !(v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER))
              return null;
          }
        }
        // The bucket first: a key hash would overwrite the row's.
        const bucket = this.typedBucket(raw);
        const rejected = this.hashTyped(raw);
        let sum = sums.get(bucket);
        if (!sum) {
          sum = new HashSum();
          sums.set(bucket, sum);
        }
        if (rejected === undefined) sum.addHashed();
        else {
          this.fill(raw);
          sum.add(`${rowText(this.fields)} rejected: ${rejected}`);
        }
        if (++n % 50_000 === 0) report();
        continue;
      }
      const rejected = this.fill(raw);
      const bucket = this.bucket();
      let sum = sums.get(bucket);
      if (!sum) {
        sum = new HashSum();
        sums.set(bucket, sum);
      }
      if (rejected) sum.add(`${rowText(this.fields)} rejected: ${rejected}`);
      else sum.addRecord(this.fields);
      if (++n % 50_000 === 0) report();
    }
    report();
    return sums;
  }
}

type Sums = [number, number, string][];

/**
 * Scans rowid ranges in `threads` worker threads; resolves with the merged per-bucket (count, sum). The ranges
 * are a queue: a worker that finishes one takes the next, so a thread on a busier core (the server's query runs
 * on the same machine) or a range with fewer rows does not leave the other threads waiting at the end.
 */
export async function scanInWorkers(
  job: SqliteScanJob,
  ranges: [string, string][],
  threads: number,
  onRows?: (n: number) => void,
): Promise<Map<number, { count: number; sum: bigint }>> {
  const out = new Map<number, { count: number; sum: bigint }>();
  const merge = (sums: Sums) => {
    for (const [id, count, sum] of sums) addAggregate(out, id, count, BigInt(sum));
  };
  const queue = [...ranges];
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: Math.min(threads, queue.length) },
        () =>
          new Promise<void>((resolve, reject) => {
            // The module runs itself in the worker, which takes the job, then one range after another.
            const worker = startWorker(new URL(import.meta.url).href, { scan: true });
            workers.push(worker);
            const next = () => {
              const range = queue.shift();
              if (range) worker.postMessage({ range });
              else {
                worker.postMessage({ end: true });
                resolve();
              }
            };
            worker.on('message', (m: { rows: number } | { sums: Sums } | { error: string }) => {
              if ('rows' in m) onRows?.(m.rows);
              else if ('sums' in m) {
                merge(m.sums);
                next();
              } else reject(new Error(m.error));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0) reject(new Error(`verify worker stopped with exit code ${code}`));
            });
            worker.postMessage({ job });
            next();
          }),
      ),
    );
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  return out;
}

/** Workers can load this module: built JavaScript, or TypeScript with tsx resolvable. */
export function scanWorkersCanLoad(): boolean {
  return workersCanLoad(import.meta.url);
}

// In a worker started by scanInWorkers: take the job, then scan one range after another and send back the sums of
// each, until told to end.
if (!isMainThread && workerData?.data?.scan === true && parentPort) {
  const port = parentPort;
  let db: BetterSqlite3.Database | undefined;
  let rows: SqliteRows | undefined;
  port.on('message', (m: { job?: SqliteScanJob; range?: [string, string]; end?: true }) => {
    try {
      if (m.job) {
        db = new BetterSqlite3(m.job.path, { readonly: true, fileMustExist: true });
        mapPages(db);
        rows = new SqliteRows(db, m.job);
      } else if (m.range && rows) {
        const sums = rows.sums(m.range, (n) => port.postMessage({ rows: n }));
        port.postMessage({ sums: [...sums].map(([id, s]) => [id, s.count, s.sum.toString()]) });
      } else if (m.end) {
        db?.close();
        port.close();
      }
    } catch (error) {
      port.postMessage({ error: String((error as Error).stack ?? error) });
    }
  });
}
