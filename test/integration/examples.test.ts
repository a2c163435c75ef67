import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { type ExampleName, examples } from '../../examples/index.js';
import { supabaseCompatible } from '../../examples/supabase/compat.js';
import { loadStub, loadSupabaseMigrations } from '../../examples/supabase/load.js';
import { planSchema } from '../../src/plan/schema.js';

// The server comes from the global setup (CLEAVE_TEST_PG_URL, or an embedded one); run alone, the local one.
const ADMIN_URL =
  (inject('pgAdminUrl') as string | undefined) ??
  process.env.CLEAVE_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const FIXTURES =
  process.env.CLEAVE_FIXTURES ?? fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

const created: string[] = [];

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh empty database `ex_test_<label>_<random>`, dropped in afterAll. Returns its URL. */
async function freshDatabase(label: string): Promise<string> {
  const name = `ex_test_${label.replace(/-/g, '_')}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database "${name}"`));
  created.push(name);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await withAdmin(async (c) => {
    for (const name of created) await c.query(`drop database if exists "${name}" with (force)`);
  });
});

const quote = (table: string): string =>
  table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');

/** Row count and an order-independent content checksum per table, read with our own SQL. */
async function pgTableFacts(
  url: string,
  tables: string[],
): Promise<Record<string, { rows: number; md5: string }>> {
  return withDatabase(url, async (client) => {
    const facts: Record<string, { rows: number; md5: string }> = {};
    for (const table of tables) {
      const { rows } = await client.query<{ n: string; md5: string }>(
        `select count(*) as n, md5(string_agg(t::text, '|' order by t::text)) as md5 from ${quote(table)} t`,
      );
      facts[table] = { rows: Number(rows[0]!.n), md5: rows[0]!.md5 };
    }
    return facts;
  });
}

function sqliteTableFacts(path: string, tables: string[]): Record<string, { rows: number; md5: string }> {
  const db = new Database(path, { readonly: true });
  try {
    const facts: Record<string, { rows: number; md5: string }> = {};
    for (const table of tables) {
      const { n } = db.prepare(`select count(*) as n from "${table}"`).get() as { n: number };
      const hash = createHash('md5');
      for (const row of db.prepare(`select * from "${table}" order by rowid`).raw().iterate()) {
        hash.update(`${JSON.stringify(row)}\n`);
      }
      facts[table] = { rows: n, md5: hash.digest('hex') };
    }
    return facts;
  } finally {
    db.close();
  }
}

/** The plan file with every `${VAR:-default}` replaced by its default, as when no variable is set. */
async function planOf(name: ExampleName): Promise<unknown> {
  const text = await readFile(join(examples[name].dir, 'cleave.yaml'), 'utf8');
  return parse(text.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}/g, '$1'));
}

/** Every table the plan hands to a service, plus auth.users when a service takes over Supabase's users. */
function plannedTables(plan: {
  services: Record<string, { tables: string[] }>;
  supabase?: object;
}): string[] {
  const tables = Object.values(plan.services).flatMap((s) => s.tables);
  if (plan.supabase) tables.push('auth.users');
  return tables.sort();
}

const postgresExamples = (Object.keys(examples) as ExampleName[]).filter(
  (n) => examples[n].engine === 'postgres',
);

describe('example monoliths on PostgreSQL', () => {
  it.each(postgresExamples)('%s builds the same data twice, with the counts it reports', async (name) => {
    const [first, second] = [await freshDatabase(name), await freshDatabase(name)];
    // Two builds at once: the stub's role creation must tolerate a concurrent run on the same server.
    const [a, b] = await Promise.all([
      examples[name].build({ url: first }),
      examples[name].build({ url: second }),
    ]);
    expect(b.tables).toEqual(a.tables);
    const tables = Object.keys(a.tables);
    const factsA = await pgTableFacts(first, tables);
    const factsB = await pgTableFacts(second, tables);
    for (const table of tables) {
      expect(a.tables[table], table).toBeGreaterThan(0);
      expect(factsA[table]!.rows, table).toBe(a.tables[table]);
      expect(factsB[table]!.md5, table).toBe(factsA[table]!.md5);
    }
    const plan = planSchema.parse(await planOf(name));
    expect(plannedTables(plan)).toEqual([...tables].sort());
  });
});

describe('example monolith on SQLite', () => {
  it('seo-content builds the same data twice, with the counts it reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cleave-examples-'));
    try {
      const [first, second] = [join(dir, 'a.sqlite'), join(dir, 'b.sqlite')];
      const a = await examples['seo-content'].build({ url: `sqlite:${first}` });
      const b = await examples['seo-content'].build({ url: `sqlite:${second}` });
      expect(b.tables).toEqual(a.tables);
      const tables = Object.keys(a.tables);
      const factsA = sqliteTableFacts(first, tables);
      const factsB = sqliteTableFacts(second, tables);
      for (const table of tables) {
        expect(a.tables[table], table).toBeGreaterThan(0);
        expect(factsA[table]!.rows, table).toBe(a.tables[table]);
        expect(factsB[table]!.md5, table).toBe(factsA[table]!.md5);
      }
      expect(Object.values(a.tables).reduce((x, y) => x + y, 0)).toBe(10_000);
      const plan = planSchema.parse(await planOf('seo-content'));
      expect(plannedTables(plan)).toEqual([...tables].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a different seed gives different data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cleave-examples-'));
    try {
      await examples['seo-content'].build({ url: `sqlite:${join(dir, 'a.sqlite')}`, scale: 0.1 });
      await examples['seo-content'].build({ url: `sqlite:${join(dir, 'b.sqlite')}`, scale: 0.1, seed: 2 });
      const a = sqliteTableFacts(join(dir, 'a.sqlite'), ['users', 'headings']);
      const b = sqliteTableFacts(join(dir, 'b.sqlite'), ['users', 'headings']);
      expect(b.headings!.rows).toBe(a.headings!.rows);
      expect(b.headings!.md5).not.toBe(a.headings!.md5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('example plans', () => {
  it.each(Object.keys(examples) as ExampleName[])('%s/cleave.yaml matches the plan schema', async (name) => {
    const result = planSchema.safeParse(await planOf(name));
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });
});

describe('supabaseCompatible', () => {
  it('drops what plain PostgreSQL lacks and leaves quoted text and function bodies alone', () => {
    const sql = [
      'create extension if not exists "vector" with schema extensions;',
      'create table t (e vector(3), f extensions.vector(4));',
      "create function g() returns void language plpgsql as $$ begin perform 'x;y'; -- vector(9);",
      'end $$;',
      'CREATE INDEX i ON t',
      '  USING ivfflat (e);',
      "select 'vector(5)'",
    ].join('\n');
    const out = supabaseCompatible(sql);
    expect(out.skipped).toEqual([
      'create extension if not exists "vector" with schema extensions;',
      'CREATE INDEX i ON t\n  USING ivfflat (e);',
    ]);
    expect(out.sql).toContain('create table t (e extensions.vector(3), f extensions.vector(4));');
    expect(out.sql).toContain("$$ begin perform 'x;y'; -- vector(9);\nend $$;");
    expect(out.sql).toContain("select 'vector(5)'");
    expect(out.sql).not.toMatch(/^create extension/m);
  });
});

const migrations = (project: string): string => join(FIXTURES, 'supabase', project, 'supabase', 'migrations');

describe.skipIf(!existsSync(migrations('chatbot-ui')))(
  'Supabase migrations over examples/supabase/stub.sql',
  () => {
    it('loads all chatbot-ui migrations, keeping vector dimensions and auth.users references', async () => {
      const url = await freshDatabase('chatbot_ui');
      await withDatabase(url, async (client) => {
        await loadStub(client);
        await loadStub(client); // idempotent
        const { files, skipped } = await loadSupabaseMigrations(client, migrations('chatbot-ui'));
        expect(files).toHaveLength(25);
        expect(skipped).toHaveLength(4); // create extension http, vector; two hnsw indexes
        await client.query('set search_path = public');
        const { rows: types } = await client.query<{ attname: string; type: string }>(
          `select attname, format_type(atttypid, atttypmod) as type from pg_attribute
          where attrelid = 'public.file_items'::regclass and attname in ('local_embedding', 'openai_embedding')
          order by attname`,
        );
        expect(types).toEqual([
          { attname: 'local_embedding', type: 'extensions.vector(384)' },
          { attname: 'openai_embedding', type: 'extensions.vector(1536)' },
        ]);
        const { rows } = await client.query<{ n: string }>(
          `select count(*) as n from pg_constraint where contype = 'f' and confrelid = 'auth.users'::regclass`,
        );
        expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(26);
      });
    });

    it('loads the nextjs-subscription-payments migration', async () => {
      const url = await freshDatabase('subscriptions');
      await withDatabase(url, async (client) => {
        await loadStub(client);
        const { files, skipped } = await loadSupabaseMigrations(
          client,
          migrations('nextjs-subscription-payments'),
        );
        expect(files).toHaveLength(1);
        expect(skipped).toEqual([]);
        const { rows } = await client.query<{ n: string }>(
          `select count(*) as n from pg_tables where schemaname = 'public'`,
        );
        expect(Number(rows[0]!.n)).toBe(5);
      });
    });
  },
);
