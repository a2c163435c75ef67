import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/app/analyze.js';
import { runCli } from '../helpers/cli.js';
import { loadChinookPg, SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const CHINOOK_TABLES_SQLITE = [
  'Album',
  'Artist',
  'Customer',
  'Employee',
  'Genre',
  'Invoice',
  'InvoiceLine',
  'MediaType',
  'Playlist',
  'PlaylistTrack',
  'Track',
];

describe('analyze Chinook (SQLite)', () => {
  let path: string;
  beforeAll(async () => {
    path = await sqliteCopy(...SQLITE.chinook);
  });

  it('reports 11 tables, 11 FKs and row counts equal to count(*) read independently', async () => {
    const { report } = await runAnalyze({
      planPath: '/nonexistent/cleave.yaml',
      sourceUrl: `sqlite:${path}`,
    });
    expect(report.tables.map((t) => t.name).sort()).toEqual(CHINOOK_TABLES_SQLITE);
    expect(report.summary.foreignKeys).toBe(11);
    expect(report.tables.flatMap((t) => t.foreignKeys)).toHaveLength(11);

    const db = new BetterSqlite3(path, { readonly: true });
    for (const t of report.tables) {
      const { n } = db.prepare(`select count(*) as n from "${t.name}"`).get() as { n: number };
      expect(t.rows, t.name).toBe(n);
      expect(t.rowsExact).toBe(true);
    }
    const fkList = db
      .prepare(
        `select m.name as t, f.* from sqlite_schema m, pragma_foreign_key_list(m.name) f where m.type = 'table'`,
      )
      .all() as {
      t: string;
      table: string;
      from: string;
    }[];
    db.close();
    const ours = report.tables
      .flatMap((t) => t.foreignKeys.map((fk) => `${t.name}.${fk.columns.join()}->${fk.references.table}`))
      .sort();
    expect(ours).toEqual(fkList.map((f) => `${f.t}.${f.from}->${f.table}`).sort());
    expect(report.tables.find((t) => t.name === 'PlaylistTrack')?.primaryKey).toEqual([
      'PlaylistId',
      'TrackId',
    ]);
    expect(report.selfReferences).toEqual([{ table: 'Employee', columns: ['ReportsTo'] }]);
  });

  it('prints --json with tables[], crossServiceEdges[] and problems[] through the CLI', async () => {
    const result = await runCli(['analyze', '--source', `sqlite:${path}`, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.tables).toHaveLength(11);
    const track = json.tables.find((t: { name: string }) => t.name === 'Track');
    expect(track).toMatchObject({ name: 'Track', rows: 3503, primaryKey: ['TrackId'] });
    expect(track.columns.map((c: { name: string }) => c.name)).toContain('UnitPrice');
    expect(
      track.foreignKeys.map((f: { references: { table: string } }) => f.references.table).sort(),
    ).toEqual(['Album', 'Genre', 'MediaType']);
    expect(json.crossServiceEdges).toEqual([]);
    expect(Array.isArray(json.problems)).toBe(true);
  });
});

describe('analyze Chinook (PostgreSQL)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('chinook');
    await loadChinookPg(t.db);
  });

  it('reports 11 tables, 11 FKs and exact row counts equal to count(*) read independently', async () => {
    const { report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    expect(report.tables).toHaveLength(11);
    expect(report.summary.foreignKeys).toBe(11);
    for (const table of report.tables) {
      const [row] = await t.db.query<{ n: string }>(`select count(*) as n from public."${table.name}"`);
      expect(table.rows, table.name).toBe(Number(row!.n));
      expect(table.rowsExact).toBe(true);
    }
    const fks = await t.db.query<{ t: string; r: string }>(
      `select conrelid::regclass::text as t, confrelid::regclass::text as r from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`,
    );
    const ours = report.tables
      .flatMap((x) => x.foreignKeys.map((fk) => `${x.name}->${fk.references.table}`))
      .sort();
    expect(ours).toEqual(fks.map((f) => `${f.t}->${f.r}`).sort());
  });

  it('estimates counts with --counts estimate and says so', async () => {
    await t.db.query('analyze');
    const { report } = await runAnalyze({
      planPath: '/nonexistent/cleave.yaml',
      sourceUrl: t.url,
      counts: 'estimate',
    });
    const track = report.tables.find((x) => x.name === 'track')!;
    expect(track.rowsExact).toBe(false);
    expect(track.rows).toBeGreaterThan(3000);
  });
});
