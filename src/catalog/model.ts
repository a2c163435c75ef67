/**
 * One catalog model for every source engine. Introspectors fill it; plan/, schema/, copy/ and verify/ read it.
 * Names are stored unquoted and exactly as the engine keeps them (case preserved).
 */
export type Engine = 'postgres' | 'sqlite';

export type FkAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface Catalog {
  engine: Engine;
  serverVersion: string;
  /** Database name (PostgreSQL) or file name (SQLite). */
  database: string;
  /** The schemas that were read (SQLite: `main`). */
  schemas: string[];
  tables: Table[];
  views: View[];
  sequences: Sequence[];
  enums: EnumType[];
  domains: Domain[];
  extensions: Extension[];
  functions: FunctionInfo[];
  /** Present when the source looks like a Supabase project (an `auth` schema with `users`). */
  supabase: SupabaseFacts | null;
}

export interface TableName {
  schema: string;
  name: string;
}

export interface Table extends TableName {
  /** How plans and reports name the table: `name` in the default schema (public/main), else `schema.name`. */
  id: string;
  /** A partitioned table is one table here; its partitions are listed, not counted as tables. */
  kind: 'table' | 'partitioned';
  partitionKey: string | null;
  partitions: string[];
  columns: Column[];
  primaryKey: Key | null;
  uniqueKeys: Key[];
  foreignKeys: ForeignKey[];
  indexes: Index[];
  checks: Check[];
  triggers: Trigger[];
  policies: Policy[];
  rlsEnabled: boolean;
  /** Privileges granted on the table to roles other than its owner. */
  grants: Grant[];
  /** Row count: exact when `rowsExact`, else the planner's estimate; null when unknown. */
  rows: number | null;
  rowsExact: boolean;
  /** Bytes on disk including indexes and TOAST, when the engine can tell. */
  bytes: number | null;
  /** SQLite: the table has an implicit rowid (not WITHOUT ROWID). */
  hasRowid: boolean;
  comment: string | null;
}

export interface Column {
  name: string;
  /** 1-based position. */
  position: number;
  /** The type as declared (SQLite) or as `format_type` prints it (PostgreSQL), e.g. `numeric(10,2)`. */
  type: string;
  /**
   * SQLite: the column affinity (INTEGER, TEXT, REAL, NUMERIC, BLOB).
   * PostgreSQL: the base type name (int4, text, uuid ...); for arrays the element's, with `isArray` set.
   */
  baseType: string;
  isArray: boolean;
  /** Set when the column's type is a user enum or domain: `schema.name`. */
  userType: string | null;
  nullable: boolean;
  default: string | null;
  generated: { kind: 'stored' | 'virtual'; expression: string } | null;
  identity: 'always' | 'by default' | null;
  /** SQLite INTEGER PRIMARY KEY AUTOINCREMENT, or a PostgreSQL column whose default is nextval of an owned sequence. */
  autoIncrement: boolean;
  comment: string | null;
}

export interface Key {
  name: string | null;
  columns: string[];
}

export interface ForeignKey {
  name: string | null;
  columns: string[];
  references: TableName & { columns: string[] };
  onDelete: FkAction;
  onUpdate: FkAction;
  deferrable: boolean;
  /** For a partitioned table: the partitions on which this key is declared (empty when declared on the table). */
  fromPartitions: string[];
}

export interface Index {
  name: string;
  /** Column names; an expression part appears as its SQL text. */
  columns: string[];
  unique: boolean;
  primary: boolean;
  method: string;
  predicate: string | null;
  /** The full CREATE INDEX statement when the engine keeps one. */
  definition: string | null;
}

export interface Check {
  name: string | null;
  expression: string;
}

export interface Trigger {
  name: string;
  timing: string;
  events: string[];
  /** PostgreSQL: `schema.function` it executes; SQLite: null. */
  function: string | null;
  definition: string;
}

export interface Policy {
  name: string;
  command: 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  permissive: boolean;
  roles: string[];
  using: string | null;
  withCheck: string | null;
}

export interface Grant {
  role: string;
  privileges: string[];
}

export interface View extends TableName {
  id: string;
  materialized: boolean;
  definition: string;
  /** Tables the view reads, when the engine records dependencies. */
  dependsOn: string[];
}

export interface Sequence extends TableName {
  dataType: string;
  ownedBy: { table: string; column: string } | null;
  lastValue: number | null;
}

export interface EnumType {
  schema: string;
  name: string;
  values: string[];
}

export interface Domain {
  schema: string;
  name: string;
  baseType: string;
  notNull: boolean;
  default: string | null;
  checks: string[];
}

export interface Extension {
  name: string;
  version: string;
  schema: string;
}

export interface FunctionInfo {
  schema: string;
  name: string;
  language: string;
  /** Names of Supabase functions (auth.uid, auth.jwt, auth.role, storage.foldername ...) the body calls. */
  supabaseCalls: string[];
}

export interface SupabaseFacts {
  /** Foreign keys from the user's tables to `auth.users`. */
  authUserReferences: { table: string; columns: string[]; constraint: string | null; onDelete: FkAction }[];
  /** Policies whose expressions call auth.uid(), auth.jwt() or auth.role(). */
  authPolicies: { table: string; policy: string; calls: string[] }[];
  storageBuckets: { id: string; name: string; public: boolean }[];
  storagePolicies: { table: string; policy: string; command: string; roles: string[] }[];
  /** Table privileges granted to anon, authenticated and service_role. */
  roleGrants: { table: string; role: string; privileges: string[] }[];
  /** Triggers on auth.users that run user code (e.g. creating a profile on sign-up). */
  authTriggers: { name: string; function: string }[];
}
