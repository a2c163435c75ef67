import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/app/analyze.js';
import { loadSupabaseProject } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('analyze chatbot-ui (Supabase migrations over the auth/storage stub)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('chatbot');
    await loadSupabaseProject(t.db, 'chatbot-ui');
  });

  it('lists every FK to auth.users that pg_catalog has', async () => {
    const { catalog, report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const expected = await t.db.query<{ fk: string }>(
      `select c.relname || '(' || (select string_agg(a.attname, ',' order by u.ord) from unnest(k.conkey) with ordinality u(n, ord)
              join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n) || ')' as fk
         from pg_constraint k join pg_class c on c.oid = k.conrelid
        where k.contype = 'f' and k.confrelid = 'auth.users'::regclass and c.relnamespace = 'public'::regnamespace order by 1`,
    );
    expect(expected.length).toBeGreaterThanOrEqual(26);
    const ours = catalog.supabase!.authUserReferences.map((r) => `${r.table}(${r.columns.join(',')})`).sort();
    expect(ours).toEqual(expected.map((e) => e.fk));
    const flagged = report.problems.filter((p) => p.code === 'SUPABASE_AUTH_USERS_FK').map((p) => p.table);
    expect(flagged.sort()).toEqual(catalog.supabase!.authUserReferences.map((r) => r.table).sort());
  });

  it('lists every policy that uses auth.uid()', async () => {
    const { catalog, report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const expected = await t.db.query<{ p: string }>(
      `select tablename || ':' || policyname as p from pg_policies
        where schemaname = 'public' and (coalesce(qual, '') || coalesce(with_check, '')) ~ 'auth\\.uid\\(\\)' order by 1`,
    );
    expect(expected.length).toBeGreaterThan(10);
    const ours = catalog
      .supabase!.authPolicies.filter((p) => p.calls.includes('auth.uid'))
      .map((p) => `${p.table}:${p.policy}`)
      .sort();
    expect(ours).toEqual(expected.map((e) => e.p).sort());
    expect(report.problems.filter((p) => p.code === 'SUPABASE_AUTH_POLICY')).toHaveLength(
      catalog.supabase!.authPolicies.length,
    );
  });

  it('reports storage buckets, storage policies, the sign-up trigger and the vector columns', async () => {
    const { catalog, report } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    const buckets = await t.db.query<{ id: string }>('select id from storage.buckets order by id');
    expect(catalog.supabase!.storageBuckets.map((b) => b.id)).toEqual(buckets.map((b) => b.id));
    const [storagePolicies] = await t.db.query<{ n: string }>(
      `select count(*) as n from pg_policies where schemaname = 'storage'`,
    );
    expect(catalog.supabase!.storagePolicies).toHaveLength(Number(storagePolicies!.n));
    expect(catalog.supabase!.authTriggers.map((tr) => tr.function)).toContain(
      'public.create_profile_and_workspace',
    );
    expect(report.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['SUPABASE_STORAGE', 'SUPABASE_AUTH_TRIGGER']),
    );
    const fileItems = catalog.tables.find((x) => x.name === 'file_items')!;
    expect(fileItems.columns.find((c) => c.name === 'openai_embedding')?.type).toMatch(/vector\(1536\)/);
    // Supabase's own schemas are not part of the monolith.
    expect(catalog.tables.some((x) => x.schema === 'auth' || x.schema === 'storage')).toBe(false);
  });
});

describe('analyze nextjs-subscription-payments (small Supabase project)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('subs');
    await loadSupabaseProject(t.db, 'nextjs-subscription-payments');
  });

  it('finds its tables, the FKs to auth.users and its auth.uid() policies', async () => {
    const { report, catalog } = await runAnalyze({ planPath: '/nonexistent/cleave.yaml', sourceUrl: t.url });
    expect(report.tables.map((x) => x.name).sort()).toEqual([
      'customers',
      'prices',
      'products',
      'subscriptions',
      'users',
    ]);
    const refs = catalog.supabase!.authUserReferences.map((r) => `${r.table}.${r.columns.join()}`).sort();
    const [n] = await t.db.query<{ n: string }>(
      `select count(*) as n from pg_constraint where contype = 'f' and confrelid = 'auth.users'::regclass`,
    );
    expect(refs).toHaveLength(Number(n!.n));
    expect(refs).toContain('users.id');
    expect(catalog.supabase!.authPolicies.length).toBeGreaterThan(0);
  });
});
