import type { Table } from '../catalog/model.js';
import { quoteIdent, stringLiteral } from '../core/ident.js';
import { targetNames } from '../plan/names.js';
import type { Plan } from '../plan/schema.js';
import type { CopyColumn } from './chunk.js';
import type { PlanValue } from './encode.js';

/**
 * The target columns of one table and how each is filled from the source: the plan's renames, dropped columns,
 * casts, value maps, values for NULL and encryption. Copy and verify both read a table through this, so what
 * verify compares is exactly what copy was asked to write.
 */
export function copyColumnsOf(table: Table, targetTable: Table, plan: Plan): CopyColumn[] {
  const names = targetNames(plan, table);
  const planOptions = plan.tables?.[table.id];
  const sourceOf = (target: string) => table.columns.find((s) => names.column(s.name) === target);
  return targetTable.columns
    .filter((c) => c.generated === null && sourceOf(c.name) !== undefined)
    .map((c) => {
      const sourceColumn = sourceOf(c.name)!;
      const spec = planOptions?.columns?.[sourceColumn.name];
      const encrypted = spec?.encrypt !== undefined;
      const type = encrypted ? 'text' : c.type;
      return {
        name: c.name,
        source: sourceColumn.name,
        encrypted,
        type,
        selectExpression: withValueRules(
          selectExpression(sourceColumn.type, c.type, sourceColumn.name, encrypted),
          type,
          spec?.map,
          spec?.whenNull,
        ),
        map: spec?.map,
        whenNull: spec?.whenNull,
        repair: spec?.repair,
      };
    });
}

/** PostgreSQL source: the same rules as SQL around the column's SELECT expression. */
export function withValueRules(
  expression: string,
  type: string,
  map: Record<string, PlanValue> | undefined,
  whenNull: Exclude<PlanValue, null> | undefined,
): string {
  let out = expression;
  const literal = (v: PlanValue) => (v === null ? 'NULL' : stringLiteral(String(v)));
  if (map !== undefined) {
    const cases = Object.entries(map)
      .map(([from, to]) => `WHEN ${stringLiteral(from)} THEN ${literal(to)}`)
      .join(' ');
    out = `(CASE (${out})::text ${cases} ELSE (${out})::text END)::${type.replace(/^(?:"[^"]+"|\w+)\./, '')}`;
  }
  if (whenNull !== undefined) out = `coalesce(${out}, ${literal(whenNull)})`;
  return out;
}

/** PostgreSQL source: the SELECT expression that gives the target column's type. */
export function selectExpression(
  sourceType: string,
  targetType: string,
  name: string,
  encrypted: boolean,
): string {
  const column = quoteIdent(name);
  if (encrypted) return `${column}::text`;
  // Types compare without their schema: an enum is public.mpaa_rating in the source, films.mpaa_rating in the target.
  const base = (t: string) => t.replace(/^(?:"[^"]+"|\w+)\./, '');
  if (base(sourceType) === base(targetType)) return column;
  // A vector kept as text '[1,2,3]' becomes the real[] fallback '{1,2,3}'.
  if (/vector\(\d+\)$/.test(sourceType) && targetType.endsWith('[]'))
    return `translate(${column}::text, '[]', '{}')::${targetType}`;
  return `${column}::${base(targetType)}`;
}
