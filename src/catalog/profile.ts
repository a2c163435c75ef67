import { quoteIdent } from '../core/ident.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import type { Table } from './model.js';

/** What a sample of a SQLite column's values looks like: the evidence for choosing its PostgreSQL type. */
export interface ColumnProfile {
  sampled: number;
  nulls: number;
  integer: number;
  real: number;
  text: number;
  blob: number;
  /** Among text values: how many look like a uuid, JSON object/array, ISO-8601 date or date-time. */
  uuid: number;
  json: number;
  date: number;
  dateTime: number;
  /** Integer values that are 0 or 1. */
  zeroOne: number;
  minInteger: number | null;
  maxInteger: number | null;
  /** Longest text value, in characters. */
  maxLength: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

export function emptyProfile(): ColumnProfile {
  return {
    sampled: 0,
    nulls: 0,
    integer: 0,
    real: 0,
    text: 0,
    blob: 0,
    uuid: 0,
    json: 0,
    date: 0,
    dateTime: 0,
    zeroOne: 0,
    minInteger: null,
    maxInteger: null,
    maxLength: 0,
  };
}

/** Adds one value (as better-sqlite3 returns it with safe integers) to a profile. */
export function addToProfile(p: ColumnProfile, value: unknown): void {
  p.sampled++;
  if (value === null || value === undefined) {
    p.nulls++;
  } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    p.integer++;
    const n = Number(value);
    if (n === 0 || n === 1) p.zeroOne++;
    p.minInteger = p.minInteger === null ? n : Math.min(p.minInteger, n);
    p.maxInteger = p.maxInteger === null ? n : Math.max(p.maxInteger, n);
  } else if (typeof value === 'number') {
    p.real++;
  } else if (typeof value === 'string') {
    p.text++;
    p.maxLength = Math.max(p.maxLength, value.length);
    const t = value.trim();
    if (UUID.test(t)) p.uuid++;
    else if (DATE.test(t)) p.date++;
    else if (DATE_TIME.test(t)) p.dateTime++;
    else if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
      try {
        JSON.parse(t);
        p.json++;
      } catch {
        // not JSON: counted as plain text
      }
    }
  } else {
    p.blob++;
  }
}

/** Profiles every column of the given tables from their first `rows` rows. */
export function profileSqliteColumns(
  db: SqliteDatabase,
  tables: readonly Table[],
  rows = 10_000,
): Map<string, Map<string, ColumnProfile>> {
  const out = new Map<string, Map<string, ColumnProfile>>();
  for (const table of tables) {
    const columns = table.columns.filter((c) => c.generated === null);
    const profiles = new Map(columns.map((c) => [c.name, emptyProfile()]));
    out.set(table.id, profiles);
    if (columns.length === 0) continue;
    const statement = db.handle.prepare(
      `select ${columns.map((c) => quoteIdent(c.name)).join(', ')} from ${quoteIdent(table.name)} limit ?`,
    );
    statement.raw(true);
    for (const row of statement.iterate(rows) as Iterable<unknown[]>) {
      columns.forEach((c, i) => {
        addToProfile(profiles.get(c.name)!, row[i]);
      });
    }
  }
  return out;
}
