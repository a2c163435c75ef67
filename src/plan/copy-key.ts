import type { Table } from '../catalog/model.js';

export interface CopyKey {
  columns: string[];
  /** Where the key comes from: copy and verify walk the table in this key's order. */
  source: 'primary key' | 'unique key' | 'rowid' | 'plan';
}

/**
 * The key that copy and verify use to chunk, resume and compare a table: the primary key; else the
 * shortest unique key whose columns are all NOT NULL; else SQLite's rowid; else the plan's `key`.
 * Null means the table cannot be copied resumably or verified row by row until one is given.
 */
export function copyKeyOf(table: Table, planKey?: readonly string[]): CopyKey | null {
  if (planKey && planKey.length > 0) return { columns: [...planKey], source: 'plan' };
  if (table.primaryKey) return { columns: table.primaryKey.columns, source: 'primary key' };
  const notNull = (c: string) => table.columns.find((col) => col.name === c)?.nullable === false;
  const unique = table.uniqueKeys
    .filter((k) => k.columns.every(notNull))
    .sort((a, b) => a.columns.length - b.columns.length)[0];
  if (unique) return { columns: unique.columns, source: 'unique key' };
  if (table.hasRowid) return { columns: ['rowid'], source: 'rowid' };
  return null;
}
