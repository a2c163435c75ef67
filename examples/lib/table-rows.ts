import { type Rng, rngFor } from './prng.js';

/**
 * One table of an example monolith: its columns and a generator of its rows, in insertion order.
 * Generators yield one row at a time, so a table of millions of rows never sits in memory.
 */
export interface TableRows {
  /** The table as SQL names it: `machines`, or `auth.users` outside the default schema. */
  table: string;
  columns: readonly string[];
  rows: Iterable<readonly unknown[]>;
}

/** What every example's build() returns: rows written per table, keyed like `TableRows.table`. */
export interface BuildResult {
  tables: Record<string, number>;
}

export interface BuildOptions {
  /** `postgres://` URL of an existing empty database, or `sqlite:/path/file.sqlite` for SQLite examples. */
  url: string;
  /** Multiplies row counts (default 1). */
  scale?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

export const DEFAULT_SEED = 1;

/**
 * A table of `count` generated rows. `columns` lists the column names separated by spaces; row i comes from
 * `make(i, rng)`, where rng is the table's own stream (see rngFor), created afresh each time the rows are
 * iterated.
 */
export function generatedTable(
  name: string,
  columns: string,
  count: number,
  seed: number,
  make: (index: number, rng: Rng) => readonly unknown[],
): TableRows {
  return {
    table: name,
    columns: columns.split(/\s+/).filter((c) => c !== ''),
    rows: {
      *[Symbol.iterator]() {
        const rng = rngFor(seed, name);
        for (let i = 0; i < count; i++) yield make(i, rng);
      },
    },
  };
}
