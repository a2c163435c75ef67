import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExampleName, examples } from '../../examples/index.js';
import { runGenerate } from '../../src/app/generate.js';
import { runMigrateDown, runMigrateStatus, runMigrateUp } from '../../src/app/migrate.js';
import { loadPlanFile } from '../../src/app/plan-file.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog } from '../../src/catalog/model.js';
import { connect } from '../../src/db/connect.js';
import { loadChinookPg, loadPagila, loadSupabaseProject, SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan, shape, targetCatalog } from '../helpers/project.js';

/** generate -> migrate up -> status clean -> down to zero -> up again, then compare every target with the source. */
async function roundTrip(plan: string): Promise<Awaited<ReturnType<typeof runGenerate>>> {
  const generated = await runGenerate({ planPath: plan });
  expect(generated.services.every((s) => s.status === 'written')).toBe(true);
  const up = await runMigrateUp({ planPath: plan });
  for (const r of up.results) expect(r.migrations.map((m) => m.state)).toEqual(['applied']);
  const status = await runMigrateStatus({ planPath: plan });
  expect(status.results.flatMap((r) => r.migrations.map((m) => m.state)).every((s) => s === 'applied')).toBe(
    true,
  );
  const down = await runMigrateDown({ planPath: plan, to: '0' });
  expect(down.results.flatMap((r) => r.migrations.map((m) => m.state)).every((s) => s === 'pending')).toBe(
    true,
  );
  const again = await runMigrateUp({ planPath: plan });
  expect(again.results.flatMap((r) => r.migrations.map((m) => m.state)).every((s) => s === 'applied')).toBe(
    true,
  );
  return generated;
}

/** Each PostgreSQL-sourced service's tables keep their columns, types, nullability and keys. */
async function comparePostgres(
  plan: string,
  source: Catalog,
  typeOf?: (column: Catalog['tables'][number]['columns'][number]) => string,
): Promise<void> {
  const planFile = await loadPlanFile(plan);
  for (const [service, spec] of Object.entries(planFile.plan.services)) {
    const url = planFile.plan.layout === 'databases' ? spec.url! : planFile.plan.target!.url!;
    const schema = planFile.plan.layout === 'databases' ? 'public' : (spec.schema ?? service);
    const target = await targetCatalog(url, schema);
    const owned = new Set(spec.tables);
    for (const id of spec.tables) {
      const src = source.tables.find((t) => t.id === id)!;
      const dst = target.tables.find((t) => t.name === src.name);
      expect(dst, `${service}.${src.name}`).toBeDefined();
      expect(shape(dst!), `${service}.${src.name}`).toEqual(shape(src, typeOf ? { typeOf } : {}));
      // FKs inside the service survive; those to other services are gone (an index and a comment stay).
      const usersHere = planFile.plan.supabase?.usersService === service;
      const inside = src.foreignKeys
        .filter(
          (fk) =>
            owned.has(fk.references.name) ||
            (usersHere && fk.references.schema === 'auth' && fk.references.name === 'users'),
        )
        .map((fk) => `${fk.columns}->${fk.references.schema === 'auth' ? 'auth_users' : fk.references.name}`)
        .sort();
      expect(
        dst!.foreignKeys.map((fk) => `${fk.columns}->${fk.references.name}`).sort(),
        `${service}.${src.name} FKs`,
      ).toEqual(inside);
      for (const fk of src.foreignKeys.filter(
        (f) => !owned.has(f.references.name) && f.references.schema !== 'auth',
      )) {
        expect(
          dst!.indexes.some((ix) => ix.columns[0] === fk.columns[0]) ||
            dst!.primaryKey?.columns[0] === fk.columns[0],
          `${src.name}.${fk.columns} indexed`,
        ).toBe(true);
        expect(dst!.columns.find((c) => c.name === fk.columns[0])?.comment).toMatch(
          /^Cross-service reference to service /,
        );
      }
      const srcIndexes = src.indexes.filter(
        (ix) =>
          !ix.primary &&
          !src.uniqueKeys.some((u) => u.name === ix.name) &&
          ['btree', 'gin', 'gist', 'hash', 'brin'].includes(ix.method),
      );
      for (const ix of srcIndexes)
        expect(
          dst!.indexes.map((d) => d.name),
          `${src.name} index ${ix.name}`,
        ).toContain(ix.name);
    }
    expect(target.tables.map((t) => t.name).sort()).toEqual(
      [
        ...spec.tables.map((id) => source.tables.find((t) => t.id === id)!.name),
        ...(planFile.plan.supabase?.usersService === service && source.supabase ? ['auth_users'] : []),
      ].sort(),
    );
  }
}

async function sourceCatalog(url: string, schemas?: string[]): Promise<Catalog> {
  const db = await connect(url);
  try {
    return await introspect(db, { schemas, counts: 'estimate' });
  } finally {
    await db.close();
  }
}

describe('generate and migrate: PostgreSQL sources', () => {
  it('Chinook (PostgreSQL): round trip, and every table keeps its shape', async () => {
    const source = await createTestDatabase('gm_chinook_src');
    await loadChinookPg(source.db);
    const target = await createTestDatabase('gm_chinook_dst');
    const { plan } = await projectWithPlan(source.url, { targetUrl: target.url });
    await roundTrip(plan);
    await comparePostgres(plan, await sourceCatalog(source.url));
  });

  it('Pagila: enums, domains, sequences, partitioned payment, indexes', async () => {
    const source = await createTestDatabase('gm_pagila_src');
    await loadPagila(source.db);
    const target = await createTestDatabase('gm_pagila_dst');
    const { plan } = await projectWithPlan(source.url, { targetUrl: target.url });
    await roundTrip(plan);
    await comparePostgres(plan, await sourceCatalog(source.url));
    const planFile = await loadPlanFile(plan);
    const filmService = Object.entries(planFile.plan.services).find(([, s]) => s.tables.includes('film'))![0];
    const film = (await targetCatalog(target.url, filmService)).tables.find((t) => t.name === 'film')!;
    expect(film.columns.find((c) => c.name === 'rating')?.userType).toBe(`${filmService}.mpaa_rating`);
    expect(film.columns.find((c) => c.name === 'film_id')?.default).toMatch(
      /^nextval\('.*film_film_id_seq'::regclass\)$/,
    );
  });

  it('chatbot-ui over the auth stub: auth.uid() policies rewritten, auth.users taken over by one service', async () => {
    const source = await createTestDatabase('gm_chatbot_src');
    await loadSupabaseProject(source.db, 'chatbot-ui');
    const target = await createTestDatabase('gm_chatbot_dst');
    const { plan } = await projectWithPlan(source.url, { targetUrl: target.url });
    const planFile = await loadPlanFile(plan);
    expect(planFile.plan.supabase?.usersService).toBeDefined();
    const generated = await roundTrip(plan);
    const catalog = await sourceCatalog(source.url, ['public']);
    // No pgvector on the test servers: vector columns become real[] (written in the migration's header).
    await comparePostgres(plan, catalog, (c) =>
      /vector\(\d+\)$/.test(c.type) ? 'real[]' : c.userType ? c.userType.split('.').pop()! : c.type,
    );
    const policies = await target.db.query<{ qual: string | null; check: string | null }>(
      `select qual, with_check as check from pg_policies`,
    );
    expect(policies.length).toBeGreaterThan(20);
    for (const p of policies) expect(`${p.qual} ${p.check}`).not.toMatch(/auth\.uid/);
    expect(
      policies.some((p) => `${p.qual}`.includes("current_setting('app.user_id'::text, true))::uuid")),
    ).toBe(true);
    // Every source policy is either in the target or listed as left out, with the reason.
    const leftOut = generated.services.flatMap((s) =>
      s.ddl.notes.filter((n) => /: policy ".*" .*; left out$/.test(n)),
    );
    const sourcePolicies = catalog.tables.reduce((n, t) => n + t.policies.length, 0);
    expect(policies.length + leftOut.length).toBe(sourcePolicies);
  });
});

describe.each(['vending', 'budget', 'agents-saas'] as ExampleName[])(
  'generate and migrate: example %s',
  (name) => {
    let plan: string;
    let source: Catalog;
    beforeAll(async () => {
      const src = await createTestDatabase(`gm_${name.replace('-', '_')}_src`);
      await examples[name].build({ url: src.url, scale: 1 });
      const text = await readFile(join(examples[name].dir, 'cleave.yaml'), 'utf8');
      let planText = text.replace(/\$\{CLEAVE_EXAMPLE_SOURCE:-[^}]*\}/, src.url);
      let targetUrl: string | undefined;
      if (name === 'budget') {
        const api = await createTestDatabase('gm_budget_api');
        const notifications = await createTestDatabase('gm_budget_notif');
        planText = planText
          .replace(/\$\{BUDGET_API_URL:-[^}]*\}/, api.url)
          .replace(/\$\{BUDGET_NOTIFICATIONS_URL:-[^}]*\}/, notifications.url);
      } else {
        targetUrl = (await createTestDatabase(`gm_${name.replace('-', '_')}_dst`)).url;
      }
      ({ plan } = await projectWithPlan(src.url, { plan: planText, ...(targetUrl ? { targetUrl } : {}) }));
      source = await sourceCatalog(src.url, ['public']);
    });

    it('round trip, and every table keeps its shape', async () => {
      await roundTrip(plan);
      await comparePostgres(plan, source);
    });
  },
);

describe('generate and migrate: SQLite sources', () => {
  it('Chinook (SQLite): integer keys -> bigint identity, NVARCHAR(n) -> varchar(n), NUMERIC(10,2) kept, FKs inside services', async () => {
    const path = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('gm_chinook_sqlite');
    const { plan } = await projectWithPlan(`sqlite:${path}`, { targetUrl: target.url });
    await roundTrip(plan);
    const planFile = await loadPlanFile(plan);
    const serviceOf = (table: string) =>
      Object.entries(planFile.plan.services).find(([, s]) => s.tables.includes(table))![0];
    const track = (await targetCatalog(target.url, serviceOf('Track'))).tables.find(
      (t) => t.name === 'Track',
    )!;
    expect(shape(track).columns).toEqual([
      'TrackId bigint not null',
      'Name character varying(200) not null',
      'AlbumId bigint',
      'MediaTypeId bigint not null',
      'GenreId bigint',
      'Composer character varying(220)',
      'Milliseconds bigint not null',
      'Bytes bigint',
      'UnitPrice numeric(10,2) not null',
    ]);
    expect(track.columns[0]!.identity).toBe('by default');
    const invoice = (await targetCatalog(target.url, serviceOf('Invoice'))).tables.find(
      (t) => t.name === 'Invoice',
    )!;
    expect(invoice.columns.find((c) => c.name === 'InvoiceDate')?.type).toBe('timestamp with time zone');
    const playlistTrack = (await targetCatalog(target.url, serviceOf('PlaylistTrack'))).tables.find(
      (t) => t.name === 'PlaylistTrack',
    )!;
    expect(playlistTrack.primaryKey?.columns).toEqual(['PlaylistId', 'TrackId']);
  });

  it('seo-content: TEXT uuids -> uuid, JSON -> jsonb, ISO-8601 -> timestamptz, vector -> the plan fallback, secret -> bytea', async () => {
    const dir = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir.dir, 'monolith.sqlite');
    await examples['seo-content'].build({ url: `sqlite:${source}`, scale: 1 });
    const target = await createTestDatabase('gm_seo');
    const text = (await readFile(join(examples['seo-content'].dir, 'cleave.yaml'), 'utf8')).replace(
      'sqlite:./monolith.sqlite',
      `sqlite:${source}`,
    );
    const { plan } = await projectWithPlan(`sqlite:${source}`, { plan: text, targetUrl: target.url });
    await roundTrip(plan);
    const column = async (service: string, table: string, name: string) =>
      (await targetCatalog(target.url, service)).tables
        .find((t) => t.name === table)!
        .columns.find((c) => c.name === name)!.type;
    expect(await column('auth', 'users', 'id')).toBe('uuid');
    expect(await column('auth', 'users', 'created_at')).toBe('timestamp with time zone');
    expect(await column('auth', 'api_keys', 'owner_id')).toBe('uuid');
    expect(await column('auth', 'api_keys', 'metadata')).toBe('jsonb');
    expect(await column('auth', 'api_keys', 'secret')).toBe('bytea');
    expect(await column('jobs', 'jobs', 'payload')).toBe('jsonb');
    expect(await column('jobs', 'jobs', 'progress')).toBe('double precision');
    expect(await column('content', 'embeddings', 'vector')).toBe('real[]');
    // A reference to another service's key keeps that key's type, even when every sampled value is NULL.
    expect(await column('content', 'pages', 'source_job_id')).toBe('uuid');
    const [ext] = await target.db.query<{ n: string }>(
      `select count(*) as n from pg_extension where extname = 'pgcrypto'`,
    );
    expect(Number(ext!.n)).toBe(1);
  });

  it('pgloader’s sqlite.db: odd declarations and defaults generate SQL that PostgreSQL accepts', async () => {
    const path = await sqliteCopy(...SQLITE.pgloader('sqlite.db'));
    const target = await createTestDatabase('gm_pgloader');
    const { plan } = await projectWithPlan(`sqlite:${path}`, { targetUrl: target.url });
    const generated = await roundTrip(plan);
    const text = generated.services.map((s) => s.ddl.notes.join('\n')).join('\n');
    expect(text).toContain('default 0 is not a date');
    const all = (
      await Promise.all(generated.services.map((s) => targetCatalog(target.url, s.ddl.schema)))
    ).flatMap((c) => c.tables);
    const unsigned = all.find((t) => t.name === 'unsigned')!;
    expect(unsigned.columns.map((c) => c.type)).toEqual(['bigint', 'integer', 'smallint']);
    expect(all.find((t) => t.name === 't548')!.columns.map((c) => c.type)).toEqual([
      'numeric(20,6)',
      'numeric(12,4)',
    ]);
    expect(all.find((t) => t.name === 'blobs')!.columns.map((c) => c.type)).toEqual(['bigint', 'bytea']);
  });
});
