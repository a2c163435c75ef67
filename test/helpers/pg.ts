import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { PostgresDatabase } from '../../src/db/postgres.js';

export interface TestDatabase {
  name: string;
  url: string;
  db: PostgresDatabase;
}

function urlWithDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function admin(): PostgresDatabase {
  return new PostgresDatabase({
    connectionString: inject('pgAdminUrl'),
    display: 'test-admin',
    max: 1,
    role: 'target',
  });
}

/**
 * A fresh, empty database on the test server, dropped after the file's tests.
 * Each test file gets its own, so files run in parallel without seeing each other.
 */
export async function createTestDatabase(label = 't'): Promise<TestDatabase> {
  const name = `${inject('testDatabasePrefix')}${label}_${randomBytes(3).toString('hex')}`.toLowerCase();
  const server = admin();
  try {
    await server.query(`create database ${quoteIdent(name)}`);
  } finally {
    await server.close();
  }
  const url = urlWithDatabase(inject('pgAdminUrl'), name);
  const db = new PostgresDatabase({ connectionString: url, display: name, max: 4 });
  created.push({ name, db });
  return { name, url, db };
}

// Registered when a test file imports this module, so it runs after that file's tests, wherever
// createTestDatabase was called from (a hook registered inside beforeAll would never run).
const created: { name: string; db: PostgresDatabase }[] = [];
afterAll(async () => {
  for (const { name, db } of created.splice(0)) {
    await db.close();
    await dropDatabase(name);
  }
});

export async function dropDatabase(name: string): Promise<void> {
  const server = admin();
  try {
    await server.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await server.close();
  }
}

/**
 * Runs `work` while watching the database's sessions named `cleave` (those of `db`'s own pool counted before and
 * taken off); returns its result and the most seen at once.
 */
export async function peakSessions<T>(db: PostgresDatabase, work: () => Promise<T>): Promise<[T, number]> {
  const sessions = async () =>
    (
      await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'cleave'`,
      )
    )[0]!.n;
  const own = await sessions();
  let peak = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      peak = Math.max(peak, (await sessions()) - own);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    return [await work(), peak];
  } finally {
    polling = false;
    await poll;
  }
}
