import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/fixtures.js';

function npmRunDemo(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'demo'],
      { cwd: REPO, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The README's first command, run as a user runs it. */
describe('npm run demo', () => {
  it('builds the seo-content monolith when it is missing, analyzes it, and leaves an existing one alone', async () => {
    const monolith = join(REPO, 'examples', 'seo-content', 'monolith.sqlite');
    await rm(monolith, { force: true });

    const first = await npmRunDemo();
    expect(first.stderr).toContain('building the example monolith sqlite:./monolith.sqlite');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Source {2}sqlite:\.\/monolith\.sqlite \(SQLite [\d.]+\): 13 tables, [\d,]+ rows/,
    );
    expect(first.stdout).toContain('Plan    layout schemas, 3 services');
    expect(first.stdout).toContain('Cross-service foreign keys');
    expect(first.stdout).toContain('Problems: 0 errors');
    const built = (await stat(monolith)).mtimeMs;

    const second = await npmRunDemo();
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('building');
    expect(second.stdout).toBe(first.stdout);
    expect((await stat(monolith)).mtimeMs).toBe(built);
  });
});
