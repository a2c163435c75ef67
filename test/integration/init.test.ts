import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadChinookPg, loadPagila, SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';

/** `cleave init` then `cleave analyze` on the written plan: accepted, every table owned exactly once. */
async function initThenAnalyze(sourceUrl: string, expectedTables: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cleave-init-'));
  const plan = join(dir, 'cleave.yaml');
  const env = { CLEAVE_SOURCE_URL: sourceUrl };
  const init = await runCli(['init', '--source', sourceUrl, '--plan', plan], { env });
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(/^wrote .*cleave\.yaml: \d+ tables in \d+ proposed services/);
  const analyze = await runCli(['analyze', '--plan', plan, '--json'], { env });
  expect(analyze.code).toBe(0);
  const report = JSON.parse(analyze.stdout);
  expect(report.summary.errors).toBe(0);
  expect(report.unownedTables).toEqual([]);
  const owned = report.services.flatMap((s: { tables: string[] }) => s.tables);
  expect(owned).toHaveLength(expectedTables);
  expect(new Set(owned).size).toBe(expectedTables);
  expect(report.services.length).toBeGreaterThan(1);
  return plan;
}

describe('cleave init', () => {
  it('Chinook SQLite: writes a plan that analyze accepts, with the path relative to the plan', async () => {
    const path = await sqliteCopy(...SQLITE.chinook);
    const plan = await initThenAnalyze(`sqlite:${path}`, 11);
    const text = await readFile(plan, 'utf8');
    expect(text).toContain('version: 1');
    expect(text).toMatch(/^# /m);
  });

  describe('on PostgreSQL', () => {
    let chinookUrl: string;
    let pagilaUrl: string;
    beforeAll(async () => {
      const chinook = await createTestDatabase('init_chinook');
      await loadChinookPg(chinook.db);
      chinookUrl = chinook.url;
      const pagila = await createTestDatabase('init_pagila');
      await loadPagila(pagila.db);
      pagilaUrl = pagila.url;
    });

    it('Chinook: writes a plan that analyze accepts', async () => {
      await initThenAnalyze(chinookUrl, 11);
    });

    it('Pagila: writes a plan that analyze accepts (payment and its partitions as one table)', async () => {
      await initThenAnalyze(pagilaUrl, 15);
    });

    it('never writes a password into the plan: a URL with one becomes ${CLEAVE_SOURCE_URL}', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cleave-init-'));
      const plan = join(dir, 'cleave.yaml');
      const url = new URL(chinookUrl);
      url.password = url.password || 'not-needed-with-trust';
      const result = await runCli(['init', '--source', url.toString(), '--plan', plan]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('export CLEAVE_SOURCE_URL=');
      const text = await readFile(plan, 'utf8');
      expect(text).toContain('${CLEAVE_SOURCE_URL}');
      expect(text).not.toContain(url.password);
    });
  });

  it('refuses to overwrite a plan without --force, and overwrites with it', async () => {
    const path = await sqliteCopy(...SQLITE.chinook);
    const dir = await mkdtemp(join(tmpdir(), 'cleave-init-'));
    const plan = join(dir, 'cleave.yaml');
    expect((await runCli(['init', '--source', `sqlite:${path}`, '--plan', plan])).code).toBe(0);
    const again = await runCli(['init', '--source', `sqlite:${path}`, '--plan', plan]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(again.stderr).toContain('--force');
    const forced = await runCli(['init', '--source', `sqlite:${path}`, '--plan', plan, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).services.length).toBeGreaterThan(1);
  });
});
