import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { quoteIdent } from '../../src/core/ident.js';
import { type EmbeddedServer, startEmbedded } from '../../src/db/embedded.js';
import { PostgresDatabase } from '../../src/db/postgres.js';
import { FIXTURES } from './fixtures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests use: CLEAVE_TEST_PG_URL, or an embedded one for this run. */
    pgAdminUrl: string;
    pgKind: 'machine' | 'embedded';
    redisUrl: string | null;
    /** Every database a test creates starts with this; teardown drops any that a crashed file left. */
    testDatabasePrefix: string;
  }
}

let server: EmbeddedServer | undefined;
const PREFIX = `cleave_t${process.pid}_`;

async function dropLeftovers(adminUrl: string | undefined): Promise<void> {
  if (!adminUrl) return;
  const db = new PostgresDatabase({
    connectionString: adminUrl,
    display: 'test-admin',
    max: 1,
    role: 'target',
  });
  try {
    const rows = await db.query<{ name: string }>(
      `select datname as name from pg_database where starts_with(datname, $1)`,
      [PREFIX],
    );
    for (const { name } of rows) await db.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await db.close();
  }
}
let home: string | undefined;

/** The SQLite extension rebuilt when its source is newer than the build (the tests use what the source says). */
function buildNative(): void {
  const root = join(import.meta.dirname, '..', '..');
  const source = join(root, 'native', 'cleave_hash.c');
  const built = join(root, 'native', 'build', 'cleave_hash.so');
  if (existsSync(built) && statSync(built).mtimeMs >= statSync(source).mtimeMs) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
}

/** One PostgreSQL for the whole run; each test file then makes its own database on it. */
export async function setup(project: TestProject): Promise<void> {
  if (process.platform === 'linux') buildNative();
  if (!existsSync(FIXTURES)) {
    throw new Error(
      `the shared fixtures are not at ${FIXTURES}: clone the repository beside shared/, or set CLEAVE_FIXTURES`,
    );
  }
  const given = process.env.CLEAVE_TEST_PG_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    project.provide('pgKind', 'machine');
  } else {
    home = await mkdtemp(join(tmpdir(), 'cleave-test-pg-'));
    await chmod(home, 0o755);
    server = await startEmbedded({ home });
    project.provide('pgAdminUrl', server.adminUrl);
    project.provide('pgKind', 'embedded');
    console.log(
      `[cleave tests] CLEAVE_TEST_PG_URL is not set: using an embedded PostgreSQL on port ${server.port}`,
    );
  }
  project.provide('testDatabasePrefix', PREFIX);
  const redis = process.env.REDIS_URL ?? null;
  project.provide('redisUrl', redis);
  if (!redis) console.log('[cleave tests] REDIS_URL is not set: tests that need Redis are skipped');
}

export async function teardown(): Promise<void> {
  await dropLeftovers(server?.adminUrl ?? process.env.CLEAVE_TEST_PG_URL);
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
}
