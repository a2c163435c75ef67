import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/app/analyze.js';
import { loadPagila } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('analyze Pagila (PostgreSQL, partitioned, domains, enums, policies)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('pagila');
    await loadPagila(t.db);
    // Pagila ships no policies: add some, so that the comparison below has something to compare.
    await t.db.query(`
      alter table customer enable row level security;
      create policy customer_own_store on customer for select using (store_id = current_setting('app.store_id', true)::int);
      create policy staff_edit on rental for update to public using (staff_id = 1) with check (staff_id = 1);`);
  });

  it('reports the tables pg_catalog lists, with partitions folded into their partitioned table', async () => {
    const { report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const expected = await t.db.query<{ name: string; kind: string }>(
      `select c.relname as name, c.relkind::text as kind from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
    );
    expect(report.tables.map((x) => x.name).sort()).toEqual(expected.map((e) => e.name));
    const payment = report.tables.find((x) => x.name === 'payment')!;
    expect(payment.kind).toBe('partitioned');
    const partitions = await t.db.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'public.payment'::regclass order by 1`,
    );
    expect(payment.partitions).toEqual(partitions.map((p) => p.name));
    const [count] = await t.db.query<{ n: string }>('select count(*) as n from payment');
    expect(payment.rows).toBe(Number(count!.n));
  });

  it('reports the foreign keys pg_catalog lists (a key declared on every partition counts once, on the root)', async () => {
    const { report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const expected = await t.db.query<{ fk: string }>(
      `select distinct coalesce(pg_partition_root(k.conrelid), k.conrelid)::regclass::text || '(' ||
              (select string_agg(a.attname, ',' order by u.ord) from unnest(k.conkey) with ordinality u(n, ord)
                 join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n) || ')->' || k.confrelid::regclass::text as fk
         from pg_constraint k join pg_class c on c.oid = k.conrelid
        where k.contype = 'f' and c.relnamespace = 'public'::regnamespace and k.conparentid = 0
        order by 1`,
    );
    const ours = report.tables
      .flatMap((x) => x.foreignKeys.map((fk) => `${x.name}(${fk.columns.join(',')})->${fk.references.table}`))
      .sort();
    expect(ours).toEqual(expected.map((e) => e.fk));
    expect(report.summary.foreignKeys).toBe(expected.length);
  });

  it('reports the policies pg_catalog lists, with their expressions', async () => {
    const { catalog } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const expected = await t.db.query<{
      t: string;
      name: string;
      cmd: string;
      qual: string | null;
      check: string | null;
    }>(
      `select tablename::text as t, policyname::text as name, cmd::text, qual, with_check as check from pg_policies where schemaname = 'public' order by 1, 2`,
    );
    const ours = catalog.tables.flatMap((x) =>
      x.policies.map((p) => ({ t: x.name, name: p.name, cmd: p.command, qual: p.using, check: p.withCheck })),
    );
    expect(ours).toEqual(expected);
    expect(catalog.tables.find((x) => x.name === 'customer')?.rlsEnabled).toBe(true);
  });

  it('reads domains, enums, sequences, views, triggers and functions', async () => {
    const { catalog } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    expect(catalog.enums.map((e) => e.name)).toContain('mpaa_rating');
    expect(catalog.enums.find((e) => e.name === 'mpaa_rating')?.values).toEqual([
      'G',
      'PG',
      'PG-13',
      'R',
      'NC-17',
    ]);
    expect(catalog.domains.map((d) => d.name)).toContain('year');
    const film = catalog.tables.find((x) => x.name === 'film')!;
    expect(film.columns.find((c) => c.name === 'rating')?.userType).toBe('public.mpaa_rating');
    expect(film.columns.find((c) => c.name === 'release_year')?.userType).toBe('public.year');
    expect(film.columns.find((c) => c.name === 'film_id')?.autoIncrement).toBe(true);
    expect(film.triggers.map((tr) => tr.name)).toContain('last_updated');
    const [views] = await t.db.query<{ n: string }>(
      `select count(*) as n from pg_views where schemaname = 'public'`,
    );
    expect(catalog.views.filter((v) => !v.materialized)).toHaveLength(Number(views!.n));
    const sequences = await t.db.query<{ name: string }>(
      `select sequencename::text as name from pg_sequences where schemaname = 'public' order by 1`,
    );
    expect(catalog.sequences.map((s) => s.name)).toEqual(sequences.map((s) => s.name));
    // Pagila's sequences are not OWNED BY their columns: the nextval() default is what ties them.
    expect(film.columns.find((c) => c.name === 'film_id')?.default).toMatch(/nextval\('film_film_id_seq'/);
    expect(catalog.supabase).toBeNull();
  });
});
