import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

let target: TestDatabase;
let dir: string;
let plan: string;

async function migration(file: string, up: string, down = ''): Promise<void> {
  await mkdir(join(dir, 'migrations', 'app'), { recursive: true });
  await writeFile(join(dir, 'migrations', 'app', file), `-- cleave:up\n${up}\n-- cleave:down\n${down}\n`);
}

const ledger = async () =>
  (
    await target.db.query<{ version: string }>(
      `select version from cleave.schema_migrations where service = 'app' order by version`,
    )
  ).map((r) => r.version);

describe('the migration runner', () => {
  beforeEach(async () => {
    target = await createTestDatabase('runner');
    ({ dir, plan } = await projectWithPlan('sqlite:unused.db', {
      plan: 'version: 1\nsource: { url: "sqlite:./unused.db" }\nservices:\n  app: { tables: [] }\n',
      targetUrl: target.url,
    }));
  });

  it('two `migrate up` at once: one applies, the other waits, then finds nothing pending', async () => {
    await migration(
      '0001_slow.sql',
      'create table app.t (id int primary key);\nselect pg_sleep(1.5);',
      'drop table app.t;',
    );
    await migration(
      '0002_more.sql',
      'alter table app.t add column name text;',
      'alter table app.t drop column name;',
    );
    await target.db.query('create schema app');
    const [a, b] = await Promise.all([
      runCli(['migrate', 'up', '--plan', plan, '--json']),
      runCli(['migrate', 'up', '--plan', plan, '--json']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const states = [a, b].map((r) =>
      JSON.parse(r.stdout).services[0].migrations.map((m: { state: string }) => m.state),
    );
    expect(states).toEqual([
      ['applied', 'applied'],
      ['applied', 'applied'],
    ]);
    const events = await target.db.query<{ event: string; version: string }>(
      `select event, version from cleave.migration_events order by id`,
    );
    // Each migration was applied exactly once, whichever process won the lock.
    expect(events).toEqual([
      { event: 'applied', version: '0001' },
      { event: 'applied', version: '0002' },
    ]);
  });

  /** Starts `migrate up`, waits until a statement containing `marker` runs, and kills the process outright. */
  async function killDuring(marker: string): Promise<void> {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'cleave.js'), 'migrate', 'up', '--plan', plan], {
      stdio: 'pipe',
    });
    const running = async () =>
      Number(
        (
          await target.db.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity where state = 'active' and query like $1 and pid <> pg_backend_pid()`,
            [`%${marker}%`],
          )
        )[0]!.n,
      );
    for (let i = 0; i < 200 && (await running()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The server notices the dead client (client_connection_check_interval) and rolls its transaction back.
    for (let i = 0; i < 200 && (await running()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await running()).toBe(0);
  }

  // The sleeps last until the test creates app.go: the same file, unedited, then runs quickly.
  const WAIT = "select pg_sleep(case when to_regclass('app.go') is null then 30 else 0 end) /* wait-here */;";

  it('a migrate killed with SIGKILL mid-file leaves the ledger consistent, and the next run finishes the work', async () => {
    await target.db.query('create schema app');
    await migration('0001_table.sql', 'create table app.t (id int primary key);');
    await migration(
      '0002_slow.sql',
      `create table app.u (id int);\ninsert into app.u select generate_series(1, 10);\n${WAIT}`,
    );
    await killDuring('wait-here');
    expect(await ledger()).toEqual(['0001']);
    const [u] = await target.db.query<{ t: string | null }>(`select to_regclass('app.u')::text as t`);
    expect(u!.t).toBeNull();

    await target.db.query('create table app.go ()');
    const again = await runCli(['migrate', 'up', '--plan', plan]);
    expect(again.code, again.stderr).toBe(0);
    expect(await ledger()).toEqual(['0001', '0002']);
    const [count] = await target.db.query<{ n: string }>('select count(*) as n from app.u');
    expect(Number(count!.n)).toBe(10);
  });

  it('a statement that cannot run in a transaction runs alone, and a killed run resumes after the last finished step', async () => {
    await target.db.query('create schema app; create table app.big (id int)');
    await migration(
      '0001_index.sql',
      `alter table app.big add column v int;\ncreate index concurrently big_v on app.big (v);\n${WAIT}\ncomment on table app.big is 'done';`,
    );
    await killDuring('wait-here');
    const [progress] = await target.db.query<{ steps: number }>(
      `select steps from cleave.migration_progress where service = 'app'`,
    );
    expect(progress?.steps).toBe(2); // the ALTER (one transaction) and the CREATE INDEX CONCURRENTLY (alone)
    expect(await ledger()).toEqual([]);

    await target.db.query('create table app.go ()');
    const again = await runCli(['migrate', 'up', '--plan', plan]);
    // Had it started over, the ALTER would fail: "column v already exists".
    expect(again.code, again.stderr).toBe(0);
    expect(await ledger()).toEqual(['0001']);
    const [row] = await target.db.query<{ comment: string; valid: boolean }>(
      `select obj_description('app.big'::regclass) as comment, (select indisvalid from pg_index where indexrelid = 'app.big_v'::regclass) as valid`,
    );
    expect(row).toEqual({ comment: 'done', valid: true });
    expect(await target.db.query('select * from cleave.migration_progress')).toEqual([]);
  });

  it('an applied migration that was edited: drift, shown as a diff, exit 5, nothing run', async () => {
    await migration('0001_t.sql', 'create table public.t1 (id int);', 'drop table public.t1;');
    expect((await runCli(['migrate', 'up', '--plan', plan])).code).toBe(0);
    await migration('0001_t.sql', 'create table public.t1 (id bigint);', 'drop table public.t1;');
    await migration('0002_x.sql', 'create table public.t2 (id int);');
    const result = await runCli(['migrate', 'up', '--plan', plan]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('app: 0001_t.sql was edited after it was applied');
    expect(result.stderr).toContain('- create table public.t1 (id int);');
    expect(result.stderr).toContain('+ create table public.t1 (id bigint);');
    expect(await ledger()).toEqual(['0001']);
    const status = await runCli(['migrate', 'status', '--plan', plan]);
    expect(status.code).toBe(5);
    expect(status.stdout).toContain('drift    0001_t');
  });

  it('a failing statement: that migration rolled back, the ledger unchanged, the error names the statement and its position', async () => {
    await migration('0001_ok.sql', 'create table public.a (id int);');
    await migration(
      '0002_bad.sql',
      'create table public.b (id int);\ninsert into public.b values (1);\nselect * from public.b\n  where nonexistent = 1;',
    );
    const result = await runCli(['migrate', 'up', '--plan', plan]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('0002_bad.sql:5:9: column "nonexistent" does not exist (SQLSTATE 42703)');
    expect(result.stderr).toContain('in: select * from public.b');
    expect(await ledger()).toEqual(['0001']);
    const [b] = await target.db.query<{ t: string | null }>(`select to_regclass('public.b')::text as t`);
    expect(b!.t).toBeNull();
    const events = await target.db.query<{ event: string; version: string }>(
      `select event, version from cleave.migration_events order by id`,
    );
    expect(events.map((e) => `${e.event} ${e.version}`)).toEqual(['applied 0001', 'failed 0002']);
    await expect(target.db.query(`delete from cleave.migration_events`)).rejects.toThrow('append-only');
  });

  it('a transaction-mode pooler URL is refused with a request for a direct URL; --dry-run prints and runs nothing', async () => {
    await migration('0001_t.sql', 'create table public.t1 (id int);');
    const pooled = await projectWithPlan('sqlite:unused.db', {
      plan: 'version: 1\nsource: { url: "sqlite:./unused.db" }\nservices:\n  app: { tables: [] }\n',
      targetUrl: `${target.url}?pgbouncer=true`,
    });
    const refused = await runCli(['migrate', 'up', '--plan', pooled.plan]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is a transaction-mode pooler (pgbouncer=true or port 6543)');
    expect(refused.stderr).toContain('direct connection');
    const dry = await runCli(['migrate', 'up', '--dry-run', '--plan', plan]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('-- up: app: 0001_t\ncreate table public.t1 (id int);');
    expect(await ledger()).toEqual([]);
  });

  it('create, down --to, and baseline from a Supabase history', async () => {
    const created = await runCli(['migrate', 'create', 'Add things!', '--plan', plan]);
    expect(created.stdout.trim()).toMatch(/created .*migrations\/app\/0001_add_things\.sql$/);
    await migration('0001_add_things.sql', 'create table public.t1 (id int);', 'drop table public.t1;');
    await migration('0002_more.sql', 'create table public.t2 (id int);', 'drop table public.t2;');
    expect((await runCli(['migrate', 'up', '--plan', plan])).code).toBe(0);
    const down = await runCli(['migrate', 'down', '--to', '1', '--plan', plan]);
    expect(down.code, down.stderr).toBe(0);
    expect(await ledger()).toEqual(['0001']);
    const history = join(dir, 'supabase-migrations');
    await mkdir(history);
    await writeFile(join(history, '20240101000000_init.sql'), 'create table x (id int);');
    await writeFile(join(history, '20240102000000_more.sql'), 'alter table x add column y int;');
    const baseline = await runCli([
      'migrate',
      'baseline',
      '--from',
      'supabase',
      history,
      '--service',
      'app',
      '--plan',
      plan,
    ]);
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toContain('recorded 2 migration(s) as applied');
    expect(await ledger()).toEqual(['0001', '20240101000000', '20240102000000']);

    // A Prisma Migrate history: one folder per migration with its migration.sql.
    const prisma = join(dir, 'prisma-migrations');
    await mkdir(join(prisma, '20240301120000_add_z'), { recursive: true });
    await writeFile(
      join(prisma, '20240301120000_add_z', 'migration.sql'),
      'CREATE TABLE "z" ("id" SERIAL PRIMARY KEY);',
    );
    await writeFile(join(prisma, 'migration_lock.toml'), 'provider = "postgresql"');
    const fromPrisma = await runCli([
      'migrate',
      'baseline',
      '--from',
      'prisma',
      prisma,
      '--service',
      'app',
      '--plan',
      plan,
      '--json',
    ]);
    expect(fromPrisma.code, fromPrisma.stderr).toBe(0);
    expect(JSON.parse(fromPrisma.stdout).services[0].recorded).toEqual(['20240301120000_add_z.sql']);
    expect(await ledger()).toEqual(['0001', '20240101000000', '20240102000000', '20240301120000']);
    const events = await target.db.query<{ n: string }>(
      `select count(*) as n from cleave.migration_events where event = 'baselined'`,
    );
    expect(Number(events[0]!.n)).toBe(3);
  });
});
