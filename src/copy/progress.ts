import type pg from 'pg';

/** Runtime SQL of copy checkpoints and rejects (cleave.copy_progress, cleave.copy_rejects). */
export interface TableProgress {
  /** 0 for a table copied as one range; 0..n-1 for the key ranges of a table copied in parts. */
  part: number;
  /** The part's key range [lo, hi), when the table is copied in parts. */
  lo: bigint | null;
  hi: bigint | null;
  lastKey: unknown[] | null;
  /** What lastKey is: the last row's key, or (SQLite rowid ranges) its rowid. */
  position: 'key' | 'rowid';
  /** Rowid positions: the key of the row at lastKey. */
  lastRowKey: unknown[] | null;
  rowsRead: number;
  rowsWritten: number;
  rowsRejected: number;
  done: boolean;
}

/** The checkpoints of one table: one row, or one per key range. */
export async function readParts(
  client: pg.ClientBase,
  service: string,
  table: string,
): Promise<TableProgress[]> {
  const { rows } = await client.query(
    `SELECT part, part_lo::text AS lo, part_hi::text AS hi, last_key, position, last_row_key, rows_read, rows_written, rows_rejected, done
       FROM cleave.copy_progress WHERE service = $1 AND source_table = $2 ORDER BY part`,
    [service, table],
  );
  return rows.map((r) => ({
    part: r.part,
    lo: r.lo === null ? null : BigInt(r.lo),
    hi: r.hi === null ? null : BigInt(r.hi),
    lastKey: r.last_key,
    position: r.position,
    lastRowKey: r.last_row_key,
    rowsRead: Number(r.rows_read),
    rowsWritten: Number(r.rows_written),
    rowsRejected: Number(r.rows_rejected),
    done: r.done,
  }));
}

/** Records a table's key ranges, all at once, before any of them is copied. */
export async function createParts(
  client: pg.ClientBase,
  row: { service: string; table: string; target: string; ranges: [bigint, bigint][] },
): Promise<void> {
  await client.query(
    `INSERT INTO cleave.copy_progress (service, source_table, target_table, part, part_lo, part_hi)
     SELECT $1, $2, $3, (e.n - 1)::int, (e.v->>'lo')::bigint, (e.v->>'hi')::bigint
       FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(v, n)`,
    [
      row.service,
      row.table,
      row.target,
      JSON.stringify(row.ranges.map(([lo, hi]) => ({ lo: lo.toString(), hi: hi.toString() }))),
    ],
  );
}

/** Adds one committed chunk to the table's checkpoint; runs inside the chunk's transaction. */
export async function advanceProgress(
  client: pg.ClientBase,
  row: {
    service: string;
    table: string;
    target: string;
    lastKey: string | null;
    /** Rowid positions: the key of the row at lastKey (JSON). */
    lastRowKey?: string | null | undefined;
    read: number;
    written: number;
    rejected: number;
    done: boolean;
    part?: number | undefined;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO cleave.copy_progress (service, source_table, target_table, last_key, rows_read, rows_written, rows_rejected, done, part, position, last_row_key)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11::jsonb)
     ON CONFLICT (service, source_table, part) DO UPDATE SET
       last_key = coalesce(excluded.last_key, cleave.copy_progress.last_key),
       position = excluded.position,
       last_row_key = coalesce(excluded.last_row_key, cleave.copy_progress.last_row_key),
       rows_read = cleave.copy_progress.rows_read + excluded.rows_read,
       rows_written = cleave.copy_progress.rows_written + excluded.rows_written,
       rows_rejected = cleave.copy_progress.rows_rejected + excluded.rows_rejected,
       done = excluded.done, updated_at = now()`,
    [
      row.service,
      row.table,
      row.target,
      row.lastKey,
      row.read,
      row.written,
      row.rejected,
      row.done,
      row.part ?? 0,
      row.lastRowKey === undefined ? 'key' : 'rowid',
      row.lastRowKey ?? null,
    ],
  );
}

export async function insertRejects(
  client: pg.ClientBase,
  service: string,
  table: string,
  rejects: {
    key: string;
    column: string | null;
    value: string | null;
    reason: string;
    kind?: 'rejected' | 'repaired' | undefined;
  }[],
): Promise<void> {
  if (rejects.length === 0) return;
  await client.query(
    `INSERT INTO cleave.copy_rejects (service, source_table, key, column_name, value_excerpt, reason, kind)
     SELECT $1, $2, r.key::jsonb, r.column_name, r.value_excerpt, r.reason, r.kind
       FROM jsonb_to_recordset($3::jsonb) AS r(key text, column_name text, value_excerpt text, reason text, kind text)`,
    [
      service,
      table,
      JSON.stringify(
        rejects.map((r) => ({
          key: r.key,
          column_name: r.column,
          value_excerpt: r.value,
          reason: r.reason,
          kind: r.kind ?? 'rejected',
        })),
      ),
    ],
  );
}

export async function readRejects(
  client: pg.ClientBase,
  service: string,
): Promise<
  {
    table: string;
    key: unknown;
    column: string | null;
    value: string | null;
    reason: string;
    kind?: 'repaired';
  }[]
> {
  const { rows } = await client.query(
    'SELECT source_table, key, column_name, value_excerpt, reason, kind FROM cleave.copy_rejects WHERE service = $1 ORDER BY id',
    [service],
  );
  // A rejected row's line is as before; a repaired value's line says so.
  return rows.map((r) => ({
    table: r.source_table,
    key: r.key,
    column: r.column_name,
    value: r.value_excerpt,
    reason: r.reason,
    ...(r.kind === 'repaired' ? { kind: 'repaired' as const } : {}),
  }));
}

/** Forgets the checkpoints and rejects of these tables (only these: --fresh --table T leaves the others be). */
export async function resetProgress(client: pg.ClientBase, service: string, tables: string[]): Promise<void> {
  await client.query('DELETE FROM cleave.copy_progress WHERE service = $1 AND source_table = ANY($2)', [
    service,
    tables,
  ]);
  await client.query('DELETE FROM cleave.copy_rejects WHERE service = $1 AND source_table = ANY($2)', [
    service,
    tables,
  ]);
}
