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
      } else if (!seen.includes(service)) {
        problems.push({
          severity: 'error',
          code: 'TABLE_OWNED_TWICE',
          message: `table \`${table.id}\` is owned by both \`${seen[0]}\` and \`${service}\``,
          hint: 'a table has one owner: keep it in one service, or move it to a shared service that both use',
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
  return { owner, services, problems };
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
