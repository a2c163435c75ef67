import type { Catalog } from '../catalog/model.js';
import { qualify, quoteIdent } from '../core/ident.js';
import type { Database } from '../db/port.js';
import { findTable } from '../plan/ownership.js';
import type { Problem } from '../plan/problems.js';
import type { Plan } from '../plan/schema.js';

/**
 * For each table split across services, counts on the source how many rows each service gets, how many no
 * service gets (they would be left behind by copy) and how many several services get (they would be copied
 * twice). A condition that is NULL for a row does not match it. One scan per split table.
 */
export async function splitCoverage(source: Database, catalog: Catalog, plan: Plan): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [ref, options] of Object.entries(plan.tables ?? {})) {
    if (!options.split) continue;
    const table = findTable(catalog, ref);
    if (!table) continue;
    const services = Object.entries(options.split);
    const hit = (c: string) => `CASE WHEN (${c}) THEN 1 ELSE 0 END`;
    const from = source.capabilities.schemas ? qualify(table.schema, table.name) : quoteIdent(table.name);
    const sql = `SELECT count(*) AS total,
        ${services.map(([, c], i) => `SUM(${hit(c)}) AS s${i}`).join(', ')},
        SUM(CASE WHEN ${services.map(([, c]) => hit(c)).join(' + ')} = 0 THEN 1 ELSE 0 END) AS uncovered,
        SUM(CASE WHEN ${services.map(([, c]) => hit(c)).join(' + ')} > 1 THEN 1 ELSE 0 END) AS overlap
      FROM ${from}${options.filter ? ` WHERE (${options.filter})` : ''}`;
    let row: Record<string, unknown>;
    try {
      [row] = (await source.query(sql)) as [Record<string, unknown>];
    } catch (error) {
      problems.push({
        severity: 'error',
        code: 'SPLIT_INVALID',
        message: `tables.${ref}.split: a condition does not run on the source: ${(error as Error).message}`,
        hint: 'write each condition in the source’s SQL dialect',
        table: table.id,
      });
      continue;
    }
    const n = (v: unknown) => Number(v ?? 0);
    const shares = services.map(([s], i) => `${s} ${n(row[`s${i}`]).toLocaleString('en-US')}`).join(', ');
    problems.push({
      severity: 'info',
      code: 'TABLE_SPLIT',
      message: `${table.id} is split across services: ${shares} of ${n(row.total).toLocaleString('en-US')} rows`,
      table: table.id,
    });
    if (n(row.uncovered) > 0) {
      problems.push({
        severity: 'error',
        code: 'SPLIT_UNCOVERED',
        message: `${rows(n(row.uncovered))} of ${table.id} match no service's condition: copy would leave them behind`,
        hint: `widen the conditions in tables.${ref}.split (a condition that is NULL matches nothing: mind NULL columns)`,
        table: table.id,
      });
    }
    if (n(row.overlap) > 0) {
      problems.push({
        severity: 'warning',
        code: 'SPLIT_OVERLAP',
        message: `${rows(n(row.overlap))} of ${table.id} match several services' conditions: each of those services gets a copy`,
        hint: `make the conditions in tables.${ref}.split exclusive, unless the rows belong to several services on purpose`,
        table: table.id,
      });
    }
  }
  return problems;
}

const rows = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
