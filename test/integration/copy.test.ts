import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { runMigrateUp } from '../../src/app/migrate.js';
import { loadPlanFile } from '../../src/app/plan-file.js';
import { runVerify } from '../../src/app/verify.js';
import { introspectSqlite } from '../../src/catalog/introspect-sqlite.js';
import type { CopyEvent } from '../../src/copy/run.js';
import { SqliteDatabase } from '../../src/db/sqlite.js';
import { loadPagila, SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase, peakSessions } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const CHINOOK_PLAN = (source: string) => `version: 1
source: { url: "sqlite:${source}" }
services:
  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }
  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }
  playlists: { tables: [Playlist, PlaylistTrack] }
`;

/** A SQLite value and a PostgreSQL value are the same datum (the test's own rules, independent of Cleave's). */
function same(sqlite: unknown, pg: unknown): boolean {
  if (sqlite === null || pg === null) return sqlite === pg;
  if (pg instanceof Date) return new Date(`${String(sqlite).replace(' ', 'T')}Z`).getTime() === pg.getTime();
  if (typeof sqlite === 'number' || typeof sqlite === 'bigint') return Number(sqlite) === Number(pg);
  return String(sqlite) === String(pg);
}

describe('cleave copy', () => {
  it('Chinook SQLite -> three services: every count and every value equal to the source', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('copy_chinook');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: CHINOOK_PLAN(source),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const result = await runCopy({ planPath: plan, create: true, chunkRows: 1000 });
    const { plan: parsed } = await loadPlanFile(plan);
    const sqlite = new BetterSqlite3(source, { readonly: true });
    try {
      for (const [service, spec] of Object.entries(parsed.services)) {
        for (const table of spec.tables) {
          const key = (
            sqlite.prepare(`select name from pragma_table_info(?) where pk > 0 order by pk`).all(table) as {
              name: string;
            }[]
          )
            .map((r) => `"${r.name}"`)
            .join(', ');
          const expected = sqlite.prepare(`select * from "${table}" order by ${key}`).all() as Record<
            string,
            unknown
          >[];
          const actual = await target.db.query(`select * from ${service}."${table}" order by ${key}`);
          expect(actual.length, table).toBe(expected.length);
          expected.forEach((row, i) => {
            for (const [column, value] of Object.entries(row)) {
              if (!same(value, actual[i]![column]))
                throw new Error(
                  `${table} row ${i} column ${column}: ${String(value)} != ${String(actual[i]![column])}`,
                );
            }
          });
          const report = result.tables.find((r) => r.table === table)!;
          expect(report.read).toBe(expected.length);
          expect(report.read).toBe(report.written + report.rejected);
        }
      }
    } finally {
      sqlite.close();
    }
    // The self-reference Employee.ReportsTo was dropped for the copy and is back, validated.
    const [fk] = await target.db.query<{ valid: boolean }>(
      `select convalidated as valid from pg_constraint where conname = 'Employee_ReportsTo_fkey'`,
    );
    expect(fk).toEqual({ valid: true });
    // Copying one table again (--fresh --table) empties and refills only it: the tables that reference it keep
    // their rows, and their foreign keys to it come back validated.
    const again = await runCopy({ planPath: plan, tables: ['Album'], fresh: true });
    expect(again.tables.map((r) => [r.table, r.written])).toEqual([['Album', 347]]);
    const [counts] = await target.db.query<{ albums: string; tracks: string }>(
      `select (select count(*) from catalog."Album") as albums, (select count(*) from catalog."Track") as tracks`,
    );
    expect(counts).toEqual({ albums: '347', tracks: '3503' });
    const [trackFk] = await target.db.query<{ valid: boolean }>(
      `select convalidated as valid from pg_constraint where conname = 'Track_AlbumId_fkey' or (conrelid = 'catalog."Track"'::regclass and confrelid = 'catalog."Album"'::regclass)`,
    );
    expect(trackFk).toEqual({ valid: true });
    // Identities continue after the copied keys.
    const [next] = await target.db.query<{ id: string }>(
      `insert into catalog."Genre" ("Name") values ('new') returning "GenreId" as id`,
    );
    expect(Number(next!.id)).toBe(26);
  });

  it('PostgreSQL tables keyed by uuid and by a composite key: chunks end at keys from a page sample; stopped and resumed, every row once', async () => {
    const source = await createTestDatabase('copy_sampled_src');
    // About 4,000 pages each: large enough that the chunk bounds come from a sample of the pages.
    await source.db.query(`create table docs (id uuid primary key, body text not null);
      insert into docs select md5(i::text)::uuid, repeat(chr(65 + i % 26), 100 + i % 50) from generate_series(1, 200000) i;
      create table pairs (region text, n int, body text not null, primary key (region, n));
      insert into pairs select 'r' || (i % 13), i, repeat('y', 120) from generate_series(1, 200000) i;`);
    for (const table of ['docs', 'pairs']) {
      const [size] = await source.db.query<{ pages: string }>(
        `select pg_relation_size('${table}') / 8192 as pages`,
      );
      expect(Number(size!.pages)).toBeGreaterThan(2000);
    }
    const target = await createTestDatabase('copy_sampled_dst');
    const { plan } = await projectWithPlan(source.url, {
      plan: `version: 1\nsource: { url: "${source.url}" }\nservices:\n  app: { tables: [docs, pairs] }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const chunks = new Map<string, number[]>();
    const record = (e: CopyEvent) => {
      if (e.kind === 'chunk') chunks.set(e.table, [...(chunks.get(e.table) ?? []), e.read]);
    };
    // Stopped after docs' fifth committed chunk, then resumed: the bounds are found again after the checkpoint.
    await expect(
      runCopy({
        planPath: plan,
        create: true,
        chunkRows: 10000,
        onEvent: (e) => {
          record(e);
          if (e.kind === 'chunk' && e.table === 'docs' && chunks.get('docs')!.length === 5)
            throw new Error('stopped here');
        },
      }),
    ).rejects.toThrow('stopped here');
    const result = await runCopy({ planPath: plan, resume: true, chunkRows: 10000, onEvent: record });
    expect(result.tables.map((t) => [t.table, t.read, t.written])).toEqual([
      ['docs', 200000, 200000],
      ['pairs', 200000, 200000],
    ]);
    for (const table of ['docs', 'pairs']) {
      const reads = chunks.get(table)!;
      // About 20 chunks of about 10,000 rows: none empty, none far larger than asked.
      expect(reads.length).toBeGreaterThanOrEqual(10);
      expect(reads.length).toBeLessThanOrEqual(40);
      expect(Math.max(...reads)).toBeLessThan(30000);
      expect(reads.reduce((a, b) => a + b, 0)).toBe(200000);
    }
    const digest = async (db: typeof source.db, from: string, key: string) =>
      (
        await db.query<{ n: string; keys: string; md5: string }>(
          `select count(*) as n, count(distinct (${key})) as keys, md5(string_agg(t::text, '|' order by ${key})) as md5 from ${from} t`,
        )
      )[0];
    for (const [table, key] of [
      ['docs', 'id'],
      ['pairs', 'region, n'],
    ] as const) {
      const copied = await digest(target.db, `app.${table}`, key);
      expect(copied).toEqual(await digest(source.db, table, key));
      expect(copied!.keys).toBe('200000');
    }
  });

  it('a large PostgreSQL table with an integer key is copied as key ranges at once, every row once', async () => {
    const source = await createTestDatabase('copy_parts_src');
    await source.db.query(`create table events (id bigint primary key, kind text not null, amount numeric(10,2));
      insert into events select i * 3, 'k' || (i % 7), i / 100.0 from generate_series(1, 120000) i;`);
    const target = await createTestDatabase('copy_parts_dst');
    const { plan } = await projectWithPlan(source.url, {
      plan: `version: 1\nsource: { url: "${source.url}" }\nservices:\n  app: { tables: [events] }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const result = await runCopy({ planPath: plan, create: true, chunkRows: 5000, jobs: 3 });
    expect(result.tables.map((t) => [t.table, t.read, t.written])).toEqual([['events', 120000, 120000]]);
    const parts = await target.db.query<{ part: number; lo: string; hi: string; read: string }>(
      'select part, part_lo as lo, part_hi as hi, rows_read as read from cleave.copy_progress order by part',
    );
    expect(parts.map((p) => [p.part, p.lo, p.hi])).toEqual([
      [0, '3', '120002'],
      [1, '120002', '240001'],
      [2, '240001', '360001'],
    ]);
    // Each range read exactly the source rows inside its bounds.
    for (const p of parts) {
      const [inRange] = await source.db.query<{ n: string }>(
        'select count(*) as n from events where id >= $1 and id < $2',
        [p.lo, p.hi],
      );
      expect(p.read).toBe(inRange!.n);
    }
    const verified = await runVerify({ planPath: plan });
    expect(verified.tables.map((t) => [t.table, t.status, t.targetRows])).toEqual([
      ['events', 'match', 120000],
    ]);
  });

  it('the largest tables of all services start first, whichever service is ready first', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('copy_order');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: CHINOOK_PLAN(source),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const started: string[] = [];
    await runCopy({
      planPath: plan,
      create: true,
      jobs: 1,
      onEvent: (e) => {
        if (e.kind === 'table-start') started.push(e.table);
      },
    });
    const db = new SqliteDatabase({ path: source, display: 'chinook' });
    const sizes = new Map(introspectSqlite(db, { counts: false }).tables.map((t) => [t.name, t.bytes ?? 0]));
    db.handle.close();
    expect(started).toHaveLength(11);
    expect(started).toEqual([...started].sort((a, b) => sizes.get(b)! - sizes.get(a)!));
  });

  it('connection_limit in the target URL bounds the sessions the copy holds there', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('copy_limit');
    // Three services share the database, each with its control session: a limit of 4 leaves one table at a time.
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: CHINOOK_PLAN(source),
      targetUrl: `${target.url}?connection_limit=4`,
    });
    await runGenerate({ planPath: plan });
    const [result, peak] = await peakSessions(target.db, () =>
      runCopy({ planPath: plan, create: true, chunkRows: 500, jobs: 6 }),
    );
    expect(result.tables.reduce((n, t) => n + t.written, 0)).toBe(15607);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('Pagila -> three services: per-table counts and content checksums equal to the source', async () => {
    const source = await createTestDatabase('copy_pagila_src');
    await loadPagila(source.db);
    const target = await createTestDatabase('copy_pagila_dst');
    const plan = `version: 1
source: { url: "${source.url}" }
services:
  films: { tables: [film, film_actor, film_category, actor, category, language] }
  stores: { tables: [store, staff, address, city, country, inventory] }
  rentals: { tables: [customer, rental, payment] }
`;
    const p = await projectWithPlan(source.url, { plan, targetUrl: target.url });
    await runGenerate({ planPath: p.plan });
    await runMigrateUp({ planPath: p.plan });
    const shape = `select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname in ('films', 'stores', 'rentals')
      union all select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) || k.convalidated from pg_constraint k
      join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('films', 'stores', 'rentals') order by 1, 2, 3, 4`;
    const before = await target.db.query(shape);
    const result = await runCopy({ planPath: p.plan, chunkRows: 3000 });
    // Indexes and foreign keys were dropped for the load and rebuilt after it: the schema is as migrated.
    expect(await target.db.query(shape)).toEqual(before);
    const { plan: parsed } = await loadPlanFile(p.plan);
    for (const [service, spec] of Object.entries(parsed.services)) {
      for (const table of spec.tables) {
        const [key] = await source.db.query<{ cols: string }>(
          `select string_agg(quote_ident(a.attname), ', ' order by array_position(i.indkey, a.attnum)) as cols from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) where i.indrelid = $1::regclass and i.indisprimary`,
          [`public.${table}`],
        );
        const checksum = `select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by ${key!.cols}), '')) as sum from`;
        const [a] = await source.db.query(`${checksum} public.${table} t`);
        const [b] = await target.db.query(`${checksum} ${service}.${table} t`);
        expect(b, `${service}.${table}`).toEqual(a);
        expect(Number(a!.n)).toBeGreaterThan(0);
        const report = result.tables.find((r) => r.table === table)!;
        expect(report.written).toBe(Number(a!.n));
      }
    }
    // staff <-> store is a cycle: its keys were dropped for the copy and are back, validated, like every key of the service.
    const expected = await source.db.query<{ conname: string }>(
      `select conname from pg_constraint where contype = 'f' and conrelid in ('public.store'::regclass, 'public.staff'::regclass) order by 1`,
    );
    const fks = await target.db.query<{ conname: string }>(
      `select conname from pg_constraint where contype = 'f' and conrelid in ('stores.store'::regclass, 'stores.staff'::regclass) and convalidated order by 1`,
    );
    expect(fks.map((f) => f.conname)).toEqual(expected.map((f) => f.conname));
    expect(await target.db.query('select * from cleave.copy_dropped_constraints')).toEqual([]);
    // And cleave's own verify agrees: all 15 tables match, row for row.
    const verified = await runVerify({ planPath: p.plan });
    expect(verified.tables.filter((t) => t.status !== 'match')).toEqual([]);
    expect(verified.tables).toHaveLength(15);
    expect(verified.ok).toBe(true);
  });
});
