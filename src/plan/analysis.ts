import type { Catalog, SupabaseFacts, Table } from '../catalog/model.js';
import type { ValueIssue } from '../catalog/sample.js';
import { type CopyKey, copyKeyOf } from './copy-key.js';
import { type FkEdge, fkCycles, fkEdges, selfReferences } from './graph.js';
import { identifierProblems } from './identifiers.js';
import type { Ownership } from './ownership.js';
import { type Problem, sortProblems } from './problems.js';
import type { Plan } from './schema.js';
import { extensionProblems, supabaseProblems } from './supabase-problems.js';

export interface TableReport {
  name: string;
  schema: string;
  kind: Table['kind'];
  service: string | null;
  rows: number | null;
  rowsExact: boolean;
  bytes: number | null;
  columns: { name: string; type: string; nullable: boolean; default: string | null }[];
  primaryKey: string[] | null;
  copyKey: CopyKey | null;
  foreignKeys: {
    name: string | null;
    columns: string[];
    references: { table: string; columns: string[] };
    onDelete: string;
    onUpdate: string;
    crossService: boolean;
  }[];
  partitions: string[];
}

export interface CrossServiceEdge {
  from: { service: string; table: string; columns: string[] };
  to: { service: string; table: string; columns: string[] };
  constraint: string | null;
  onDelete: string;
  resolution: string;
}

export interface ServiceReport {
  name: string;
  tables: string[];
  rows: number;
  bytes: number;
}

export interface AnalysisReport {
  source: { engine: Catalog['engine']; url: string; database: string; version: string };
  layout: Plan['layout'] | null;
  summary: {
    tables: number;
    rows: number;
    bytes: number;
    foreignKeys: number;
    services: number;
    errors: number;
    warnings: number;
  };
  tables: TableReport[];
  services: ServiceReport[];
  unownedTables: string[];
  crossServiceEdges: CrossServiceEdge[];
  cycles: string[][];
  selfReferences: { table: string; columns: string[] }[];
  supabase: SupabaseFacts | null;
  problems: Problem[];
}

export interface AnalysisInput {
  catalog: Catalog;
  sourceUrl: string;
  plan: Plan | null;
  ownership: Ownership | null;
  valueIssues: ValueIssue[];
  /** Findings that needed the source database (split coverage): added as they are. */
  extraProblems?: Problem[];
}

/** Pure: everything `cleave analyze` reports, from a catalog, an optional plan and sampled value issues. */
export function analyze(input: AnalysisInput): AnalysisReport {
  const { catalog, plan, ownership } = input;
  const owner = ownership?.owner ?? new Map<string, string>();
  const edges = fkEdges(catalog);
  const problems: Problem[] = [...(ownership?.problems ?? [])];

  const crossServiceEdges = edges
    .filter((e) => owner.has(e.from) && owner.has(e.to) && owner.get(e.from) !== owner.get(e.to))
    .map((e) => crossEdge(e, owner));
  for (const edge of crossServiceEdges) {
    problems.push({
      severity: 'warning',
      code: 'CROSS_SERVICE_FK',
      message: `${edge.from.table}(${edge.from.columns.join(', ')}) in \`${edge.from.service}\` references ${edge.to.table} in \`${edge.to.service}\`: the constraint cannot survive the split`,
      hint: edge.resolution,
      table: edge.from.table,
      service: edge.from.service,
    });
  }

  const unownedTables = ownership ? catalog.tables.filter((t) => !owner.has(t.id)).map((t) => t.id) : [];
  for (const id of unownedTables) {
    problems.push({
      severity: 'warning',
      code: 'UNOWNED_TABLE',
      message: `table \`${id}\` belongs to no service: it will not be generated, copied or verified`,
      hint: 'add it to a service’s tables, or leave it out on purpose',
      table: id,
    });
  }

  const cycles = fkCycles(
    catalog.tables.map((t) => t.id),
    edges,
  );
  for (const cycle of cycles) {
    const services = [...new Set(cycle.map((t) => owner.get(t)).filter((s) => s !== undefined))];
    problems.push({
      severity: services.length > 1 ? 'warning' : 'info',
      code: 'FK_CYCLE',
      message: `foreign keys form a cycle: ${cycle.join(' -> ')} -> ${cycle[0]}${services.length > 1 ? ` (across services ${services.join(', ')})` : ''}`,
      hint: 'copy loads these tables with constraints deferred; a cycle across services usually means the split cuts one aggregate in two',
      table: cycle[0],
    });
  }

  const tables = catalog.tables.map((t) => tableReport(t, owner, plan));
  for (const t of tables) {
    if (t.copyKey === null) {
      const owned = owner.has(t.name);
      problems.push({
        severity: owned ? 'error' : 'warning',
        code: 'NO_KEY',
        message: `table \`${t.name}\` has no primary key and no NOT NULL unique key: copy cannot resume and verify cannot name differing rows`,
        hint: `add a primary key in the source, or name identifying columns in the plan: tables.${t.name}.key: [col, ...]`,
        table: t.name,
      });
    } else if (t.copyKey.source !== 'primary key') {
      problems.push({
        severity: 'info',
        code: 'NO_PRIMARY_KEY',
        message: `table \`${t.name}\` has no primary key: copy and verify will use the ${t.copyKey.source} (${t.copyKey.columns.join(', ')})`,
        hint:
          t.copyKey.source === 'rowid'
            ? `rowids can change on VACUUM: declare a primary key, or set tables.${t.name}.key in the plan, to be safe`
            : undefined,
        table: t.name,
      });
    }
  }

  problems.push(...valueProblems(input.valueIssues));
  problems.push(...(input.extraProblems ?? []));
  problems.push(...identifierProblems(catalog));
  problems.push(...extensionProblems(catalog));
  if (catalog.supabase) problems.push(...supabaseProblems(catalog, plan, owner));

  const services: ServiceReport[] = (ownership?.services ?? []).map((s) => ({
    name: s.name,
    tables: s.tables.map((t) => t.id),
    rows: s.tables.reduce((n, t) => n + (t.rows ?? 0), 0),
    bytes: s.tables.reduce((n, t) => n + (t.bytes ?? 0), 0),
  }));
  const sorted = sortProblems(problems);
  return {
    source: {
      engine: catalog.engine,
      url: input.sourceUrl,
      database: catalog.database,
      version: catalog.serverVersion,
    },
    layout: plan?.layout ?? null,
    summary: {
      tables: catalog.tables.length,
      rows: catalog.tables.reduce((n, t) => n + (t.rows ?? 0), 0),
      bytes: catalog.tables.reduce((n, t) => n + (t.bytes ?? 0), 0),
      foreignKeys: catalog.tables.reduce((n, t) => n + t.foreignKeys.length, 0),
      services: services.length,
      errors: sorted.filter((p) => p.severity === 'error').length,
      warnings: sorted.filter((p) => p.severity === 'warning').length,
    },
    tables,
    services,
    unownedTables,
    crossServiceEdges,
    cycles,
    selfReferences: selfReferences(edges).map((e) => ({ table: e.from, columns: e.columns })),
    supabase: catalog.supabase,
    problems: sorted,
  };
}

function tableReport(t: Table, owner: Map<string, string>, plan: Plan | null): TableReport {
  const service = owner.get(t.id) ?? null;
  const idOf = (schema: string, name: string) => (schema === t.schema ? name : `${schema}.${name}`);
  return {
    name: t.id,
    schema: t.schema,
    kind: t.kind,
    service,
    rows: t.rows,
    rowsExact: t.rowsExact,
    bytes: t.bytes,
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, default: c.default })),
    primaryKey: t.primaryKey?.columns ?? null,
    copyKey: copyKeyOf(t, planKey(plan, t)),
    foreignKeys: t.foreignKeys.map((fk) => {
      const target = idOf(fk.references.schema, fk.references.name);
      const targetService = owner.get(target);
      return {
        name: fk.name,
        columns: fk.columns,
        references: { table: target, columns: fk.references.columns },
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        crossService: service !== null && targetService !== undefined && targetService !== service,
      };
    }),
    partitions: t.partitions,
  };
}

function planKey(plan: Plan | null, t: Table): string[] | undefined {
  const options = plan?.tables?.[t.id] ?? plan?.tables?.[`${t.schema}.${t.name}`];
  return options?.key;
}

/** What the application must do once the FK is gone, by what the constraint used to do on delete. */
function crossEdge(e: FkEdge, owner: Map<string, string>): CrossServiceEdge {
  const from = owner.get(e.from)!;
  const to = owner.get(e.to)!;
  const base = `keep ${e.from}.${e.columns.join(', ')} as a plain indexed column (it holds ids of ${e.to})`;
  const byAction: Record<string, string> = {
    cascade: `${base}; deletes in ${e.to} no longer cascade: have \`${to}\` publish deletions and \`${from}\` delete its dependent rows (or run a periodic orphan sweep)`,
    'set null': `${base}; have \`${to}\` publish deletions and \`${from}\` set the column to NULL`,
    'set default': `${base}; have \`${to}\` publish deletions and \`${from}\` reset the column to its default`,
  };
  return {
    from: { service: from, table: e.from, columns: e.columns },
    to: { service: to, table: e.to, columns: e.toColumns },
    constraint: e.constraint,
    onDelete: e.onDelete,
    resolution:
      byAction[e.onDelete] ??
      `${base}; \`${from}\` checks that the ${e.to} exists through \`${to}\`'s API on write, and \`${to}\` must not delete one still referenced (or move ${e.from} into \`${to}\`)`,
  };
}

function valueProblems(issues: ValueIssue[]): Problem[] {
  return issues.map((i) => {
    const examples = i.examples.map((e) => `${formatKey(e.key)}: '${e.value}'`).join('; ');
    const what =
      i.kind === 'requested-type'
        ? `does not fit the requested type ${i.type}`
        : i.kind === 'type-contradiction'
          ? `contradicts its declared type ${i.type || '(none)'}`
          : i.kind === 'invalid-utf8'
            ? 'is not valid UTF-8'
            : 'contains a NUL byte';
    return {
      severity: 'warning' as const,
      code: i.kind === 'invalid-utf8' ? 'INVALID_UTF8' : i.kind === 'nul-byte' ? 'NUL_BYTE' : 'TYPE_MISMATCH',
      message: `${i.table}.${i.column}: ${i.count} of ${i.sampled} sampled values ${what} (${i.reason}); e.g. ${examples}`,
      hint:
        i.kind === 'requested-type' || i.kind === 'type-contradiction'
          ? 'copy will send these rows to the reject file; fix them in the source, or choose another type for the column in the plan'
          : `copy will send these rows to the reject file; fix them in the source, store the column as bytea, or let copy repair them (tables.${i.table}.columns.${i.column}.repair: { ${i.kind === 'invalid-utf8' ? 'invalidUtf8: replace' : 'nul: remove'} })`,
      table: i.table,
      column: i.column,
    };
  });
}

function formatKey(key: Record<string, unknown>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(',') : 'row';
}
