import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const ROWS = [
  [1, 0, null, 'eu'],
  [2, 1, 'x', 'us'],
  [3, 2, null, 'eu'],
  [4, null, 'y', 'eu'],
  [5, 7, 'z', 'eu'],
];

const plan = (url: string) => `version: 1
source: { url: "${url}" }
services:
  shop: { tables: [orders] }
tables:
  orders:
    filter: "region = 'eu'"
    columns:
      status: { type: text, map: { "0": new, "1": paid, "2": shipped }, whenNull: unknown }
      note: { whenNull: "" }
`;

const EXPECTED = [
  { id: '1', status: 'new', note: '', region: 'eu' },
  { id: '3', status: 'shipped', note: '', region: 'eu' },
  { id: '4', status: 'unknown', note: 'y', region: 'eu' },
  // A value the map does not list is copied as it is.
  { id: '5', status: '7', note: 'z', region: 'eu' },
];

describe('copy with the plan’s value rules: filter, value map, value for NULL', () => {
  it('from SQLite', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'shop.sqlite');
    const db = new BetterSqlite3(source);
    db.exec('create table orders (id integer primary key, status integer, note text, region text not null)');
    const insert = db.prepare('insert into orders values (?, ?, ?, ?)');
    for (const row of ROWS) insert.run(...row);
    db.close();
    const target = await createTestDatabase('transforms_sqlite');
    const p = await projectWithPlan(`sqlite:${source}`, {
      plan: plan(`sqlite:${source}`),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: p.plan });
    const result = await runCopy({ planPath: p.plan, create: true });
    expect(
      await target.db.query('select id::text as id, status, note, region from shop.orders order by id'),
    ).toEqual(EXPECTED);
    // Filtered rows are not read; read = written + rejected holds for the rows that were.
    expect(result.tables[0]).toMatchObject({ read: 4, written: 4, rejected: 0 });
  });

  it('from PostgreSQL', async () => {
    const source = await createTestDatabase('transforms_pg_src');
    await source.db.query(
      'create table orders (id bigint primary key, status int, note text, region text not null)',
    );
    for (const row of ROWS) await source.db.query('insert into orders values ($1, $2, $3, $4)', row);
    const target = await createTestDatabase('transforms_pg_dst');
    const p = await projectWithPlan(source.url, { plan: plan(source.url), targetUrl: target.url });
    await runGenerate({ planPath: p.plan });
    const result = await runCopy({ planPath: p.plan, create: true });
    expect(
      await target.db.query('select id::text as id, status, note, region from shop.orders order by id'),
    ).toEqual(EXPECTED);
    expect(result.tables[0]).toMatchObject({ read: 4, written: 4, rejected: 0 });
  });
});

describe('renamed tables and columns, dropped columns: generate and copy agree', () => {
  it('orders -> purchases, region -> area, internal dropped; keys, indexes and the foreign key follow', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'shop.sqlite');
    const db = new BetterSqlite3(source);
    db.exec(`create table orders (id integer primary key, region text not null, internal text, note text);
      create index orders_region on orders (region);
      create table order_lines (id integer primary key, order_id integer not null references orders (id), qty integer);
      insert into orders values (1, 'eu', 'secret-1', 'a'), (2, 'us', 'secret-2', null);
      insert into order_lines values (10, 1, 3), (11, 2, 4);`);
    db.close();
    const target = await createTestDatabase('transforms_names');
    const text = `version: 1
source: { url: "sqlite:${source}" }
services:
  shop: { tables: [orders, order_lines] }
tables:
  orders:
    rename: purchases
    columns:
      region: { rename: area }
      internal: { drop: true }
  order_lines:
    columns:
      order_id: { rename: purchase_id }
`;
    const p = await projectWithPlan(`sqlite:${source}`, { plan: text, targetUrl: target.url });
    await runGenerate({ planPath: p.plan });
    const result = await runCopy({ planPath: p.plan, create: true });
    expect(result.tables.map((t) => [t.table, t.target, t.written])).toEqual([
      ['orders', 'shop.purchases', 2],
      ['order_lines', 'shop.order_lines', 2],
    ]);
    expect(await target.db.query('select * from shop.purchases order by id')).toEqual([
      { id: '1', area: 'eu', note: 'a' },
      { id: '2', area: 'us', note: null },
    ]);
    expect(await target.db.query('select id, purchase_id, qty from shop.order_lines order by id')).toEqual([
      { id: '10', purchase_id: '1', qty: '3' },
      { id: '11', purchase_id: '2', qty: '4' },
    ]);
    const [fk] = await target.db.query<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'shop.order_lines'::regclass and contype = 'f'`,
    );
    expect(fk!.def).toBe('FOREIGN KEY (purchase_id) REFERENCES shop.purchases(id)');
    const [ix] = await target.db.query<{ def: string }>(
      `select indexdef as def from pg_indexes where indexname = 'orders_region'`,
    );
    expect(ix!.def).toBe('CREATE INDEX orders_region ON shop.purchases USING btree (area)');
  });
});
