import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/app/analyze.js';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const plan = (source: string, audit: string) => `version: 1
source: { url: "sqlite:${source}" }
services:
  billing: { tables: [events] }
  audit: { tables: [events] }
tables:
  events:
    split:
      billing: "kind = 'invoice'"
      audit: "${audit}"
`;

describe('one monolith table split across services by row filters', () => {
  it('analyze counts every service’s share and the rows no service gets; copy gives each service its rows', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'events.sqlite');
    const db = new BetterSqlite3(source);
    db.exec(`create table events (id integer primary key, kind text, payload text);
      insert into events values (1, 'invoice', 'a'), (2, 'login', 'b'), (3, 'invoice', 'c'), (4, 'logout', 'd'), (5, null, 'e');`);
    db.close();

    // kind <> 'invoice' is NULL for the row without a kind: no service would get it.
    const leaky = await projectWithPlan(`sqlite:${source}`, { plan: plan(source, "kind <> 'invoice'") });
    const { report } = await runAnalyze({ planPath: leaky.plan });
    const uncovered = report.problems.find((p) => p.code === 'SPLIT_UNCOVERED');
    expect(uncovered).toMatchObject({
      severity: 'error',
      table: 'events',
      message: "1 row of events match no service's condition: copy would leave them behind",
    });
    expect(report.problems.find((p) => p.code === 'TABLE_SPLIT')?.message).toBe(
      'events is split across services: billing 2, audit 2 of 5 rows',
    );
    expect(report.problems.some((p) => p.code === 'TABLE_OWNED_TWICE')).toBe(false);

    const target = await createTestDatabase('split');
    const good = await projectWithPlan(`sqlite:${source}`, {
      plan: plan(source, "kind <> 'invoice' or kind is null"),
      targetUrl: target.url,
    });
    expect((await runAnalyze({ planPath: good.plan })).report.summary.errors).toBe(0);
    await runGenerate({ planPath: good.plan });
    const result = await runCopy({ planPath: good.plan, create: true });
    expect(result.tables.map((t) => [t.service, t.written])).toEqual([
      ['billing', 2],
      ['audit', 3],
    ]);
    expect(
      (await target.db.query<{ id: string }>('select id from billing.events order by id')).map((r) => r.id),
    ).toEqual(['1', '3']);
    expect(
      (await target.db.query<{ id: string }>('select id from audit.events order by id')).map((r) => r.id),
    ).toEqual(['2', '4', '5']);
  });

  it('a table listed by a service its split does not name is still owned twice', async () => {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'events.sqlite');
    const db = new BetterSqlite3(source);
    db.exec('create table events (id integer primary key, kind text)');
    db.close();
    const text = `${plan(source, "kind <> 'invoice'")}`.replace(
      '  audit: { tables: [events] }',
      '  audit: { tables: [events] }\n  other: { tables: [events] }',
    );
    const p = await projectWithPlan(`sqlite:${source}`, { plan: text });
    const { report } = await runAnalyze({ planPath: p.plan });
    expect(report.problems.find((x) => x.code === 'TABLE_OWNED_TWICE')?.message).toBe(
      'table `events` is owned by both `billing` and `other`',
    );
  });
});
