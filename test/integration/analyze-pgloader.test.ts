import { describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/app/analyze.js';
import type { AnalysisReport } from '../../src/plan/analysis.js';
import { runCli } from '../helpers/cli.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';

async function analyzeCase(name: string): Promise<AnalysisReport> {
  const path = await sqliteCopy(...SQLITE.pgloader(name));
  return (await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: `sqlite:${path}` })).report;
}

describe('analyze pgloader’s SQLite edge cases', () => {
  it('bad-utf8.db: names the one row whose filename is not valid UTF-8', async () => {
    const report = await analyzeCase('bad-utf8.db');
    const bad = report.problems.filter((p) => p.code === 'INVALID_UTF8');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ table: 'files', column: 'filename', severity: 'warning' });
    expect(bad[0]!.message).toContain('1 of 3 sampled values');
    expect(bad[0]!.message).toContain('id=2');
    // The byte that is not UTF-8 (0x96) is shown escaped, never passed through.
    expect(bad[0]!.message).toContain('file\\x96name.txt');
    // The way out names the plan option that repairs it.
    expect(bad[0]!.hint).toContain('tables.files.columns.filename.repair: { invalidUtf8: replace }');
  });

  it('type-mismatch.db: names the row whose qty is text in an INTEGER column', async () => {
    const report = await analyzeCase('type-mismatch.db');
    const bad = report.problems.filter((p) => p.code === 'TYPE_MISMATCH');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ table: 'products', column: 'qty' });
    expect(bad[0]!.message).toContain("id=2: 'lots-of-it'");
  });

  it('collision.db: two column names that PostgreSQL would cut to the same 63 bytes', async () => {
    const report = await analyzeCase('collision.db');
    const bad = report.problems.filter((p) => p.code === 'IDENTIFIER_COLLISION');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({
      severity: 'error',
      table: 'products',
      column: 'col_very_long_name_that_exceeds_postgresql_identifier_limit_aaax',
    });
  });

  it('sqlite.db: 20 tables; tables without a primary key fall back to rowid', async () => {
    const report = await analyzeCase('sqlite.db');
    expect(report.tables).toHaveLength(20);
    const noPk = report.tables
      .filter((t) => t.primaryKey === null)
      .map((t) => t.name)
      .sort();
    expect(noPk).toEqual([
      'TableName',
      'appointments',
      'datetime_default',
      'double',
      'intege',
      'item',
      'long',
      'references',
      'stamps',
      't548',
      'unsigned',
    ]);
    for (const name of noPk)
      expect(report.tables.find((t) => t.name === name)?.copyKey).toEqual({
        columns: ['rowid'],
        source: 'rowid',
      });
    expect(
      report.problems
        .filter((p) => p.code === 'NO_PRIMARY_KEY')
        .map((p) => p.table)
        .sort(),
    ).toEqual(noPk);
    // `autoinc` declares `integer auto_increment primary key`: not SQLite's AUTOINCREMENT keyword.
    const reals = report.tables.find((t) => t.name === 'reals')!;
    expect(reals.primaryKey).toEqual(['id']);
  });

  it('test_pk.db: composite keys and the FK between the two tables', async () => {
    const report = await analyzeCase('test_pk.db');
    expect(report.summary.foreignKeys).toBe(1);
    expect(report.tables.find((t) => t.name === 'division')?.foreignKeys[0]?.references).toEqual({
      table: 'division_kind',
      columns: ['division_kind_id'],
    });
  });

  it('storage.sqlite: web2py schema with FKs and base64 blobs, no crash', async () => {
    const report = await analyzeCase('storage.sqlite');
    expect(report.tables.length).toBeGreaterThan(5);
    expect(report.summary.foreignKeys).toBeGreaterThan(3);
  });

  it('every case runs through the CLI: exit 0, or 1 where a problem is an error (the collision)', async () => {
    for (const name of [
      'bad-utf8.db',
      'type-mismatch.db',
      'collision.db',
      'sqlite.db',
      'test_pk.db',
      'storage.sqlite',
    ]) {
      const path = await sqliteCopy(...SQLITE.pgloader(name));
      const result = await runCli(['analyze', '--source', `sqlite:${path}`]);
      expect(result.stderr, name).toBe('');
      expect(result.code, name).toBe(name === 'collision.db' ? 1 : 0);
      expect(result.stdout, name).toMatch(/^Source {2}sqlite:/);
      expect(result.stdout, name).toContain('Problems:');
    }
  });
});
