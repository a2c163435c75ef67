import { basename } from 'node:path';
import { quoteIdent, stringLiteral } from '../core/ident.js';
import { type SqliteDatabase, sqliteBounds } from '../db/sqlite.js';
import type {
  Catalog,
  Check,
  Column,
  FkAction,
  ForeignKey,
  Index,
  Key,
  Sequence,
  Table,
  Trigger,
  View,
} from './model.js';
import { extractChecks, extractGeneratedExpression, hasAutoincrement } from './sql-text.js';
import { sqliteAffinity } from './sqlite-affinity.js';

const SCHEMA = 'main';

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/**
 * Reads a SQLite file's catalog through its pragmas. With `counts` (the default), row counts are exact and sizes
 * come from dbstat, both of which read the whole file; without, rows are estimated from sqlite_stat1 or the
 * rowid span and sizes are left unknown, at the cost of a few index lookups per table, whatever the file's size.
 */
export function introspectSqlite(db: SqliteDatabase, options: { counts?: boolean } = {}): Catalog {
  const h = db.handle;
  const objects = h
    .prepare(
      `select type, name, tbl_name, sql from sqlite_schema where name not like 'sqlite\\_%' escape '\\' order by name`,
    )
    .all() as SchemaRow[];
  const withoutRowid = new Set(
    (h.prepare('pragma main.table_list').all() as { name: string; type: string; wr: number }[])
      .filter((t) => t.type === 'table' && t.wr === 1)
      .map((t) => t.name),
  );
  const exact = options.counts ?? true;
  const sizes = exact ? readSizes(db) : null;
  const stats = exact ? null : readStat1(db);

  const tables: Table[] = [];
  for (const object of objects.filter((o) => o.type === 'table')) {
    // Virtual tables (FTS and friends) have shadow tables and no stable storage of their own.
    if (/^\s*create\s+virtual\s+table/i.test(object.sql ?? '')) continue;
    tables.push(readTable(db, object, withoutRowid.has(object.name), objects, sizes, exact, stats));
  }

  const views: View[] = objects
    .filter((o) => o.type === 'view')
    .map((o) => ({
      schema: SCHEMA,
      name: o.name,
      id: o.name,
      materialized: false,
      definition: o.sql ?? '',
      dependsOn: [],
    }));

  const version = (h.prepare('select sqlite_version() as v').get() as { v: string }).v;
  return {
    engine: 'sqlite',
    serverVersion: `SQLite ${version}`,
    database: basename(h.name),
    schemas: [SCHEMA],
    tables,
    views,
    sequences: readSequences(db, tables),
    enums: [],
    domains: [],
    extensions: [],
    functions: [],
    supabase: null,
  };
}

function readTable(
  db: SqliteDatabase,
  object: SchemaRow,
  noRowid: boolean,
  objects: SchemaRow[],
  sizes: Map<string, number> | null,
  counts: boolean,
  stats: Map<string, number> | null,
): Table {
  const h = db.handle;
  const name = object.name;
  const sql = object.sql ?? '';
  const lit = stringLiteral(name);
  const rawColumns = h.prepare(`pragma main.table_xinfo(${lit})`).all() as {
    cid: number;
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
    pk: number;
    hidden: number;
  }[];
  const pkColumns = rawColumns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const integerPk =
    pkColumns.length === 1 &&
    rawColumns.find((c) => c.name === pkColumns[0])?.type.toUpperCase() === 'INTEGER';

  const columns: Column[] = rawColumns
    .filter((c) => c.hidden !== 1)
    .map((c, i) => {
      const generated =
        c.hidden === 2 || c.hidden === 3
          ? {
              kind: c.hidden === 3 ? ('stored' as const) : ('virtual' as const),
              expression: extractGeneratedExpression(sql, c.name) ?? '',
            }
          : null;
      const isRowidAlias = integerPk && pkColumns[0] === c.name && !noRowid;
      return {
        name: c.name,
        position: i + 1,
        type: c.type,
        baseType: sqliteAffinity(c.type),
        isArray: false,
        userType: null,
        // An INTEGER PRIMARY KEY is the rowid and never NULL, whatever the declaration says.
        nullable: c.notnull === 0 && !isRowidAlias && !(noRowid && c.pk > 0),
        default: c.dflt_value,
        generated,
        identity: null,
        autoIncrement: isRowidAlias && hasAutoincrement(sql),
        comment: null,
      };
    });

  const indexRows = h.prepare(`pragma main.index_list(${lit})`).all() as {
    name: string;
    unique: number;
    origin: 'c' | 'u' | 'pk';
    partial: number;
  }[];
  const indexes: Index[] = [];
  const uniqueKeys: Key[] = [];
  for (const ix of indexRows) {
    const parts = (
      h.prepare(`pragma main.index_xinfo(${stringLiteral(ix.name)})`).all() as {
        seqno: number;
        cid: number;
        name: string | null;
        key: number;
      }[]
    )
      .filter((p) => p.key === 1)
      .sort((a, b) => a.seqno - b.seqno)
      .map((p) => p.name ?? '<expression>');
    const definition = objects.find((o) => o.type === 'index' && o.name === ix.name)?.sql ?? null;
    const predicate =
      ix.partial && definition ? (/\bwhere\b([\s\S]*)$/i.exec(definition)?.[1]?.trim() ?? null) : null;
    indexes.push({
      name: ix.name,
      columns: parts,
      unique: ix.unique === 1,
      primary: ix.origin === 'pk',
      method: 'btree',
      predicate,
      definition,
    });
    if (ix.unique === 1 && ix.origin !== 'pk' && !ix.partial && !parts.includes('<expression>')) {
      uniqueKeys.push({ name: ix.origin === 'u' ? null : ix.name, columns: parts });
    }
  }

  const triggers: Trigger[] = objects
    .filter((o) => o.type === 'trigger' && o.tbl_name === name)
    .map((o) => parseTrigger(o.name, o.sql ?? ''));

  const checks: Check[] = extractChecks(sql);
  const rows = counts
    ? Number((h.prepare(`select count(*) as n from ${quoteIdent(name)}`).get() as { n: number }).n)
    : (stats?.get(name) ?? (noRowid ? null : rowidSpan(db, name)));
  let bytes: number | null = null;
  if (sizes) {
    bytes = sizes.get(name) ?? 0;
    for (const ix of indexRows) bytes += sizes.get(ix.name) ?? 0;
  } else if (!counts && rows !== null && !noRowid) {
    bytes = Math.round(
      rows *
        sampledRowBytes(
          db,
          name,
          rawColumns.map((c) => c.name),
        ),
    );
  }

  return {
    schema: SCHEMA,
    name,
    id: name,
    kind: 'table',
    partitionKey: null,
    partitions: [],
    columns,
    primaryKey: pkColumns.length > 0 ? { name: null, columns: pkColumns } : null,
    uniqueKeys,
    foreignKeys: readForeignKeys(db, name),
    indexes,
    checks,
    triggers,
    policies: [],
    rlsEnabled: false,
    grants: [],
    rows,
    rowsExact: counts && rows !== null,
    bytes,
    hasRowid: !noRowid,
    comment: null,
  };
}

const ACTIONS: Record<string, FkAction> = {
  'NO ACTION': 'no action',
  RESTRICT: 'restrict',
  CASCADE: 'cascade',
  'SET NULL': 'set null',
  'SET DEFAULT': 'set default',
};

function readForeignKeys(db: SqliteDatabase, table: string): ForeignKey[] {
  const rows = db.handle.prepare(`pragma main.foreign_key_list(${stringLiteral(table)})`).all() as {
    id: number;
    seq: number;
    table: string;
    from: string;
    to: string | null;
    on_update: string;
    on_delete: string;
  }[];
  const byId = new Map<number, typeof rows>();
  for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const out: ForeignKey[] = [];
  for (const group of [...byId.values()]) {
    group.sort((a, b) => a.seq - b.seq);
    const first = group[0]!;
    // `REFERENCES parent` without columns means the parent's primary key.
    let toColumns = group.map((g) => g.to);
    if (toColumns.some((c) => c === null)) toColumns = primaryKeyOf(db, first.table);
    out.push({
      name: null,
      columns: group.map((g) => g.from),
      references: { schema: SCHEMA, name: first.table, columns: toColumns as string[] },
      onDelete: ACTIONS[first.on_delete.toUpperCase()] ?? 'no action',
      onUpdate: ACTIONS[first.on_update.toUpperCase()] ?? 'no action',
      deferrable: false,
      fromPartitions: [],
    });
  }
  // pragma foreign_key_list numbers constraints from the last one declared; report them in declaration order.
  return out.reverse();
}

function primaryKeyOf(db: SqliteDatabase, table: string): string[] {
  const cols = db.handle.prepare(`pragma main.table_info(${stringLiteral(table)})`).all() as {
    name: string;
    pk: number;
  }[];
  return cols
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
}

function readSequences(db: SqliteDatabase, tables: Table[]): Sequence[] {
  const exists = db.handle.prepare(`select 1 from sqlite_schema where name = 'sqlite_sequence'`).get();
  if (!exists) return [];
  const rows = db.handle.prepare('select name, seq from sqlite_sequence').all() as {
    name: string;
    seq: number;
  }[];
  return rows.map((r) => {
    const table = tables.find((t) => t.name === r.name);
    const column =
      table?.columns.find((c) => c.autoIncrement)?.name ?? table?.primaryKey?.columns[0] ?? 'rowid';
    return {
      schema: SCHEMA,
      name: `${r.name}_seq`,
      dataType: 'bigint',
      ownedBy: { table: r.name, column },
      lastValue: Number(r.seq),
    };
  });
}

/** Rows per table as the last ANALYZE counted them (sqlite_stat1), when it ran. */
function readStat1(db: SqliteDatabase): Map<string, number> | null {
  try {
    const rows = db.handle.prepare('select tbl, stat from sqlite_stat1').all() as {
      tbl: string;
      stat: string;
    }[];
    return new Map(rows.map((r) => [r.tbl, Number.parseInt(r.stat, 10)]));
  } catch {
    return null;
  }
}

/**
 * The average stored size of a row, from a few hundred rows at three places in the table (rowid order): enough
 * to order tables by size without reading them.
 */
function sampledRowBytes(db: SqliteDatabase, table: string, columns: string[]): number {
  if (columns.length === 0) return 0;
  const size = columns.map((c) => `coalesce(length(CAST(${quoteIdent(c)} AS BLOB)), 0)`).join(' + ');
  const [lo, hi] = sqliteBounds(db.handle, quoteIdent(table), '_rowid_');
  if (lo === null || hi === null) return 0;
  const [min, max] = [Number(lo), Number(hi)];
  const sample = db.handle.prepare(
    `select count(*), sum(${size}) from (select * from ${quoteIdent(table)} where _rowid_ >= ? limit 100)`,
  );
  let rows = 0;
  let bytes = 0;
  for (const at of [min, Math.floor((min + max) / 2), Math.max(min, max - 100)]) {
    const [n, b] = sample.raw(true).get(at) as [number, number | null];
    rows += n;
    bytes += b ?? 0;
  }
  return rows === 0 ? 0 : bytes / rows;
}

/** An upper bound of a rowid table's rows: its rowid span (one b-tree end each). */
function rowidSpan(db: SqliteDatabase, table: string): number {
  const [min, max] = sqliteBounds(db.handle, quoteIdent(table), '_rowid_');
  return min === null || max === null ? 0 : Number(max) - Number(min) + 1;
}

/** Bytes per table and index from the dbstat virtual table, when this SQLite build has it. */
function readSizes(db: SqliteDatabase): Map<string, number> | null {
  try {
    const rows = db.handle.prepare(`select name, sum(pgsize) as bytes from dbstat group by name`).all() as {
      name: string;
      bytes: number;
    }[];
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
  } catch {
    return null;
  }
}

function parseTrigger(name: string, sql: string): Trigger {
  const m =
    /\btrigger\s+(?:if\s+not\s+exists\s+)?\S+\s+(before|after|instead\s+of)?\s*(delete|insert|update(?:\s+of\s+[^\n]*?)?)\s+on\b/i.exec(
      sql,
    );
  return {
    name,
    timing: (m?.[1] ?? 'BEFORE').toUpperCase().replace(/\s+/g, ' '),
    events: [(m?.[2] ?? '').split(/\s+/)[0]!.toUpperCase()].filter((e) => e !== ''),
    function: null,
    definition: sql,
  };
}
