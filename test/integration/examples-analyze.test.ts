import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExampleName, examples } from '../../examples/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/pg.js';

const NAMES = Object.keys(examples) as ExampleName[];

/** Each example built at scale 1, then: its own plan analyzes clean, and `init` writes a plan analyze accepts. */
describe.each(NAMES)('example %s', (name) => {
  let sourceUrl: string;
  beforeAll(async () => {
    const example = examples[name];
    if (example.engine === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), `cleave-ex-${name}-`));
      sourceUrl = `sqlite:${join(dir, 'monolith.sqlite')}`;
    } else {
      sourceUrl = (await createTestDatabase(`ex_${name.replace('-', '_')}`)).url;
    }
    await example.build({ url: sourceUrl, scale: 1 });
  });

  it('its own plan analyzes with no error, every table owned', async () => {
    const plan = join(examples[name].dir, 'cleave.yaml');
    const result = await runCli(['analyze', '--plan', plan, '--source', sourceUrl, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    expect(report.unownedTables).toEqual([]);
    expect(report.crossServiceEdges.length).toBeGreaterThan(0);
  });

  it('`cleave init` writes a plan that analyze accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), `cleave-init-${name}-`));
    await chmod(dir, 0o755);
    const plan = join(dir, 'cleave.yaml');
    const env = { CLEAVE_SOURCE_URL: sourceUrl };
    const init = await runCli(['init', '--source', sourceUrl, '--plan', plan], { env });
    expect(init.code).toBe(0);
    const analyze = await runCli(['analyze', '--plan', plan, '--json'], { env });
    expect(analyze.code).toBe(0);
    const report = JSON.parse(analyze.stdout);
    expect(report.summary.errors).toBe(0);
    expect(report.unownedTables).toEqual([]);
    expect(report.services.flatMap((s: { tables: string[] }) => s.tables).sort()).toEqual(
      report.tables.map((t: { name: string }) => t.name).sort(),
    );
  });
});
