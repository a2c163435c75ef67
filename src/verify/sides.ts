/**
 * The two sides of a comparison. Each computes, inside its own engine where it can, per-bucket aggregates of
 * row hashes, and, for the buckets that differ, the rows themselves (key text and row text).
 *
 * Buckets: with an integer first key column, a bucket is a key range of fixed width (found again by an index
 * range scan); otherwise a bucket is a slice of the md5 of the key's canonical text, which both engines compute
 * the same way whatever their collations and key types.
 */
import type pg from 'pg';
import { quoteIdent } from '../core/ident.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import { hashSql, rowSql, rowText } from './canonical.js';
import { keyHash32, rowHash } from './hash.js';
import { integerKey, type TableSpec } from './spec.js';

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

export interface Side {
  /** Smallest and greatest integer key, and the row count, for choosing buckets. */
  bounds(): Promise<{ min: bigint | null; max: bigint | null; rows: number }>;
  summary(b: Bucketing, onRows?: (n: number) => void): Promise<Map<number, Aggregate>>;
  /** Rows of the given buckets, by key text (rows compared by content: by row text, several per text). */
  rows(b: Bucketing, buckets: number[]): Promise<Map<string, BucketRow[]>>;
}

const bucketRange = (b: Extract<Bucketing, { kind: 'range' }>, bucket: number): [bigint | null, bigint] =>
  bucket < 0 ? [null, b.min] : [b.min + BigInt(bucket) * b.width, b.min + BigInt(bucket + 1) * b.width];

export function bucketOfKey(b: Bucketing, keyText: string, first: string | null): number {
  if (b.kind === 'one') return 0;
  if (b.kind === 'hash') return keyHash32(keyText) & b.mask;
  if (first === null || !/^-?\d+$/.test(first)) return -1;
  const k = BigInt(first);
  return k < b.min ? -1 : Number((k - b.min) / b.width);
}

/** PostgreSQL, source or target: everything is computed by the server; only aggregates and differing rows move. */
export class PostgresSide implements Side {
  private readonly from: string;
  private readonly values: string[];
  private readonly keyValues: string[];
  private readonly params: unknown[];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly spec: TableSpec,
    private readonly role: 'source' | 'target',
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

  private where(extra?: string): string {
    const parts = [this.role === 'source' ? this.spec.filter : undefined, extra].filter(
      (p): p is string => p !== undefined,
    );
    return parts.length ? ` WHERE ${parts.map((p) => `(${p})`).join(' AND ')}` : '';
  }

  private bucketSql(b: Bucketing): string {
    if (b.kind === 'one') return '0';
    if (b.kind === 'hash')
      return `(('x' || substr(md5(${rowSql(this.keyValues)}), 1, 8))::bit(32)::int & ${b.mask})`;
    const k = `(${this.keyColumn})::bigint`;
    return `CASE WHEN ${k} < ${b.min} THEN -1 ELSE (${k} - ${b.min}) / ${b.width} END`;
  }

  async bounds() {
    const k = integerKey(this.spec) ? `(${this.keyColumn})::bigint` : 'NULL::bigint';
    const { rows } = await this.client.query<{ min: string | null; max: string | null }>(
      `SELECT min(${k})::text AS min, max(${k})::text AS max FROM ${this.from}${this.where()}`,
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

  async summary(b: Bucketing, onRows?: (n: number) => void) {
    const { rows } = await this.client.query<{ b: number; n: string; s: string }>({
      text: `SELECT b, count(*) AS n, sum(h)::text AS s FROM (SELECT ${this.bucketSql(b)} AS b, ${hashSql(rowSql(this.values))} AS h FROM ${this.from}${this.where()}) r GROUP BY b`,
      values: this.params,
    });
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
        const k = `(${this.keyColumn})::bigint`;
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

/**
 * SQLite source: rows are read once with iterate() (nothing held in memory), each value checked and converted
 * as the copy does, then hashed in the process. A row the copy would reject keeps its reason.
 */
export class SqliteSide implements Side {
  private readonly sql: string;
  private readonly key: number[];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly spec: TableSpec,
  ) {
    const values = spec.columns.map((c) => {
      const name = quoteIdent(c.source);
      return `CASE WHEN typeof(${name}) = 'text' THEN CAST(${name} AS BLOB) ELSE ${name} END`;
    });
    this.sql = `SELECT ${values.join(', ')} FROM ${quoteIdent(spec.source.name)}`;
    this.key = spec.key.length > 0 ? spec.key : spec.columns.map((_, i) => i);
  }

  private get keyColumn(): string {
    return quoteIdent(this.spec.columns[this.spec.key[0]!]!.source);
  }

  private where(extra?: string): string {
    const parts = [this.spec.filter, extra].filter((p): p is string => p !== undefined);
    return parts.length ? ` WHERE ${parts.map((p) => `(${p})`).join(' AND ')}` : '';
  }

  async bounds() {
    const row = integerKey(this.spec)
      ? (this.db.handle
          .prepare(
            `SELECT min(${this.keyColumn}), max(${this.keyColumn}) FROM ${quoteIdent(this.spec.source.name)}${this.where()}`,
          )
          .raw(true)
          .safeIntegers(true)
          .get() as [unknown, unknown])
      : [null, null];
    const count = this.db.handle
      .prepare(`SELECT count(*) FROM ${quoteIdent(this.spec.source.name)}${this.where()}`)
      .pluck()
      .get() as number;
    const int = (v: unknown) => (typeof v === 'bigint' ? v : null);
    return { min: int(row[0]), max: int(row[1]), rows: count };
  }

  /** Canonical row: [key text, row text, reject reason]. */
  private canonical(row: unknown[]): [string, string, string | undefined, string | null] {
    const fields: (string | null)[] = new Array(row.length);
    let rejected: string | undefined;
    const columns = this.spec.columns;
    for (let i = 0; i < row.length; i++) {
      const c = columns[i]!;
      const raw = row[i];
      const value = c.prepare ? c.prepare(raw) : raw;
      const v = value === null ? null : c.canonical!(value);
      if (v !== null && typeof v === 'object') {
        rejected ??= `${c.source}: ${v.reason}`;
        fields[i] = null;
      } else fields[i] = v;
    }
    const keyFields = this.key.map((i) => fields[i]!);
    const text = rowText(fields);
    return [
      rowText(keyFields),
      rejected ? `${text} rejected: ${rejected}` : text,
      rejected,
      keyFields[0] ?? null,
    ];
  }

  async summary(b: Bucketing, onRows?: (n: number) => void) {
    const out = new Map<number, Aggregate>();
    const statement = this.db.handle.prepare(`${this.sql}${this.where()}`).raw(true).safeIntegers(true);
    let n = 0;
    for (const row of statement.iterate() as IterableIterator<unknown[]>) {
      const [keyText, text, , first] = this.canonical(row);
      const bucket = bucketOfKey(b, keyText, first);
      const h = rowHash(text);
      const a = out.get(bucket);
      if (a) {
        a.count++;
        a.sum += h;
      } else out.set(bucket, { count: 1, sum: h });
      if (++n % 50_000 === 0) {
        onRows?.(50_000);
        // Let the other side's session and progress output run.
        await new Promise((r) => setImmediate(r));
      }
    }
    onRows?.(n % 50_000);
    return out;
  }

  async rows(b: Bucketing, buckets: number[]) {
    const out = new Map<string, BucketRow[]>();
    const wanted = new Set(buckets);
    const scans: string[] = [];
    if (b.kind === 'range') {
      for (const bucket of buckets) {
        const [lo, hi] = bucketRange(b, bucket);
        const k = this.keyColumn;
        scans.push(
          `${this.sql}${this.where(lo === null ? `${k} < ${hi} OR typeof(${k}) <> 'integer'` : `${k} >= ${lo} AND ${k} < ${hi}`)}`,
        );
      }
    } else scans.push(`${this.sql}${this.where()}`);
    for (const sql of scans) {
      for (const row of this.db.handle
        .prepare(sql)
        .raw(true)
        .safeIntegers(true)
        .iterate() as IterableIterator<unknown[]>) {
        const [keyText, text, rejected, first] = this.canonical(row);
        if (!wanted.has(bucketOfKey(b, keyText, first))) continue;
        push(out, keyText, rejected ? { text, rejected } : { text });
      }
    }
    return out;
  }
}
