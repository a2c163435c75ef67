import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The zero-setup route: `embedded:NAME` URLs start the bundled PostgreSQL under ./.cleave and stop it after. */
describe('embedded PostgreSQL through the CLI', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'cleave-embedded-'));
    await chmod(cwd, 0o755); // initdb runs as the postgres user, which must be able to enter this folder
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('starts the server under ./.cleave, answers, stops it, and keeps the exit code', async () => {
    const ok = await runCli(['analyze', '--source', 'embedded:postgres', '--json'], { cwd });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).source).toMatchObject({
      engine: 'postgres',
      url: 'embedded:postgres',
      database: 'postgres',
    });
    expect(existsSync(join(cwd, '.cleave', 'pg', 'PG_VERSION'))).toBe(true);
    // The command stopped the server it started.
    expect(existsSync(join(cwd, '.cleave', 'pg', 'postmaster.pid'))).toBe(false);

    const missing = await runCli(['analyze', '--source', 'embedded:no_such_db'], { cwd });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(
      'error: cannot reach the source database embedded:no_such_db: database "no_such_db" does not exist',
    );
    expect(missing.stderr).not.toContain('cleave-embedded@');
  });
});
