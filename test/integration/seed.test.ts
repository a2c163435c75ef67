import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const PLAN = 'version: 1\nsource: { url: "sqlite:./unused.db" }\nservices:\n  billing: { tables: [] }\n';

async function write(dir: string, path: string, text: string): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), text);
}

/** A project with one migration and two seed sets (SQL and TypeScript), like seed 04's plans and email templates. */
async function project(target: TestDatabase): Promise<{ dir: string; plan: string }> {
  const p = await projectWithPlan('sqlite:unused.db', { plan: PLAN, targetUrl: target.url });
  await write(
    p.dir,
    'migrations/billing/0001_init.sql',
    `-- cleave:up
create schema if not exists billing;
create table billing.plans (id serial primary key, code text not null unique, price numeric(10,2) not null);
create table billing.email_templates (id serial primary key, key text not null unique, subject text not null);
create table billing.invoices (id serial primary key, amount numeric(10,2));
-- cleave:down
drop schema billing cascade;
`,
  );
  await write(
    p.dir,
    'seeds/billing/plans/001_plans.sql',
    `insert into plans (code, price) values ('free', 0), ('pro', 29)
  on conflict (code) do update set price = excluded.price;
`,
  );
  await write(
    p.dir,
    'seeds/billing/emails/001_templates.ts',
    `export default async function (db) {
  for (const [key, subject] of [['welcome', 'Welcome'], ['invoice', 'Your invoice']]) {
    await db.query('insert into email_templates (key, subject) values ($1, $2) on conflict (key) do update set subject = excluded.subject', [key, subject]);
  }
}
`,
  );
  return p;
}

const rows = async (t: TestDatabase) => ({
  plans: await t.db.query('select id, code, price from billing.plans order by id'),
  templates: await t.db.query('select id, key, subject from billing.email_templates order by id'),
  invoices: await t.db.query('select id, amount from billing.invoices order by id'),
});

describe('seed sets', () => {
  it('setup, run twice without duplicates, a changed set runs alone, reset gives the rows of a fresh setup', async () => {
    const target = await createTestDatabase('seed');
    const { dir, plan } = await project(target);

    const setup = await runCli(['setup', '--plan', plan]);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stderr).toContain('billing: seed set emails ran');
    expect(setup.stderr).toContain('billing: seed set plans ran');
    const first = await rows(target);
    expect(first.plans).toHaveLength(2);
    expect(first.templates).toHaveLength(2);

    const again = await runCli(['seed', '--plan', plan]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('2 seed sets: 2 applied, 0 pending, 0 changed since run');
    expect(await rows(target)).toEqual(first);

    await write(
      dir,
      'seeds/billing/plans/001_plans.sql',
      `insert into plans (code, price) values ('free', 0), ('pro', 29), ('team', 99)
  on conflict (code) do update set price = excluded.price;
`,
    );
    const status = await runCli(['seed', 'status', '--plan', plan]);
    expect(status.code).toBe(4);
    expect(status.stdout).toMatch(/changed +plans/);
    const changed = await runCli(['seed', '--plan', plan]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^billing: seed set plans ran in \d+ ms$/),
    ]);
    expect((await rows(target)).plans).toHaveLength(3);
    expect((await rows(target)).templates).toEqual(first.templates);

    // Data that is not seed data goes too: reset is a clean slate, confirmed with --yes.
    await target.db.query('insert into billing.invoices (amount) values (10)');
    expect((await runCli(['seed', 'reset', '--plan', plan])).code).toBe(2);
    const reset = await runCli(['seed', 'reset', '--yes', '--plan', plan]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('billing: emptied 3 tables');

    const fresh = await createTestDatabase('seed_fresh');
    const other = await projectWithPlan('sqlite:unused.db', { plan: PLAN, targetUrl: fresh.url });
    for (const path of [
      'migrations/billing/0001_init.sql',
      'seeds/billing/plans/001_plans.sql',
      'seeds/billing/emails/001_templates.ts',
    ]) {
      await write(
        other.dir,
        path,
        await (await import('node:fs/promises')).readFile(join(dir, path), 'utf8'),
      );
    }
    expect((await runCli(['setup', '--plan', other.plan])).code).toBe(0);
    expect(await rows(target)).toEqual(await rows(fresh));
  });

  it('a failing seed file rolls its whole set back and names the set and file', async () => {
    const target = await createTestDatabase('seed_fail');
    const { dir, plan } = await project(target);
    await write(
      dir,
      'seeds/billing/plans/002_broken.sql',
      `insert into plans (code, price) values ('x', 'not a number');`,
    );
    const result = await runCli(['setup', '--plan', plan]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(
      'seed set billing/plans, file 002_broken.sql: invalid input syntax for type numeric',
    );
    expect((await rows(target)).plans).toEqual([]);
    const unknown = await runCli(['seed', 'nope', '--plan', plan]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no seed set `nope`');
  });
});
