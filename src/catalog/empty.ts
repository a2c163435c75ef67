import type { Catalog, Column, Table } from './model.js';

/** A table with nothing in it yet: for catalogs built from something other than a database (a Prisma schema). */
export function emptyTable(schema: string, name: string, id: string): Table {
  return {
    schema,
    name,
    id,
    kind: 'table',
    partitionKey: null,
    partitions: [],
    columns: [],
    primaryKey: null,
    uniqueKeys: [],
    foreignKeys: [],
    indexes: [],
    checks: [],
    triggers: [],
    policies: [],
    rlsEnabled: false,
    grants: [],
    rows: null,
    rowsExact: false,
    bytes: null,
    hasRowid: false,
    comment: null,
  };
}

/** A catalog of the given tables and nothing else. */
export function catalogOf(tables: Table[], fields: Partial<Omit<Catalog, 'tables'>> = {}): Catalog {
  return {
    engine: 'postgres',
    serverVersion: '',
    database: '',
    schemas: [...new Set(tables.map((t) => t.schema))].sort(),
    tables,
    views: [],
    sequences: [],
    enums: [],
    domains: [],
    extensions: [],
    functions: [],
    supabase: null,
    ...fields,
  };
}

/** A plain column: no default, identity, generation or user type. */
export function plainColumn(name: string, type: string, position: number, nullable: boolean): Column {
  return {
    name,
    position,
    type,
    baseType: type,
    isArray: false,
    userType: null,
    nullable,
    default: null,
    generated: null,
    identity: null,
    autoIncrement: false,
    comment: null,
  };
}
