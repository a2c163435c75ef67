import { spawn } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/app/generate.js';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const ROWS = 1_000_000;

const contentOf = async (t: TestDatabase) =>
  (
    await t.db.query<{ n: string; ids: string; sum: string }>(
      `select count(*) as n, count(distinct id) as ids, md5(string_agg(id || ':' || account || ':' || amount || ':' || note, ',' order by id)) as sum from app.events`,
    )
  )[0]!;

/** Rows the target's copy checkpoints say were written. */
const writtenTo = async (t: TestDatabase) =>
  Number(
    (
      await t.db
        .query<{ n: string }>(`select coalesce(sum(rows_written), 0) as n from cleave.copy_progress`)
        .catch(() => [{ n: '0' }])
    )[0]!.n,
  );

/**
 * `cleave copy --create` in a child process, killed with SIGKILL once its checkpoints say `after` rows were
 * written (or after 30 s); returns the rows written when it died.
 */
async function copyKilledMidway(plan: string, target: TestDatabase, chunkRows: string, after: number) {
  const child = spawn(
    process.execPath,
    [join(REPO, 'bin', 'cleave.js'), 'copy', '--create', '--chunk-rows', chunkRows, '--plan', plan],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 600 && (await writtenTo(target)) < after; i++)
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return writtenTo(target);
}

describe('copy --resume after SIGKILL', () => {
  it.each([
    { key: 'an INTEGER PRIMARY KEY (key ranges)', rows: ROWS, id: 'i', type: 'integer' },
    // A text key, inserted out of its order: rowid ranges, checkpoints rowids.
    {
      key: 'a text primary key (rowid ranges)',
      rows: 300_000,
      id: `printf('%08x', (i * 7919) % ${300_000})`,
      type: 'text',
    },
  ])(
    '$rows rows keyed by $key: killed midway, resumed: no duplicate keys, the same counts and content as an uninterrupted copy',
    async ({ rows: ROWS, id, type }) => {
      const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
      const source = join(dir, 'big.sqlite');
      const sqlite = new BetterSqlite3(source);
      sqlite.exec(`create table events (id ${type} primary key, account text not null, amount real, note text);
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${ROWS})
      insert into events select ${id}, 'acct-' || (i % 1000), i * 0.25, hex(randomblob(6)) from s;`);
      sqlite.close();
      const planText = `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  app: { tables: [events] }\n`;

      const interrupted = await createTestDatabase('resume_a');
      const a = await projectWithPlan(`sqlite:${source}`, { plan: planText, targetUrl: interrupted.url });
      await runGenerate({ planPath: a.plan });
      const atKill = await copyKilledMidway(a.plan, interrupted, '25000', ROWS / 4);
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(ROWS);

      const plain = await runCli(['copy', '--plan', a.plan]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain('partly copied by an earlier run');
      const resumed = await runCli(['copy', '--resume', '--plan', a.plan, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);

      const clean = await createTestDatabase('resume_b');
      const b = await projectWithPlan(`sqlite:${source}`, { plan: planText, targetUrl: clean.url });
      await runGenerate({ planPath: b.plan });
      expect((await runCli(['copy', '--create', '--plan', b.plan])).code).toBe(0);

      const got = await contentOf(interrupted);
      expect(got.n).toBe(String(ROWS));
      expect(got.ids).toBe(String(ROWS));
      expect(got).toEqual(await contentOf(clean));
      // The table was copied as three key ranges at once (--jobs 3), each with its own checkpoint; together they
      // cover every key once.
      const parts = await interrupted.db.query<{
        part: number;
        lo: string;
        hi: string;
        read: string;
        done: boolean;
      }>(
        `select part, part_lo as lo, part_hi as hi, rows_read as read, done from cleave.copy_progress order by part`,
      );
      expect(parts.map((p) => p.part)).toEqual([0, 1, 2]);
      expect(parts.every((p) => p.done)).toBe(true);
      // Key (or rowid) ranges from 1 to the last.
      expect(parts[0]!.lo).toBe('1');
      expect(parts[2]!.hi).toBe(String(ROWS + 1));
      expect(parts[1]!.lo).toBe(parts[0]!.hi);
      expect(parts[2]!.lo).toBe(parts[1]!.hi);
      expect(parts.reduce((n, p) => n + Number(p.read), 0)).toBe(ROWS);
      const [progress] = await interrupted.db.query<{ read: string; written: string }>(
        `select sum(rows_read)::text as read, sum(rows_written)::text as written from cleave.copy_progress`,
      );
      expect(progress).toEqual({ read: String(ROWS), written: String(ROWS) });
      // The primary key dropped for the load by the killed run was rebuilt by the resumed one.
      const [pk] = await interrupted.db.query<{ n: string }>(
        `select count(*) as n from pg_constraint where conrelid = 'app.events'::regclass and contype = 'p'`,
      );
      expect(pk!.n).toBe('1');
      expect(await interrupted.db.query('select * from cleave.copy_dropped_constraints')).toEqual([]);
    },
    180_000,
  );

  it('a PostgreSQL source keyed by uuid: killed midway, resumed: every row once, and verify finds the copy clean', async () => {
    const source = await createTestDatabase('resume_pg_src');
    // About 4,000 pages: the chunk bounds come from a page sample.
    await source.db.query(`create table docs (id uuid primary key, n int not null, body text not null);
      insert into docs select md5(i::text)::uuid, i, repeat(chr(65 + i % 26), 100 + i % 50) from generate_series(1, 200000) i;`);
    const target = await createTestDatabase('resume_pg_dst');
    const { plan } = await projectWithPlan(source.url, {
      plan: `version: 1\nsource: { url: "${source.url}" }\nservices:\n  app: { tables: [docs] }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    const atKill = await copyKilledMidway(plan, target, '10000', 40000);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(200000);

    const plain = await runCli(['copy', '--plan', plan]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('partly copied by an earlier run');
    const resumed = await runCli(['copy', '--resume', '--chunk-rows', '10000', '--plan', plan, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);

    const digest = async (db: TestDatabase['db'], from: string) =>
      (
        await db.query<{ n: string; keys: string; md5: string }>(
          `select count(*) as n, count(distinct id) as keys, md5(string_agg(t::text, '|' order by id)) as md5 from ${from} t`,
        )
      )[0];
    const copied = await digest(target.db, 'app.docs');
    expect(copied).toMatchObject({ n: '200000', keys: '200000' });
    expect(copied).toEqual(await digest(source.db, 'docs'));
    const [progress] = await target.db.query<{ read: string; written: string }>(
      `select sum(rows_read)::text as read, sum(rows_written)::text as written from cleave.copy_progress`,
    );
    expect(progress).toEqual({ read: '200000', written: '200000' });
    const verified = await runCli(['verify', '--plan', plan, '--json']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 180_000);

  it('a rowid checkpoint is not resumed once the SQLite file was rebuilt with other rowids', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'small.sqlite');
    const sqlite = new BetterSqlite3(source);
    sqlite.exec(`create table notes (id text primary key, body text);
      with recursive s(i) as (select 1 union all select i + 1 from s where i < 100)
      insert into notes select printf('n%03d', 101 - i), 'body ' || i from s;`);
    const target = await createTestDatabase('resume_rebuilt');
    const planText = `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  app: { tables: [notes] }\n`;
    const { plan } = await projectWithPlan(`sqlite:${source}`, { plan: planText, targetUrl: target.url });
    await runGenerate({ planPath: plan });
    expect((await runCli(['copy', '--create', '--chunk-rows', '30', '--plan', plan])).code).toBe(0);
    // As if the run had been killed after its third chunk (rowids 61 and on not yet copied).
    await target.db.query(`delete from app.notes where id <= 'n040'`);
    await target.db.query(
      `update cleave.copy_progress set done = false, last_key = '["60"]', last_row_key = '["n041"]', rows_read = 60, rows_written = 60`,
    );
    // The file is rebuilt (as a dump and reload would): the same rows, other rowids.
    sqlite.exec(`create table notes2 as select * from notes order by id;
      drop table notes; create table notes (id text primary key, body text);
      insert into notes select * from notes2 order by id; drop table notes2;`);
    sqlite.close();
    const refused = await runCli(['copy', '--resume', '--plan', plan]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'notes: the row at the last checkpoint (rowid 60) no longer holds key ["n041"], so the SQLite file was rebuilt since the copy stopped (rowids renumbered)',
    );
    expect(refused.stderr).toContain('cleave copy --fresh --table notes');
    const fresh = await runCli(['copy', '--fresh', '--table', 'notes', '--plan', plan]);
    expect(fresh.code, fresh.stderr).toBe(0);
    const [copied] = await target.db.query<{ n: string }>('select count(*) as n from app.notes');
    expect(copied!.n).toBe('100');
  });
});
