/**
 * The Database port. Domain code talks to a source or target only through this interface;
 * engine differences are expressed as capability flags, never as `if (engine === ...)` in domain code.
 */
export type Row = Record<string, unknown>;

export interface Capabilities {
  /** Server-side COPY streams are available. */
  copy: boolean;
  /** Objects live in named schemas (PostgreSQL) rather than one flat namespace (SQLite). */
  schemas: boolean;
  /** DDL runs inside transactions and rolls back with them. */
  transactionalDdl: boolean;
  /** Session-level advisory locks exist. */
  advisoryLocks: boolean;
  /** Row counts are cheap and exact (SQLite) rather than estimated from statistics (PostgreSQL). */
  exactCountsAreCheap: boolean;
}

export interface Database {
  /** For display and for choosing an introspector; domain logic uses `capabilities`. */
  readonly engine: 'postgres' | 'sqlite';
  readonly capabilities: Capabilities;
  /** The URL with credentials removed: the only form ever printed. */
  readonly displayUrl: string;
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}
