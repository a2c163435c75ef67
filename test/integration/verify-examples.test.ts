import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExampleName, examples } from '../../examples/index.js';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { runVerify } from '../../src/app/verify.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const env = { ...process.env, CLEAVE_SECRET_KEY: 'verify-examples-key' };

/** An example built at scale 1, with its plan pointed at fresh targets. */
async function exampleProject(name: ExampleName): Promise<string> {
  const text = await readFile(join(examples[name].dir, 'cleave.yaml'), 'utf8');
  if (examples[name].engine === 'sqlite') {
    const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
    const source = join(dir, 'monolith.sqlite');
    await examples[name].build({ url: `sqlite:${source}`, scale: 1 });
    const target = await createTestDatabase(`ve_${name.replace('-', '_')}`);
    return (
      await projectWithPlan(`sqlite:${source}`, {
        plan: text.replace('sqlite:./monolith.sqlite', `sqlite:${source}`),
        targetUrl: target.url,
      })
    ).plan;
  }
  const src = await createTestDatabase(`ve_${name.replace('-', '_')}_src`);
  await examples[name].build({ url: src.url, scale: 1 });
  let planText = text.replace(/\$\{CLEAVE_EXAMPLE_SOURCE:-[^}]*\}/, src.url);
  if (name === 'budget') {
    const api = await createTestDatabase('ve_budget_api');
    const notifications = await createTestDatabase('ve_budget_notif');
    planText = planText
      .replace(/\$\{BUDGET_API_URL:-[^}]*\}/, api.url)
      .replace(/\$\{BUDGET_NOTIFICATIONS_URL:-[^}]*\}/, notifications.url);
    return (await projectWithPlan(src.url, { plan: planText })).plan;
  }
  const target = await createTestDatabase(`ve_${name.replace('-', '_')}_dst`);
  return (await projectWithPlan(src.url, { plan: planText, targetUrl: target.url })).plan;
}

describe.each(Object.keys(examples) as ExampleName[])('verify a clean copy of example %s', (name) => {
  it('every table matches, and every service is isolated', async () => {
    const plan = await exampleProject(name);
    await runGenerate({ planPath: plan });
    await runCopy({ planPath: plan, create: true, env });
    const result = await runVerify({ planPath: plan, env, isolation: true });
    const differ = result.tables.filter((t) => t.status !== 'match');
    expect(differ, JSON.stringify(differ.map((t) => [t.table, t.diffs.slice(0, 3)]))).toEqual([]);
    expect(result.isolation).toEqual([]);
    expect(result.tables.length).toBeGreaterThan(3);
    expect(result.tables.every((t) => t.sourceRows > 0 && t.sourceRows === t.targetRows)).toBe(true);
    // Every column is compared (the encrypted one decrypted with the key).
    expect(result.tables.flatMap((t) => t.notCompared)).toEqual([]);
    expect(result.ok).toBe(true);
    if (name === 'seo-content') {
      // Without the key the encrypted column is reported as not compared; the rest still matches.
      const { CLEAVE_SECRET_KEY: _, ...noKey } = env;
      const without = await runVerify({ planPath: plan, env: noKey, tables: ['api_keys'] });
      expect(without.tables.map((t) => [t.table, t.status, t.notCompared])).toEqual([
        [
          'api_keys',
          'match',
          [{ column: 'secret', reason: 'encrypted; set CLEAVE_SECRET_KEY to compare it decrypted' }],
        ],
      ]);
    }
  });
});
