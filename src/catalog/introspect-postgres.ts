import { quoteIdent } from '../core/ident.js';
import type { Database, Row } from '../db/port.js';
import type { Catalog, Column, FkAction, ForeignKey, Key, Policy, Table } from './model.js';
import * as Q from './postgres-queries.js';
import { readSupabaseFacts, SUPABASE_MANAGED_SCHEMAS, supabaseCallsIn } from './supabase.js';

export interface PostgresIntrospectOptions {
  /** Schemas to read; default: every user schema (Supabase-managed and Cleave's own excluded). */
  schemas?: readonly string[] | undefined;
  /**
   * Row counts: `estimate` reads planner statistics; `exact` runs count(*) on every table;
   * `auto` (default) counts exactly when a table is small (under `exactBelowBytes`) or never analysed.
   */
  counts?: 'estimate' | 'exact' | 'auto';
  exactBelowBytes?: number;
  /**
   * Only tables, their columns and constraints (what verify needs of a target): no indexes, triggers,
   * policies, grants, views, sequences, types, extensions, functions or Supabase facts (all left empty).
   */
  tablesOnly?: boolean;
}

const ACTION: Record<string, FkAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};
const COMMAND: Record<string, Policy['command']> = {
  '*': 'ALL',
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
};

export async function introspectPostgres(
  db: Database,
  options: PostgresIntrospectOptions = {},
): Promise<Catalog> {
  const schemas = options.schemas?.length
    ? [...options.schemas]
    : (await db.query<{ name: string }>(Q.USER_SCHEMAS, [[...SUPABASE_MANAGED_SCHEMAS, 'cleave']])).map(
        (r) => r.name,
      );
  const p = [schemas];
  const light = options.tablesOnly === true;
  const query = (sql: string, params?: unknown[]) =>
    light ? Promise.resolve([] as Row[]) : db.query(sql, params);
  const [info, tableRows, columns, constraints, indexes, triggers, policies, grants] = await Promise.all([
    db.query<{ version: string; database: string }>(
      `select current_setting('server_version') as version, current_database() as database`,
    ),
    db.query(Q.TABLES, p),
    db.query(Q.COLUMNS, p),
    db.query(Q.CONSTRAINTS, p),
    query(Q.INDEXES, p),
    query(Q.TRIGGERS, p),
    query(Q.POLICIES, p),
    query(Q.GRANTS, p),
  ]);
  const [views, sequences, enums, domains, extensions, functions] = await Promise.all([
    query(Q.VIEWS, p),
    query(Q.SEQUENCES, p),
    query(Q.ENUMS, p),
    query(Q.DOMAINS, p),
    query(Q.EXTENSIONS),
    query(Q.FUNCTIONS, p),
  ]);

  const defaultSchema = schemas.includes('public') ? 'public' : schemas.length === 1 ? schemas[0]! : 'public';
  const idOf = (schema: string, name: string) => (schema === defaultSchema ? name : `${schema}.${name}`);
  const byOid = groupBy([columns, constraints, indexes, triggers, policies, grants]);

  const tables: Table[] = tableRows.map((t) => {
    const oid = String(t.oid);
    const cons = byOid[1]!.get(oid) ?? [];
    const pk = cons.find((c) => c.type === 'p');
    const cols = (byOid[0]!.get(oid) ?? []).map((c, i) => toColumn(c, i));
    return {
      schema: t.schema as string,
      name: t.name as string,
      id: idOf(t.schema as string, t.name as string),
      kind: t.kind === 'p' ? 'partitioned' : 'table',
      partitionKey: (t.partition_key as string | null) ?? null,
      partitions: t.partitions as string[],
      columns: cols,
      primaryKey: pk ? { name: pk.name as string, columns: pk.columns as string[] } : null,
      uniqueKeys: cons
        .filter((c) => c.type === 'u' && !c.partition)
        .map((c): Key => ({ name: c.name as string, columns: c.columns as string[] })),
      foreignKeys: foldForeignKeys(cons.filter((c) => c.type === 'f')),
      indexes: (byOid[2]!.get(oid) ?? []).map((i) => ({
        name: i.name as string,
        columns: i.columns as string[],
        unique: i.unique as boolean,
        primary: i.primary as boolean,
        method: i.method as string,
        predicate: (i.predicate as string | null) ?? null,
        definition: i.definition as string,
      })),
      checks: cons
        .filter((c) => c.type === 'c' && !c.partition)
        .map((c) => ({
          name: c.name as string,
          expression: String(c.definition).replace(/^CHECK \((.*)\)( NOT VALID)?$/s, '$1'),
        })),
      triggers: (byOid[3]!.get(oid) ?? []).map((tr) => parseTrigger(tr)),
      policies: (byOid[4]!.get(oid) ?? []).map((po) => ({
        name: po.name as string,
        command: COMMAND[po.command as string] ?? 'ALL',
        permissive: po.permissive as boolean,
        roles: po.roles as string[],
        using: (po.using_expr as string | null) ?? null,
        withCheck: (po.check_expr as string | null) ?? null,
      })),
      rlsEnabled: t.rls as boolean,
      grants: (byOid[5]!.get(oid) ?? []).map((g) => ({
        role: g.role as string,
        privileges: g.privileges as string[],
      })),
      rows: Math.round(Number(t.estimate)),
      rowsExact: false,
      bytes: Number(t.bytes),
      hasRowid: false,
      comment: (t.comment as string | null) ?? null,
    };
  });

  await countRows(db, tables, tableRows, options);

  const funcs = functions.map((f) => ({
    schema: f.schema as string,
    name: f.name as string,
    language: f.language as string,
    supabaseCalls: supabaseCallsIn(String(f.body ?? '')),
  }));

  return {
    engine: 'postgres',
    serverVersion: `PostgreSQL ${info[0]!.version}`,
    database: info[0]!.database,
    schemas,
    tables,
    views: views.map((v) => ({
      schema: v.schema as string,
      name: v.name as string,
      id: idOf(v.schema as string, v.name as string),
      materialized: v.materialized as boolean,
      definition: v.definition as string,
      dependsOn: (v.depends_on as string[]).map((d) => {
        const [s, ...rest] = d.split('.');
        return idOf(s!, rest.join('.'));
      }),
    })),
    sequences: sequences.map((s) => ({
      schema: s.schema as string,
      name: s.name as string,
      dataType: s.data_type as string,
      ownedBy: s.owned_table ? { table: s.owned_table as string, column: s.owned_column as string } : null,
      lastValue: s.last_value === null ? null : Number(s.last_value),
    })),
    enums: enums.map((e) => ({
      schema: e.schema as string,
      name: e.name as string,
      values: e.values as string[],
    })),
    domains: domains.map((d) => ({
      schema: d.schema as string,
      name: d.name as string,
      baseType: d.base_type as string,
      notNull: d.not_null as boolean,
      default: (d.default_expr as string | null) ?? null,
      checks: d.checks as string[],
    })),
    extensions: extensions.map((e) => ({
      name: e.name as string,
      version: e.version as string,
      schema: e.schema as string,
    })),
    functions: funcs,
    supabase: light ? null : await readSupabaseFacts(db, tables, funcs),
  };
}

/** Exact counts where asked for, or where statistics cannot be trusted and the table is small. */
async function countRows(
  db: Database,
  tables: Table[],
  rows: Row[],
  options: PostgresIntrospectOptions,
): Promise<void> {
  const mode = options.counts ?? 'auto';
  if (mode === 'estimate') return;
  const limit = options.exactBelowBytes ?? 256 * 1024 * 1024;
  const todo = tables.filter(
    (t, i) =>
      mode === 'exact' ||
      (t.bytes ?? 0) < limit ||
      (Number(rows[i]!.never_analyzed) > 0 && (t.bytes ?? 0) < limit * 4),
  );
  // A few at a time: counting is I/O-bound and must not take every connection of a small pool.
  for (let i = 0; i < todo.length; i += 4) {
    await Promise.all(
      todo.slice(i, i + 4).map(async (t) => {
        const [r] = await db.query<{ n: string }>(
          `select count(*) as n from ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
        );
        t.rows = Number(r!.n);
        t.rowsExact = true;
      }),
    );
  }
}

function toColumn(c: Row, index: number): Column {
  const generated =
    c.generated === 's' ? { kind: 'stored' as const, expression: String(c.default_expr ?? '') } : null;
  const identity =
    c.identity === 'a' ? ('always' as const) : c.identity === 'd' ? ('by default' as const) : null;
  const def = generated ? null : ((c.default_expr as string | null) ?? null);
  return {
    name: c.name as string,
    position: index + 1,
    type: c.type as string,
    baseType: c.base_type as string,
    isArray: c.is_array as boolean,
    userType: (c.user_type as string | null) ?? null,
    nullable: c.nullable as boolean,
    default: def,
    generated,
    identity,
    // A nextval() default counts whether or not the sequence is OWNED BY the column (pg_dump output often is not).
    autoIncrement: identity !== null || c.owns_sequence === true || /^nextval\(/.test(def ?? ''),
    comment: (c.comment as string | null) ?? null,
  };
}

/** Folds identical keys declared on several partitions into one key of the partitioned table. */
function foldForeignKeys(rows: Row[]): ForeignKey[] {
  const out = new Map<string, ForeignKey>();
  for (const r of rows) {
    const columns = r.columns as string[];
    const refColumns = r.ref_columns as string[];
    const signature = JSON.stringify([columns, r.ref_schema, r.ref_table, refColumns]);
    const existing = out.get(signature);
    if (existing) {
      if (r.partition) existing.fromPartitions.push(r.partition as string);
      continue;
    }
    out.set(signature, {
      name: r.name as string,
      columns,
      references: { schema: r.ref_schema as string, name: r.ref_table as string, columns: refColumns },
      onDelete: ACTION[r.on_delete as string] ?? 'no action',
      onUpdate: ACTION[r.on_update as string] ?? 'no action',
      deferrable: r.deferrable as boolean,
      fromPartitions: r.partition ? [r.partition as string] : [],
    });
  }
  return [...out.values()];
}

function parseTrigger(r: Row): Table['triggers'][number] {
  const definition = String(r.definition);
  const m = /\b(BEFORE|AFTER|INSTEAD OF)\s+(.+?)\s+ON\s/i.exec(definition);
  return {
    name: r.name as string,
    timing: (m?.[1] ?? '').toUpperCase(),
    events: (m?.[2] ?? '').split(/\s+OR\s+/i).map((e) => e.split(/\s+/)[0]!.toUpperCase()),
    function: r.function as string,
    definition,
  };
}

function groupBy(lists: Row[][]): Map<string, Row[]>[] {
  return lists.map((rows) => {
    const map = new Map<string, Row[]>();
    for (const row of rows) {
      const key = String(row.oid);
      const list = map.get(key);
      if (list) list.push(row);
      else map.set(key, [row]);
    }
    return map;
  });
}
