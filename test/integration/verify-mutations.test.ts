import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { runVerify } from '../../src/app/verify.js';
import type { RowDiff, TableResult } from '../../src/verify/compare.js';
import { loadNativeHash } from '../../src/verify/native-hash.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

// One dataset, four kinds of key (integer, uuid, text, composite) and one table split across two services.
const ROWS = 2500;
const uuid = (i: number) =>
  `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0')}`;

function sqliteSchema(): string {
  return `
    create table items (id integer primary key, name text not null, price numeric(10,2) not null, weight real,
      created_at timestamp not null, meta json, data blob, note text);
    create table accounts (id uuid primary key, email text not null, balance numeric(12,2));
    create table tags (slug text primary key, label text);
    create table memberships (account_id uuid not null, tag_slug text not null, since timestamp not null,
      primary key (account_id, tag_slug));
    create table events (id integer primary key, kind text not null, payload text);`;
}

function rows() {
  const items = Array.from({ length: ROWS }, (_, n) => {
    const i = n + 1;
    return [
      i,
      `item ${i} "quoted", (paren) ü`,
      ((i * 37) % 10000) / 100,
      i / 7,
      `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(3, '0')}`,
      JSON.stringify({ b: i, a: [i % 3, 'x'], nested: { k: i % 2 === 0 } }),
      Buffer.from([i % 256, (i * 3) % 256, 7]),
      i % 5 === 0 ? null : `note ${i}`,
    ];
  });
  const accounts = Array.from({ length: 1500 }, (_, n) => [
    uuid(n + 1),
    `user${n + 1}@example.com`,
    n * 1.25,
  ]);
  const tags = Array.from({ length: 1200 }, (_, n) => [`tag-${n + 1}`, `Tag ${n + 1}`]);
  const memberships = Array.from({ length: 1500 }, (_, n) => [
    uuid((n % 1500) + 1),
    `tag-${(n % 1200) + 1}`,
    `2023-06-01 00:00:${String(n % 60).padStart(2, '0')}`,
  ]);
  const events = Array.from({ length: 1200 }, (_, n) => [n + 1, n % 3 === 0 ? 'invoice' : 'login', `p${n}`]);
  return { items, accounts, tags, memberships, events };
}

async function sqliteSource(dir: string): Promise<string> {
  const file = join(dir, 'mutations.sqlite');
  const db = new BetterSqlite3(file);
  db.exec(sqliteSchema());
  const data = rows();
  const insert = (table: string, values: unknown[][]) => {
    const s = db.prepare(`insert into ${table} values (${values[0]!.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (const v of values) s.run(...v);
    })();
  };
  for (const [table, values] of Object.entries(data)) insert(table, values);
  db.close();
  return file;
}

async function postgresSource(db: TestDatabase): Promise<void> {
  await db.db.query(`
    create table items (id bigint primary key, name text not null, price numeric(10,2) not null, weight double precision,
      created_at timestamptz not null, meta jsonb, data bytea, note text);
    create table accounts (id uuid primary key, email text not null, balance numeric(12,2));
    create table tags (slug text primary key, label text);
    create table memberships (account_id uuid not null, tag_slug text not null, since timestamptz not null,
      primary key (account_id, tag_slug));
    create table events (id bigint primary key, kind text not null, payload text);`);
  const data = rows();
  for (const [table, values] of Object.entries(data)) {
    for (let i = 0; i < values.length; i += 500) {
      const batch = values.slice(i, i + 500);
      const width = batch[0]!.length;
      await db.db.query(
        `insert into ${table} values ${batch.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ')}`,
        batch.flat().map((v) => (typeof v === 'string' && v.startsWith('2024-') ? `${v}Z` : v)),
      );
    }
  }
}

const plan = (sourceUrl: string) => `version: 1
source: { url: "${sourceUrl}" }
services:
  shop: { tables: [items, accounts, tags, memberships, events] }
  audit: { tables: [events] }
tables:
  events:
    split:
      shop: "kind = 'invoice'"
      audit: "kind <> 'invoice'"
`;

/** The next double after x: a change in the last digit. */
function nextDouble(x: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  b.setBigUint64(0, b.getBigUint64(0) + 1n);
  return b.getFloat64(0);
}

const find = (tables: TableResult[], service: string, table: string) =>
  tables.find((t) => t.service === service && t.table === table)!;
const diffOf = (t: TableResult, kind: RowDiff['kind'], key: Record<string, string>) =>
  t.diffs.find((d) => d.kind === kind && Object.entries(key).every(([k, v]) => d.key[k] === v));
const columnsOf = (d: RowDiff | undefined) => d?.columns?.map((c) => c.column);

describe.each(['sqlite', 'postgres'] as const)('cleave verify mutation suite (%s source)', (engine) => {
  it('a clean copy verifies clean; every single mutation is found with its key and column', async () => {
    const target = await createTestDatabase(`verify_mut_${engine}`);
    let sourceUrl: string;
    if (engine === 'sqlite') {
      const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
      sourceUrl = `sqlite:${await sqliteSource(dir)}`;
    } else {
      const source = await createTestDatabase('verify_mut_src');
      await postgresSource(source);
      sourceUrl = source.url;
    }
    const project = await projectWithPlan(sourceUrl, { plan: plan(sourceUrl), targetUrl: target.url });
    await runGenerate({ planPath: project.plan });
    await runCopy({ planPath: project.plan, create: true, chunkRows: 700 });

    const clean = await runVerify({ planPath: project.plan });
    expect(
      clean.tables.filter((t) => t.status !== 'match'),
      JSON.stringify(clean.tables.map((t) => t.diffs)),
    ).toEqual([]);
    expect(clean.tables.map((t) => [t.service, t.table, t.sourceRows, t.targetRows])).toEqual([
      ['shop', 'items', ROWS, ROWS],
      ['shop', 'accounts', 1500, 1500],
      ['shop', 'tags', 1200, 1200],
      ['shop', 'memberships', 1500, 1500],
      ['shop', 'events', 400, 400],
      ['audit', 'events', 800, 800],
    ]);
    expect(clean.tables.every((t) => t.notCompared.length === 0)).toBe(true);
    if (engine === 'sqlite') {
      // Where the extension is built it hashes every table (items' nested JSON in JavaScript): uuid, text and
      // composite keys by their hash, the split events table by its integer key.
      const native = loadNativeHash(new BetterSqlite3(':memory:')) ? 'sqlite-extension' : 'javascript';
      expect(clean.tables.map((t) => [t.table, t.sourceHashedBy])).toEqual([
        ['items', native],
        ['accounts', native],
        ['tags', native],
        ['memberships', native],
        ['events', native],
        ['events', native],
      ]);
    }

    const q = (sql: string, params: unknown[] = []) => target.db.query(sql, params);
    const weight = Number((await q('select weight from shop.items where id = 42'))[0]!.weight);
    await q('delete from shop.items where id = 7');
    await q(`insert into shop.items (id, name, price, created_at) values (99999, 'extra', 1, now())`);
    await q(`update shop.items set name = overlay(name placing 'J' from 6 for 1) where id = 11`);
    await q(`update shop.items set note = repeat('x', 300) || 'a' || repeat('y', 300) where id = 13`);
    await q('update shop.items set price = price + 0.01 where id = 12');
    await q('update shop.items set weight = $1 where id = 42', [nextDouble(weight)]);
    await q(`update shop.items set note = '' where id = 15`);
    await q(`update shop.items set created_at = created_at + interval '1 microsecond' where id = 16`);
    await q(
      `update shop.items set meta = jsonb_set(meta::jsonb, '{a,0}', '9')::${await typeOf(target, 'items', 'meta')} where id = 17`,
    );
    await q('update shop.items set data = set_byte(data, 2, 8) where id = 18');
    await q(`update shop.accounts set email = 'USER5@example.com' where id = $1`, [uuid(5)]);
    await q(`delete from shop.accounts where id = $1`, [uuid(6)]);
    await q(`update shop.tags set label = 'Tag 99 ' where slug = 'tag-99'`);
    await q(`delete from shop.tags where slug = 'tag-100'`);
    await q(
      `update shop.memberships set since = since + interval '1 microsecond' where account_id = $1 and tag_slug = 'tag-3'`,
      [uuid(3)],
    );
    await q(`insert into shop.memberships (account_id, tag_slug, since) values ($1, 'tag-1', now())`, [
      uuid(2),
    ]);
    // A row moved to the wrong service: audit's event 2 now sits in shop.
    await q('insert into shop.events select * from audit.events where id = 2');
    await q('delete from audit.events where id = 2');

    // SQLite: the large-table route (rows read in worker threads) must find exactly the same.
    const result = await runVerify({ planPath: project.plan, maxDiffs: 50, workerRows: 1000 });
    if (engine === 'sqlite') expect(find(result.tables, 'shop', 'items').sourceWorkers).toBeGreaterThan(1);
    expect(result.ok).toBe(false);
    const items = find(result.tables, 'shop', 'items');
    expect([items.missing, items.extra, items.changed]).toEqual([1, 1, 8]);
    expect(diffOf(items, 'missing', { id: '7' })).toBeDefined();
    expect(diffOf(items, 'extra', { id: '99999' })).toBeDefined();
    expect(columnsOf(diffOf(items, 'changed', { id: '11' }))).toEqual(['name']);
    expect(columnsOf(diffOf(items, 'changed', { id: '12' }))).toEqual(['price']);
    // A long value is cut (around where the two sides first differ: here at its start).
    expect(diffOf(items, 'changed', { id: '13' })?.columns).toEqual([
      { column: 'note', source: 'note 13', target: `${'x'.repeat(120)}… (601 characters)` },
    ]);
    expect(columnsOf(diffOf(items, 'changed', { id: '42' }))).toEqual(['weight']);
    expect(diffOf(items, 'changed', { id: '15' })?.columns).toEqual([
      { column: 'note', source: null, target: '' },
    ]);
    expect(columnsOf(diffOf(items, 'changed', { id: '16' }))).toEqual(['created_at']);
    expect(columnsOf(diffOf(items, 'changed', { id: '17' }))).toEqual(['meta']);
    expect(columnsOf(diffOf(items, 'changed', { id: '18' }))).toEqual(['data']);

    const accounts = find(result.tables, 'shop', 'accounts');
    expect(columnsOf(diffOf(accounts, 'changed', { id: uuid(5) }))).toEqual(['email']);
    expect(diffOf(accounts, 'missing', { id: uuid(6) })).toBeDefined();
    const tags = find(result.tables, 'shop', 'tags');
    expect(columnsOf(diffOf(tags, 'changed', { slug: 'tag-99' }))).toEqual(['label']);
    expect(diffOf(tags, 'missing', { slug: 'tag-100' })).toBeDefined();
    const memberships = find(result.tables, 'shop', 'memberships');
    expect(columnsOf(diffOf(memberships, 'changed', { account_id: uuid(3), tag_slug: 'tag-3' }))).toEqual([
      'since',
    ]);
    expect(diffOf(memberships, 'extra', { account_id: uuid(2), tag_slug: 'tag-1' })).toBeDefined();
    expect(diffOf(find(result.tables, 'shop', 'events'), 'extra', { id: '2' })).toBeDefined();
    expect(diffOf(find(result.tables, 'audit', 'events'), 'missing', { id: '2' })).toBeDefined();
    // Nothing else is reported.
    expect(result.tables.reduce((n, t) => n + t.missing + t.extra + t.changed, 0)).toBe(10 + 2 + 2 + 2 + 2);

    // Results are kept in the control schema.
    const stored = await q(
      `select r.status, count(*)::int as tables from cleave.verify_runs r join cleave.verify_results v on v.run_id = r.id
        where r.service = 'shop' group by r.id, r.status order by r.id`,
    );
    expect(stored).toEqual([
      { status: 'match', tables: 5 },
      { status: 'differ', tables: 5 },
    ]);

    // The hash of the whole row's text (for servers before PostgreSQL 14) finds exactly the same.
    const byText = await runVerify({
      planPath: project.plan,
      maxDiffs: 50,
      workerRows: 1000,
      hashFormat: 'text',
    });
    const counts = (r: typeof result) =>
      r.tables.map((t) => [t.service, t.table, t.missing, t.extra, t.changed, t.diffs.length]);
    expect(counts(byText)).toEqual(counts(result));
  });
});

async function typeOf(db: TestDatabase, table: string, column: string): Promise<string> {
  const rows = await db.db.query<{ t: string }>(
    `select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = $1::regclass and attname = $2`,
    [`shop.${table}`, column],
  );
  return rows[0]!.t;
}
