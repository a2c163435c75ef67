import type { Table } from '../catalog/model.js';
import type { Plan, TableOptions } from './schema.js';

/** How a source table appears in its service: its target name, and each column's target name (null: dropped). */
export interface TargetNames {
  table: string;
  column(source: string): string | null;
}

export function tableOptionsOf(
  plan: Plan,
  table: Pick<Table, 'id' | 'schema' | 'name'>,
): TableOptions | undefined {
  return plan.tables?.[table.id] ?? plan.tables?.[`${table.schema}.${table.name}`];
}

/** Pure: the plan's renames and dropped columns for one table. */
export function targetNames(plan: Plan, table: Pick<Table, 'id' | 'schema' | 'name'>): TargetNames {
  const options = tableOptionsOf(plan, table);
  return {
    table: options?.rename ?? table.name,
    column: (source) => {
      const spec = options?.columns?.[source];
      if (spec?.drop) return null;
      return spec?.rename ?? source;
    },
  };
}
