import type { Catalog, Column, ForeignKey, Table } from '../catalog/model.js';

/**
 * Mermaid `erDiagram` text for `cleave analyze --mermaid` and the dashboard. Pure and deterministic (tables and
 * keys in code-point order), so a diagram checked into a repository only changes when the schema or plan does.
 * Syntax: https://mermaid.js.org/syntax/entityRelationshipDiagram.html
 */

/** Wider tables are cut: a diagram is for seeing the shape, and 40 attribute rows hide every relationship. */
const MAX_COLUMNS = 12;
const UNASSIGNED = 'unassigned';
// https://github.com/mermaid-js/mermaid/issues/7093: cardinality words cannot name an entity.
const MERMAID_KEYWORDS = new Set([
  'one',
  'many',
  'to',
  'u',
  'end',
  'class',
  'classdef',
  'style',
  'subgraph',
  'erdiagram',
  'pk',
  'fk',
  'uk',
]);

interface Relation {
  child: Table;
  fk: ForeignKey;
  /** The referenced table, or null when it is not in the catalog (auth.users of a Supabase public schema). */
  parent: Table | null;
  parentId: string;
}

/**
 * With `owner` (Table.id -> service): one diagram per service, each preceded by `%% service: NAME`, where a
 * foreign key to or from another service points at a placeholder entity `service__table`. Without: one diagram.
 */
export function renderMermaid(catalog: Catalog, owner: ReadonlyMap<string, string> | null): string {
  const tables = [...catalog.tables].sort((a, b) => compare(a.id, b.id));
  const relations = relationsOf(catalog, tables);
  const names = entityNames(
    tables.map((t) => t.id),
    relations.filter((r) => !r.parent).map((r) => r.parentId),
  );
  const entity = (id: string): string => names.get(id)!;

  if (owner === null) return `${diagram(tables, relations, entity, () => null).join('\n')}\n`;

  const serviceOf = (id: string): string => owner.get(id) ?? UNASSIGNED;
  const services = [...new Set(tables.map((t) => serviceOf(t.id)))].sort(compare);
  const known = new Set(tables.map((t) => t.id));
  const diagrams = services.map((service) => {
    const own = tables.filter((t) => serviceOf(t.id) === service);
    const ids = new Set(own.map((t) => t.id));
    const touching = relations.filter((r) => ids.has(r.child.id) || ids.has(r.parentId));
    const elsewhere = (id: string): string | null =>
      known.has(id) && !ids.has(id) ? `${serviceOf(id)}__${sanitize(id)}` : null;
    return [`%% service: ${service}`, ...diagram(own, touching, entity, elsewhere)].join('\n');
  });
  return `${diagrams.join('\n\n')}\n`;
}

function diagram(
  tables: readonly Table[],
  relations: readonly Relation[],
  entity: (id: string) => string,
  placeholder: (id: string) => string | null,
): string[] {
  const lines = ['erDiagram'];
  for (const table of tables) lines.push(...entityLines(table, entity(table.id)));
  for (const r of relations) {
    const parentHolder = placeholder(r.parentId);
    const childHolder = placeholder(r.child.id);
    const columns = r.fk.columns.join(', ').replaceAll('"', "'");
    const shape = `${isNullable(r) ? '|o' : '||'}--${isOneToOne(r) ? 'o|' : 'o{'}`;
    if (parentHolder !== null || childHolder !== null) {
      lines.push(`  %% cross-service: ${r.child.id} -> ${r.parentId}`);
      const left = parentHolder ?? entity(r.parentId);
      const right = childHolder ?? entity(r.child.id);
      lines.push(`  ${left} ${shape} ${right} : "cross-service: ${columns}"`);
      continue;
    }
    if (!r.parent) lines.push(`  %% outside the catalog: ${r.parentId}`);
    lines.push(`  ${entity(r.parentId)} ${shape} ${entity(r.child.id)} : "${columns}"`);
  }
  return lines;
}

function entityLines(table: Table, name: string): string[] {
  const columns = [...table.columns].sort((a, b) => a.position - b.position);
  if (columns.length === 0) return [`  ${name}`];
  const lines = [`  ${name} {`];
  for (const column of columns.slice(0, MAX_COLUMNS)) lines.push(`    ${attribute(table, column)}`);
  if (columns.length > MAX_COLUMNS) lines.push(`    %% +${columns.length - MAX_COLUMNS} more columns`);
  lines.push('  }');
  return lines;
}

function attribute(table: Table, column: Column): string {
  const keys: string[] = [];
  if (table.primaryKey?.columns.includes(column.name)) keys.push('PK');
  if (table.foreignKeys.some((fk) => fk.columns.includes(column.name))) keys.push('FK');
  if (table.uniqueKeys.some((k) => k.columns.includes(column.name))) keys.push('UK');
  const type = sanitize(column.type === '' ? 'any' : column.type);
  return `${type} ${sanitize(column.name)}${keys.length > 0 ? ` ${keys.join(', ')}` : ''}`;
}

/** Optional parent: any FK column may be NULL. */
function isNullable(r: Relation): boolean {
  return r.fk.columns.some((c) => r.child.columns.find((col) => col.name === c)?.nullable ?? false);
}

/** At most one child per parent: the FK columns contain the primary key or a unique key of the child. */
function isOneToOne(r: Relation): boolean {
  const fkColumns = new Set(r.fk.columns);
  const keys = [
    ...(r.child.primaryKey ? [r.child.primaryKey.columns] : []),
    ...r.child.uniqueKeys.map((k) => k.columns),
    ...r.child.indexes.filter((i) => i.unique && i.predicate === null).map((i) => i.columns),
  ];
  return keys.some((key) => key.length > 0 && key.every((c) => fkColumns.has(c)));
}

function relationsOf(catalog: Catalog, tables: readonly Table[]): Relation[] {
  const byName = new Map(tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const defaultSchema = catalog.engine === 'sqlite' ? 'main' : 'public';
  return tables.flatMap((child) =>
    child.foreignKeys.map((fk) => {
      const parent = byName.get(`${fk.references.schema}\u0000${fk.references.name}`) ?? null;
      const { schema, name } = fk.references;
      const parentId = parent?.id ?? (schema === defaultSchema ? name : `${schema}.${name}`);
      return { child, fk, parent, parentId };
    }),
  );
}

/** Table ids -> unique Mermaid identifiers (`auth.users` -> `auth_users`); a clash gets `_2`, `_3`... */
function entityNames(ids: readonly string[], externals: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of [...ids, ...[...new Set(externals)].sort(compare)]) {
    if (names.has(id)) continue;
    const base = sanitize(id);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    names.set(id, name);
  }
  return names;
}

/**
 * Letters, digits and `_` only, not starting with a digit: `numeric(10,2)` -> `numeric_10_2_`. Words the
 * erDiagram lexer takes as keywords whatever their case (`one`, `to`, `PK`...) get a trailing `_`.
 */
function sanitize(text: string): string {
  const out = text.replace(/[^A-Za-z0-9_]+/g, '_');
  const safe = /^[0-9]/.test(out) ? `_${out}` : out === '' ? '_' : out;
  return MERMAID_KEYWORDS.has(safe.toLowerCase()) ? `${safe}_` : safe;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
