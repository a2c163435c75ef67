import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { examples } from '../../examples/index.js';
import { runGenerate } from '../../src/app/generate.js';
import { runVerify } from '../../src/app/verify.js';
import { runCli } from '../helpers/cli.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

async function copyCase(file: string, table: string, extra: string[] = []) {
  const source = await sqliteCopy(...SQLITE.pgloader(file));
  const target = await createTestDatabase('copy_rejects');
  const { dir, plan } = await projectWithPlan(`sqlite:${source}`, {
    plan: `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  app: { tables: [${table}] }\n`,
    targetUrl: target.url,
  });
  await runGenerate({ planPath: plan });
  const result = await runCli(['copy', '--create', '--plan', plan, '--json', ...extra]);
  const rejects = await readFile(join(dir, 'copy-rejects.jsonl'), 'utf8').then(
    (t) =>
      t
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    () => [],
  );
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return {
    result,
    rejects,
    summary: lines.find((l) => l.summary),
    error: lines.find((l) => l.error)?.error,
    target,
    plan,
  };
}

describe('copy rejects: never a silent loss', () => {
  it('bad-utf8.db: the one filename that is not UTF-8 is rejected and named; the run fails without --max-rejects', async () => {
    const failed = await copyCase('bad-utf8.db', 'files');
    expect(failed.result.code).toBe(1);
    expect(failed.error).toMatchObject({ code: 'COPY_REJECTS' });
    expect(failed.error.message).toContain('1 row(s) could not be copied (more than --max-rejects 0)');
    expect(failed.rejects).toEqual([
      {
        service: 'app',
        table: 'files',
        key: ['2'],
        column: 'filename',
        value: 'file\\x96name.txt',
        reason: 'invalid UTF-8',
      },
    ]);

    const allowed = await copyCase('bad-utf8.db', 'files', ['--max-rejects', '1']);
    expect(allowed.result.code, allowed.result.stderr).toBe(0);
    expect(allowed.summary.summary).toEqual([
      expect.objectContaining({ table: 'files', read: 3, written: 2, rejected: 1 }),
    ]);
    const rows = await allowed.target.db.query<{ id: string; filename: string }>(
      'select id, filename from app.files order by id',
    );
    expect(rows).toEqual([
      { id: '1', filename: 'valid-file.txt' },
      { id: '3', filename: 'another-valid.txt' },
    ]);
    // verify does not call that copy clean: the rejected row is missing, with the copy's reason.
    const verified = await runVerify({ planPath: allowed.plan });
    expect(verified.ok).toBe(false);
    expect(verified.tables.map((t) => [t.sourceRows, t.targetRows, t.missing, t.diffs])).toEqual([
      [3, 2, 1, [{ kind: 'missing', key: { id: '2' }, rejected: 'filename: invalid UTF-8' }]],
    ]);
  });

  it('type-mismatch.db: the text in an INTEGER column is rejected with its key; read = written + rejected', async () => {
    const { result, rejects, summary } = await copyCase('type-mismatch.db', 'products', [
      '--max-rejects',
      '5',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(rejects).toEqual([
      {
        service: 'app',
        table: 'products',
        key: ['2'],
        column: 'qty',
        value: 'lots-of-it',
        reason: 'not an integer',
      },
    ]);
    const [s] = summary.summary;
    expect(s).toMatchObject({ read: 3, written: 2, rejected: 1 });
    expect(s.read).toBe(s.written + s.rejected);
  });
});

describe('copy of text that may not be UTF-8', () => {
  const BODIES = [
    `'plain'`,
    `'caf' || char(65533) || ' menu'`,
    `'tab' || char(9) || 'and' || char(10) || 'newline'`,
    `'back\\slash'`,
    `'five'`,
    `cast(x'6f6b96' as text)`,
    `cast(x'610062' as text)`,
    `'eight'`,
    `char(65533)`,
    `'ten'`,
  ];
  it.each([
    {
      keyed: 'an INTEGER PRIMARY KEY, read in key order',
      type: 'integer',
      id: (n: number) => String(n),
      order: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      // Checkpoints are keys.
      checkpoint: { last_key: ['10'], position: 'key', last_row_key: null },
    },
    // Inserted out of key order: chunks are rowid ranges, checkpoints rowids with the key of the row named.
    {
      keyed: 'a text primary key, read in rowid order',
      type: 'text',
      id: (n: number) => `k${String(n).padStart(2, '0')}`,
      order: [10, 3, 7, 1, 9, 2, 6, 4, 8, 5],
      checkpoint: { last_key: ['10'], position: 'rowid', last_row_key: ['k05'] },
    },
  ])(
    '$keyed: a real U+FFFD is copied, invalid UTF-8 and NUL bytes mid-chunk are rejected, every other row copied once',
    async ({ type, id, order, checkpoint }) => {
      const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
      const source = join(dir, 'notes.sqlite');
      const sqlite = new BetterSqlite3(source);
      const literal = (n: number) => (type === 'integer' ? String(n) : `'${id(n)}'`);
      sqlite.exec(`create table notes (id ${type} primary key, body text not null);
      insert into notes values ${order.map((n) => `(${literal(n)}, ${BODIES[n - 1]})`).join(', ')};`);
      sqlite.close();
      const target = await createTestDatabase('copy_utf8');
      const project = await projectWithPlan(`sqlite:${source}`, {
        plan: `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  app: { tables: [notes] }\n`,
        targetUrl: target.url,
      });
      await runGenerate({ planPath: project.plan });
      // Chunks of 4: the invalid rows are in the middle chunk, a real U+FFFD starts the last one.
      const result = await runCli([
        'copy',
        '--create',
        '--plan',
        project.plan,
        '--chunk-rows',
        '4',
        '--max-rejects',
        '2',
        '--json',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const rows = await target.db.query<{ id: string; body: string }>(
        'select id::text as id, body from app.notes order by notes.id',
      );
      expect(rows).toEqual([
        { id: id(1), body: 'plain' },
        { id: id(2), body: 'caf\uFFFD menu' },
        { id: id(3), body: 'tab\tand\nnewline' },
        { id: id(4), body: 'back\\slash' },
        { id: id(5), body: 'five' },
        { id: id(8), body: 'eight' },
        { id: id(9), body: '\uFFFD' },
        { id: id(10), body: 'ten' },
      ]);
      const rejects = await target.db.query(
        'select key, column_name, value_excerpt, reason from cleave.copy_rejects order by key::text',
      );
      expect(rejects).toEqual([
        { key: [id(6)], column_name: 'body', value_excerpt: 'ok\\x96', reason: 'invalid UTF-8' },
        {
          key: [id(7)],
          column_name: 'body',
          value_excerpt: 'a\\x00b',
          reason: 'NUL byte in text (PostgreSQL text cannot hold it)',
        },
      ]);
      const [progress] = await target.db.query(
        'select last_key, position, last_row_key, rows_read, rows_written, rows_rejected, done from cleave.copy_progress',
      );
      expect(progress).toEqual({
        ...checkpoint,
        rows_read: '10',
        rows_written: '8',
        rows_rejected: '2',
        done: true,
      });
    },
  );
});

describe('copy of JSON into jsonb', () => {
  it('what jsonb cannot store is rejected with its reason (never a failed chunk); the rest reads back as it was', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'docs.sqlite');
    const sqlite = new BetterSqlite3(source);
    const docs = [
      '{"k": 1, "tag": "t1"}',
      '{"s": "\\ud800 alone"}',
      '{"n": "\\u0000"}',
      '{"a": 1,}',
      '{"pair": "\\ud83d\\ude00", "tab": "a\\tb"}',
      '[1.5, -2e3, {"x": [null, true]}]',
      '{\n  "pretty": true\n}',
    ];
    sqlite.exec('create table docs (id integer primary key, doc text not null)');
    const insert = sqlite.prepare('insert into docs values (?, ?)');
    for (const [i, d] of docs.entries()) insert.run(i + 1, d);
    sqlite.close();
    const target = await createTestDatabase('copy_jsonb');
    const project = await projectWithPlan(`sqlite:${source}`, {
      plan: `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  app: { tables: [docs] }\ntables:\n  docs: { columns: { doc: { type: jsonb } } }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: project.plan });
    const result = await runCli(['copy', '--create', '--plan', project.plan, '--max-rejects', '3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = await target.db.query<{ id: number; same: boolean }>(
      'select id::int as id, doc = $1::jsonb or doc = $2::jsonb or doc = $3::jsonb or doc = $4::jsonb as same from app.docs order by id',
      [docs[0], docs[4], docs[5], docs[6]],
    );
    expect(rows).toEqual([
      { id: 1, same: true },
      { id: 5, same: true },
      { id: 6, same: true },
      { id: 7, same: true },
    ]);
    const rejects = await target.db.query('select key, reason from cleave.copy_rejects order by key::text');
    expect(rejects).toEqual([
      {
        key: ['2'],
        reason: 'JSON with an unpaired surrogate escape (\\ud800-\\udfff), which jsonb cannot store',
      },
      { key: ['3'], reason: 'JSON with \\u0000, which PostgreSQL cannot store' },
      { key: ['4'], reason: 'not valid JSON' },
    ]);
  });
});

describe('copy of rows that break a foreign key', () => {
  it('orphans a SQLite file kept (it does not enforce foreign keys) fail the copy with their count and examples; fixed, --resume validates the key', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'orders.sqlite');
    const sqlite = new BetterSqlite3(source);
    // As most SQLite apps run: foreign keys declared, not enforced.
    sqlite.pragma('foreign_keys = OFF');
    sqlite.exec(`create table customers (id integer primary key, name text not null);
      create table orders (id integer primary key, customer_id integer references customers (id), total real);
      insert into customers values (1, 'a'), (2, 'b');
      insert into orders values (10, 1, 5), (11, 7, 6), (12, null, 7), (13, 9, 8), (14, 2, 9);`);
    sqlite.close();
    const target = await createTestDatabase('copy_orphans');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  shop: { tables: [customers, orders] }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const failed = await runCli(['copy', '--create', '--plan', plan]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'shop.orders: 2 row(s) reference rows that shop.customers does not have (foreign key orders_customer_id_fkey on customer_id; for example 7; 9)',
    );
    expect(failed.stderr).toContain('cleave copy --resume');
    // Every row was copied; the key is there, not yet valid, and still recorded to be validated.
    const [copied] = await target.db.query<{ n: string }>('select count(*) as n from shop.orders');
    expect(copied!.n).toBe('5');
    const key = `select convalidated as valid from pg_constraint where conname = 'orders_customer_id_fkey'`;
    expect(await target.db.query(key)).toEqual([{ valid: false }]);
    await target.db.query('delete from shop.orders where customer_id in (7, 9)');
    const resumed = await runCli(['copy', '--resume', '--plan', plan]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await target.db.query(key)).toEqual([{ valid: true }]);
    expect(await target.db.query('select * from cleave.copy_dropped_constraints')).toEqual([]);
  });
});

describe('copy with an encrypted column', () => {
  it('seo-content api_keys.secret: decrypts with the key to the source value; the key appears nowhere', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'monolith.sqlite');
    await examples['seo-content'].build({ url: `sqlite:${source}`, scale: 1 });
    const target = await createTestDatabase('copy_encrypt');
    const text = (await readFile(join(examples['seo-content'].dir, 'cleave.yaml'), 'utf8')).replace(
      'sqlite:./monolith.sqlite',
      `sqlite:${source}`,
    );
    const { plan } = await projectWithPlan(`sqlite:${source}`, { plan: text, targetUrl: target.url });
    const key = 'k3y-Th4t-Must-N3ver-Show';
    await runGenerate({ planPath: plan });

    const missing = await runCli(['copy', '--create', '--plan', plan]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'api_keys.secret is encrypted with the key in CLEAVE_SECRET_KEY, which is not set',
    );

    const result = await runCli(['copy', '--create', '--fresh', '--plan', plan, '--json'], {
      env: { CLEAVE_SECRET_KEY: key },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(key);

    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const sqlite = new BetterSqlite3(source, { readonly: true });
    const expected = sqlite.prepare('select id, secret from api_keys order by id').all() as {
      id: string;
      secret: string;
    }[];
    sqlite.close();
    const actual = await target.db.query<{ id: string; secret: string; raw: Buffer }>(
      'select id::text as id, pgp_sym_decrypt(secret, $1) as secret, secret as raw from auth.api_keys order by id::text',
      [key],
    );
    expect(actual.map(({ id, secret }) => ({ id, secret }))).toEqual(expected);
    for (const row of actual) expect(row.raw.toString('latin1')).not.toContain(row.secret);
    // Nor is the key in Cleave's bookkeeping.
    const control = await target.db.query(`select * from cleave.copy_progress`);
    expect(JSON.stringify(control)).not.toContain(key);
  });

  it('repair in the plan: invalid UTF-8 and NUL bytes copied repaired, each listed as repaired, and verify agrees', async () => {
    const source = await sqliteCopy(...SQLITE.pgloader('bad-utf8.db'));
    const db = new BetterSqlite3(source);
    db.exec(`create table notes (id integer primary key, body text)`);
    db.prepare('insert into notes values (?, ?)').run(1, 'clean');
    db.prepare('insert into notes values (?, ?)').run(2, 'a\u0000b');
    db.close();
    const target = await createTestDatabase('copy_repair');
    const { dir, plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: `version: 1
source: { url: "sqlite:${source}" }
services:
  app: { tables: [files, notes] }
tables:
  files: { columns: { filename: { repair: { invalidUtf8: replace } } } }
  notes: { columns: { body: { repair: { nul: remove } } } }
`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const result = await runCli(['copy', '--create', '--plan', plan, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((l) => l.summary);
    expect(
      summary.summary.map((t: { table: string; read: number; written: number; rejected: number }) => [
        t.table,
        t.read,
        t.written,
        t.rejected,
      ]),
    ).toEqual([
      ['files', 3, 3, 0],
      ['notes', 2, 2, 0],
    ]);
    expect(summary.repaired).toBe(2);
    // Tables are copied at once: their lines are in the order they were written.
    const lines = (await readFile(join(dir, 'copy-rejects.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .sort((a, b) => a.table.localeCompare(b.table));
    expect(lines).toEqual([
      {
        service: 'app',
        table: 'files',
        key: ['2'],
        column: 'filename',
        value: 'file\\x96name.txt',
        reason: 'invalid UTF-8: invalid UTF-8 replaced by U+FFFD (plan: repair)',
        kind: 'repaired',
      },
      {
        service: 'app',
        table: 'notes',
        key: ['2'],
        column: 'body',
        value: 'a\\x00b',
        reason: 'NUL byte in text (PostgreSQL text cannot hold it): NUL removed (plan: repair)',
        kind: 'repaired',
      },
    ]);
    expect(await target.db.query('select id, filename from app.files where id = 2')).toEqual([
      { id: '2', filename: 'file\uFFFDname.txt' },
    ]);
    expect(await target.db.query('select body from app.notes where id = 2')).toEqual([{ body: 'ab' }]);
    // verify applies the same repairs: the copy is clean.
    const verified = await runVerify({ planPath: plan });
    expect(verified.tables.map((t) => [t.table, t.status])).toEqual([
      ['files', 'match'],
      ['notes', 'match'],
    ]);
  });
});
