import { parseRowText } from './canonical.js';
import type { Aggregate, Bucketing, BucketRow, HashedBy, Side } from './sides.js';
import { integerKey, type NotCompared, type TableSpec } from './spec.js';

export interface ColumnDiff {
  column: string;
  source: string | null;
  target: string | null;
}

export interface RowDiff {
  kind: 'missing' | 'extra' | 'changed';
  /** Key column -> canonical value (rows without a key: every column). */
  key: Record<string, string | null>;
  /** changed: the columns that differ. */
  columns?: ColumnDiff[];
  /** missing: the copy rejects this source row, with this reason. */
  rejected?: string;
}

export interface TableResult {
  service: string;
  table: string;
  target: string;
  status: 'match' | 'differ';
  sourceRows: number;
  targetRows: number;
  buckets: number;
  differingBuckets: number;
  missing: number;
  extra: number;
  changed: number;
  /** Listed differences (up to --max-diffs per table). */
  diffs: RowDiff[];
  /** More differences exist than were listed. */
  truncated: boolean;
  notCompared: NotCompared[];
  /** Columns of the source the target table lacks. */
  missingColumns: string[];
  /** Worker threads that read a SQLite source (0: the main thread). */
  sourceWorkers: number;
  /**
   * What hashed the source rows: PostgreSQL itself, Cleave's SQLite extension (rows outside its fast paths, if
   * any, in JavaScript), or JavaScript alone.
   */
  sourceHashedBy: HashedBy;
  durationMs: number;
}

export type VerifyEvent =
  | { kind: 'table-start'; service: string; table: string; estimatedRows: number }
  | { kind: 'rows'; service: string; table: string; side: 'source' | 'target'; rows: number }
  | { kind: 'table-done'; result: TableResult };

const ROWS_PER_BUCKET = 1000;
const MAX_BUCKETS = 1 << 16;
const EXCERPT = 120;

/** How rows are grouped: key ranges for an integer key, slices of the key hash otherwise. */
export async function chooseBuckets(spec: TableSpec, source: Side): Promise<Bucketing> {
  const bounds = await source.bounds();
  const wanted = Math.min(MAX_BUCKETS, Math.ceil(bounds.rows / ROWS_PER_BUCKET));
  if (wanted <= 1) return { kind: 'one' };
  if (integerKey(spec) && bounds.min !== null && bounds.max !== null) {
    const span = bounds.max - bounds.min + 1n;
    const width = span / BigInt(wanted) + 1n;
    return { kind: 'range', min: bounds.min, width };
  }
  let mask = 1;
  while (mask + 1 < wanted) mask = mask * 2 + 1;
  return { kind: 'hash', mask };
}

/**
 * Compares one table: per-bucket (count, sum of row hashes) on both sides at once; then, for the buckets that
 * differ, the rows themselves, matched by key: missing, extra, and changed rows with the columns that differ.
 */
export async function compareTable(
  spec: TableSpec,
  source: Side,
  targetSide: Side | Promise<Side>,
  options: { maxDiffs: number; onEvent?: ((e: VerifyEvent) => void) | undefined },
): Promise<TableResult> {
  const started = Date.now();
  const b = await chooseBuckets(spec, source);
  const emit = (side: 'source' | 'target') => (rows: number) =>
    options.onEvent?.({ kind: 'rows', service: spec.service, table: spec.source.id, side, rows });
  // A source summarised off this thread (by its server, or SQLite in worker threads) starts at once, while the
  // target side may still be connecting; one that keeps this thread busy waits for the target's query to go out.
  let sourceSummary = source.offThread(b) ? source.summary(b, emit('source')) : undefined;
  sourceSummary?.catch(() => {});
  const target = await targetSide;
  const targetSummary = target.summary(b, emit('target'));
  sourceSummary ??= source.summary(b, emit('source'));
  const [s, t] = await Promise.all([sourceSummary, targetSummary]);
  const differing: number[] = [];
  for (const id of new Set([...s.keys(), ...t.keys()])) {
    if (!same(s.get(id), t.get(id))) differing.push(id);
  }
  differing.sort((x, y) => x - y);
  const total = (m: Map<number, Aggregate>) => [...m.values()].reduce((n, a) => n + a.count, 0);
  const result: TableResult = {
    service: spec.service,
    table: spec.source.id,
    target: `${spec.schema}.${spec.target}`,
    status: differing.length === 0 && spec.missingColumns.length === 0 ? 'match' : 'differ',
    sourceRows: total(s),
    targetRows: total(t),
    buckets: new Set([...s.keys(), ...t.keys()]).size,
    differingBuckets: differing.length,
    missing: 0,
    extra: 0,
    changed: 0,
    diffs: [],
    truncated: false,
    notCompared: spec.notCompared,
    missingColumns: spec.missingColumns,
    sourceWorkers: source.workers ?? 0,
    sourceHashedBy: source.hashedBy,
    durationMs: 0,
  };
  // Drill down, a few buckets at a time, until every differing bucket is explained or enough rows are listed.
  for (let i = 0; i < differing.length; i += 16) {
    if (result.diffs.length >= options.maxDiffs) {
      result.truncated = true;
      break;
    }
    const batch = differing.slice(i, i + 16);
    const [sr, tr] = await Promise.all([source.rows(b, batch), target.rows(b, batch)]);
    diffRows(spec, sr, tr, result, options.maxDiffs);
  }
  result.durationMs = Date.now() - started;
  return result;
}

function same(a: Aggregate | undefined, b: Aggregate | undefined): boolean {
  return a !== undefined && b !== undefined && a.count === b.count && a.sum === b.sum;
}

function diffRows(
  spec: TableSpec,
  source: Map<string, BucketRow[]>,
  target: Map<string, BucketRow[]>,
  result: TableResult,
  maxDiffs: number,
): void {
  const keyed = spec.key.length > 0;
  const keyNames = (keyed ? spec.key : spec.columns.map((_, i) => i)).map((i) => spec.columns[i]!.name);
  const keyOf = (keyText: string) =>
    Object.fromEntries(parseRowText(keyText).map((v, i) => [keyNames[i]!, v])) as Record<
      string,
      string | null
    >;
  const add = (d: RowDiff) => {
    result[d.kind]++;
    if (result.diffs.length < maxDiffs) result.diffs.push(d);
    else result.truncated = true;
  };
  for (const [k, rows] of source) {
    const other = target.get(k) ?? [];
    if (!keyed) {
      // Rows without a key are a multiset: each text counted on both sides.
      for (let n = other.length; n < rows.length; n++) add(missing(keyOf(k), rows[n]!));
      continue;
    }
    const s = rows[0]!;
    const t = other[0];
    if (!t) add(missing(keyOf(k), s));
    else if (s.text !== t.text) {
      if (s.rejected) add({ kind: 'changed', key: keyOf(k), rejected: s.rejected, columns: [] });
      else add({ kind: 'changed', key: keyOf(k), columns: changedColumns(spec, s.text, t.text) });
    }
  }
  for (const [k, rows] of target) {
    const other = source.get(k) ?? [];
    const extra = keyed ? (other.length === 0 ? 1 : 0) : Math.max(0, rows.length - other.length);
    for (let n = 0; n < extra; n++) add({ kind: 'extra', key: keyOf(k) });
  }
}

function missing(key: Record<string, string | null>, row: BucketRow): RowDiff {
  return row.rejected ? { kind: 'missing', key, rejected: row.rejected } : { kind: 'missing', key };
}

function changedColumns(spec: TableSpec, sourceText: string, targetText: string): ColumnDiff[] {
  const s = parseRowText(sourceText);
  const t = parseRowText(targetText);
  const out: ColumnDiff[] = [];
  spec.columns.forEach((c, i) => {
    const a = s[i] ?? null;
    const b = t[i] ?? null;
    if (a === b) return;
    const at = a === null || b === null ? 0 : firstDifference(a, b);
    out.push({ column: c.name, source: excerpt(a, at), target: excerpt(b, at) });
  });
  return out;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** A long value cut around where the two sides first differ, so one changed byte in a document shows. */
function excerpt(v: string | null, at: number): string | null {
  if (v === null || v.length <= EXCERPT) return v;
  const start = Math.max(0, Math.min(at - EXCERPT / 2, v.length - EXCERPT));
  return `${start > 0 ? '…' : ''}${v.slice(start, start + EXCERPT)}${start + EXCERPT < v.length ? '…' : ''} (${v.length} characters)`;
}
