import type { Catalog, Table } from '../catalog/model.js';
import { didYouMean } from '../core/did-you-mean.js';
import type { Problem } from './problems.js';
import type { Plan } from './schema.js';

export interface ServiceTables {
  name: string;
  tables: Table[];
}

export interface Ownership {
  /** Table id -> owning service. A table listed twice maps to its first service (and is reported). */
  owner: Map<string, string>;
  services: ServiceTables[];
  problems: Problem[];
}

type LineOf = (path: readonly (string | number)[]) => number | undefined;

/** Resolves a plan's table references against a catalog: pure, reports every problem with its plan path. */
export function resolveOwnership(plan: Plan, catalog: Catalog, lineOf: LineOf = () => undefined): Ownership {
  const problems: Problem[] = [];
  const owner = new Map<string, string>();
  const listedIn = new Map<string, string[]>();
  const services: ServiceTables[] = [];
  const ids = catalog.tables.map((t) => t.id);

  for (const [service, spec] of Object.entries(plan.services)) {
    const tables: Table[] = [];
    spec.tables.forEach((ref, i) => {
      const path = ['services', service, 'tables', i] as const;
      const table = findTable(catalog, ref);
      if (!table) {
        const guess = didYouMean(ref, ids);
        problems.push({
          severity: 'error',
          code: 'UNKNOWN_TABLE',
          message: `table \`${ref}\` not found in the source${guess ? `: did you mean \`${guess}\`?` : ''}`,
          hint: guess
            ? `write \`${guess}\` in services.${service}.tables`
            : 'run `cleave analyze --source URL` to list the tables',
          service,
          path: `services.${service}.tables[${i}]`,
          line: lineOf(path),
        });
        return;
      }
      const seen = listedIn.get(table.id) ?? [];
      listedIn.set(table.id, [...seen, service]);
      if (seen.length === 0) {
        owner.set(table.id, service);
        tables.push(table);
      } else if (!seen.includes(service) && splitBetween(plan, table, [...seen, service])) {
        // A split table: each service named in tables.<t>.split gets its share of the rows.
        tables.push(table);
      } else if (!seen.includes(service)) {
        problems.push({
          severity: 'error',
          code: 'TABLE_OWNED_TWICE',
          message: `table \`${table.id}\` is owned by both \`${seen[0]}\` and \`${service}\``,
          hint: `a table has one owner: keep it in one service, move it to a shared service that both use, or split its rows with tables.${table.id}.split`,
          table: table.id,
          service,
          path: `services.${service}.tables[${i}]`,
          line: lineOf(path),
        });
      } else {
        problems.push({
          severity: 'warning',
          code: 'TABLE_LISTED_TWICE',
          message: `table \`${table.id}\` is listed twice in service \`${service}\``,
          hint: 'remove the second entry',
          table: table.id,
          service,
          path: `services.${service}.tables[${i}]`,
          line: lineOf(path),
        });
      }
    });
    services.push({ name: service, tables });
  }

  problems.push(...checkTableOptions(plan, catalog, ids, lineOf));
  problems.push(...checkSplits(plan, catalog, listedIn, lineOf));
  return { owner, services, problems };
}

function splitBetween(plan: Plan, table: Table, services: string[]): boolean {
  const split = (plan.tables?.[table.id] ?? plan.tables?.[`${table.schema}.${table.name}`])?.split;
  return split !== undefined && services.every((s) => s in split);
}

/** Services that take part in a split table, for copy: service -> the condition choosing its rows. */
export function splitOf(
  plan: Plan,
  table: Pick<Table, 'id' | 'schema' | 'name'>,
): Record<string, string> | undefined {
  return (plan.tables?.[table.id] ?? plan.tables?.[`${table.schema}.${table.name}`])?.split;
}

/** Every service named in a split must list the table, and every service listing it must be in the split. */
function checkSplits(
  plan: Plan,
  catalog: Catalog,
  listedIn: Map<string, string[]>,
  lineOf: LineOf,
): Problem[] {
  const problems: Problem[] = [];
  for (const [ref, options] of Object.entries(plan.tables ?? {})) {
    if (!options.split) continue;
    const table = findTable(catalog, ref);
    if (!table) continue;
    const listing = listedIn.get(table.id) ?? [];
    for (const service of Object.keys(options.split)) {
      if (!(service in plan.services)) {
        problems.push({
          severity: 'error',
          code: 'UNKNOWN_SERVICE',
          message: `tables.${ref}.split names service \`${service}\`, which the plan does not have`,
          hint: `services are: ${Object.keys(plan.services).join(', ')}`,
          path: `tables.${ref}.split.${service}`,
          line: lineOf(['tables', ref, 'split', service]),
        });
      } else if (!listing.includes(service)) {
        problems.push({
          severity: 'error',
          code: 'SPLIT_NOT_LISTED',
          message: `tables.${ref}.split gives rows to \`${service}\`, which does not list \`${table.id}\` in its tables`,
          hint: `add ${table.id} to services.${service}.tables`,
          table: table.id,
          service,
          path: `tables.${ref}.split.${service}`,
          line: lineOf(['tables', ref, 'split', service]),
        });
      }
    }
  }
  return problems;
}

/** Exact id first, then a unique case-insensitive match (SQLite names are case-insensitive). */
export function findTable(catalog: Catalog, ref: string): Table | undefined {
  const exact = catalog.tables.find((t) => t.id === ref || `${t.schema}.${t.name}` === ref);
  if (exact) return exact;
  const folded = catalog.tables.filter((t) => t.id.toLowerCase() === ref.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function checkTableOptions(plan: Plan, catalog: Catalog, ids: string[], lineOf: LineOf): Problem[] {
  const problems: Problem[] = [];
  for (const [ref, options] of Object.entries(plan.tables ?? {})) {
    const table = findTable(catalog, ref);
    if (!table) {
      const guess = didYouMean(ref, ids);
      problems.push({
        severity: 'error',
        code: 'UNKNOWN_TABLE',
        message: `tables.${ref}: table \`${ref}\` not found in the source${guess ? `: did you mean \`${guess}\`?` : ''}`,
        hint: guess
          ? `rename the key to \`${guess}\``
          : 'run `cleave analyze --source URL` to list the tables',
        path: `tables.${ref}`,
        line: lineOf(['tables', ref]),
      });
      continue;
    }
    const columns = table.columns.map((c) => c.name);
    const unknown = (column: string, path: (string | number)[]) => {
      const guess = didYouMean(column, columns);
      problems.push({
        severity: 'error',
        code: 'UNKNOWN_COLUMN',
        message: `column \`${column}\` not found in table \`${table.id}\`${guess ? `: did you mean \`${guess}\`?` : ''}`,
        hint: `columns of ${table.id}: ${columns.join(', ')}`,
        table: table.id,
        column,
        path: path.join('.'),
        line: lineOf(path),
      });
    };
    for (const column of Object.keys(options.columns ?? {})) {
      if (!columns.includes(column)) unknown(column, ['tables', ref, 'columns', column]);
    }
    options.key?.forEach((column, i) => {
      if (!columns.includes(column)) unknown(column, ['tables', ref, 'key', i]);
    });
  }
  return problems;
}
