import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedServer, startEmbedded } from '../../src/db/embedded.js';
import { FIXTURES } from './fixtures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests use: CLEAVE_TEST_PG_URL, or an embedded one for this run. */
    pgAdminUrl: string;
    pgKind: 'machine' | 'embedded';
    redisUrl: string | null;
  }
}

let server: EmbeddedServer | undefined;
let home: string | undefined;

/** One PostgreSQL for the whole run; each test file then makes its own database on it. */
export async function setup(project: TestProject): Promise<void> {
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
  const redis = process.env.REDIS_URL ?? null;
  project.provide('redisUrl', redis);
  if (!redis) console.log('[cleave tests] REDIS_URL is not set: tests that need Redis are skipped');
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
}
