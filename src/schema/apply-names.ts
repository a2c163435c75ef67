import type { Catalog, Table } from '../catalog/model.js';
import type { ColumnProfile } from '../catalog/profile.js';
import { targetNames } from '../plan/names.js';
import type { Plan } from '../plan/schema.js';

export interface NamedSource {
  catalog: Catalog;
  plan: Plan;
  profiles: Map<string, Map<string, ColumnProfile>> | undefined;
  notes: string[];
}

const mentions = (text: string | null, names: string[]) =>
  text !== null &&
  names.some((n) =>
    new RegExp(`(?<![\\w$])"?${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?(?![\\w$])`).test(text),
  );

/**
 * Pure: the source catalog as the services will name it. The plan's table and column renames and dropped columns
 * are applied to tables, keys, foreign keys (on both ends) and indexes; a check, policy or expression index that
 * mentions a renamed or dropped column is left out with a note rather than rewritten by guesswork. Table ids stay
 * the source's, so ownership and copy still find each table; plan options and value profiles are re-keyed by the
 * target column names.
 */
export function applyNames(
  catalog: Catalog,
  plan: Plan,
  profiles?: Map<string, Map<string, ColumnProfile>>,
): NamedSource {
  const notes: string[] = [];
  const names = new Map(catalog.tables.map((t) => [`${t.schema}.${t.name}`, targetNames(plan, t)]));
  const planTables: NonNullable<Plan['tables']> = {};
  const renamedProfiles = profiles ? new Map<string, Map<string, ColumnProfile>>() : undefined;

  const tables = catalog.tables.map((t): Table => {
    const n = names.get(`${t.schema}.${t.name}`)!;
    const changed = t.columns.filter((c) => n.column(c.name) !== c.name).map((c) => c.name);
    const col = (c: string) => n.column(c);
    const keep = (cols: string[]) => cols.every((c) => col(c) !== null);
    const map = (cols: string[]) => cols.map((c) => col(c)!);
    const options = plan.tables?.[t.id] ?? plan.tables?.[`${t.schema}.${t.name}`];
    if (options) {
      planTables[t.id] = {
        ...options,
        ...(options.key ? { key: options.key.map((c) => col(c) ?? c) } : {}),
        ...(options.columns
          ? {
              columns: Object.fromEntries(
                Object.entries(options.columns)
                  .filter(([c]) => col(c) !== null)
                  .map(([c, spec]) => [col(c)!, spec]),
              ),
            }
          : {}),
      };
    }
    if (renamedProfiles && profiles?.get(t.id)) {
      renamedProfiles.set(
        t.id,
        new Map([...profiles.get(t.id)!].filter(([c]) => col(c) !== null).map(([c, p]) => [col(c)!, p])),
      );
    }
    if (changed.length === 0 && n.table === t.name) return t;

    for (const key of [t.primaryKey, ...t.uniqueKeys].filter((k) => k !== null)) {
      if (!keep(key!.columns))
        throw new Error(`${t.id}: a key column cannot be dropped (${key!.columns.join(', ')})`);
    }
    const checks = t.checks.filter((c) => {
      const touched = mentions(c.expression, changed);
      if (touched)
        notes.push(`${t.id}: CHECK (${c.expression}) mentions a renamed or dropped column; left out`);
      return !touched;
    });
    const policies = t.policies.filter((p) => {
      const touched = mentions(p.using, changed) || mentions(p.withCheck, changed);
      if (touched) notes.push(`${t.id}: policy "${p.name}" mentions a renamed or dropped column; left out`);
      return !touched;
    });
    const indexes = t.indexes.flatMap((ix) => {
      if (!keep(ix.columns.filter((c) => !c.includes('(') && c !== '<expression>'))) {
        notes.push(`${t.id}: index ${ix.name} is on a dropped column; left out`);
        return [];
      }
      const plain = ix.columns.every((c) => t.columns.some((x) => x.name === c));
      if (!mentions(ix.definition, changed) && !mentions(ix.predicate, changed)) return [ix];
      if (!plain || ix.predicate) {
        notes.push(`${t.id}: index ${ix.name} uses a renamed column in an expression or predicate; left out`);
        return [];
      }
      return [{ ...ix, columns: map(ix.columns), definition: null }];
    });
    return {
      ...t,
      name: n.table,
      columns: t.columns.filter((c) => col(c.name) !== null).map((c) => ({ ...c, name: col(c.name)! })),
      primaryKey: t.primaryKey ? { ...t.primaryKey, columns: map(t.primaryKey.columns) } : null,
      uniqueKeys: t.uniqueKeys.map((u) => ({ ...u, columns: map(u.columns) })),
      checks,
      policies,
      indexes,
      foreignKeys: t.foreignKeys.filter((fk) => {
        if (keep(fk.columns)) return true;
        notes.push(`${t.id}: the foreign key on (${fk.columns.join(', ')}) is on a dropped column; left out`);
        return false;
      }),
    };
  });
  // Foreign keys name their referenced table and columns by the target names too (new objects: the source
  // catalog is never changed).
  const named = tables.map((t, i) => {
    const own = names.get(`${catalog.tables[i]!.schema}.${catalog.tables[i]!.name}`)!;
    return {
      ...t,
      foreignKeys: t.foreignKeys.map((fk) => {
        const n = names.get(`${fk.references.schema}.${fk.references.name}`);
        return {
          ...fk,
          columns: fk.columns.map((c) => own.column(c) ?? c),
          references: n
            ? { ...fk.references, name: n.table, columns: fk.references.columns.map((c) => n.column(c) ?? c) }
            : fk.references,
        };
      }),
    };
  });
  return {
    catalog: { ...catalog, tables: named },
    plan: { ...plan, tables: planTables },
    profiles: renamedProfiles,
    notes,
  };
}
