import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';

let dir: string;

async function plan(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const GOOD = `version: 1
source: { url: "sqlite:./chinook.sqlite" }
services:
  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }
  playlists: { tables: [Playlist, PlaylistTrack] }
  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }
`;

describe('plan errors through the CLI', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cleave-plan-'));
    const { copyFile } = await import('node:fs/promises');
    await copyFile(await sqliteCopy(...SQLITE.chinook), join(dir, 'chinook.sqlite'));
  });

  it('a good plan: exit 0, cross-service edges listed with their resolution', async () => {
    const result = await runCli(['analyze', '--plan', await plan('good.yaml', GOOD), '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.summary.errors).toBe(0);
    const edges = report.crossServiceEdges
      .map((e: { from: { table: string }; to: { table: string } }) => `${e.from.table}->${e.to.table}`)
      .sort();
    expect(edges).toEqual(['InvoiceLine->Track', 'PlaylistTrack->Track']);
    expect(report.crossServiceEdges[0].resolution).toContain('plain indexed column');
    expect(report.services.map((s: { name: string; rows: number }) => [s.name, s.rows])).toEqual([
      ['catalog', 275 + 347 + 3503 + 25 + 5],
      ['playlists', 18 + 8715],
      ['sales', 59 + 8 + 412 + 2240],
    ]);
  });

  it('a misspelled table: exit 1 and "did you mean", with the plan line', async () => {
    const result = await runCli([
      'analyze',
      '--plan',
      await plan('typo.yaml', GOOD.replace('Invoice, InvoiceLine', 'Invoce, InvoiceLine')),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'error   line 6: table `Invoce` not found in the source: did you mean `Invoice`? [UNKNOWN_TABLE]',
    );
    expect(result.stdout).toContain('-> write `Invoice` in services.sales.tables');
  });

  it('a table in two services: exit 1 and both owners named', async () => {
    const result = await runCli([
      'analyze',
      '--json',
      '--plan',
      await plan('twice.yaml', GOOD.replace('[Playlist, PlaylistTrack]', '[Playlist, PlaylistTrack, Track]')),
    ]);
    expect(result.code).toBe(1);
    const problem = JSON.parse(result.stdout).problems.find(
      (p: { code: string }) => p.code === 'TABLE_OWNED_TWICE',
    );
    expect(problem).toMatchObject({
      severity: 'error',
      table: 'Track',
      message: 'table `Track` is owned by both `catalog` and `playlists`',
      line: 5,
    });
  });

  it('a databases layout without service URLs: exit 2, each service named', async () => {
    const result = await runCli([
      'analyze',
      '--plan',
      await plan('nourl.yaml', GOOD.replace('services:', 'layout: databases\nservices:')),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: ');
    expect(result.stderr).toContain(
      'services.catalog.url: service `catalog` has no url: with layout: databases every service needs its own database (and 2 more problems)',
    );
    expect(result.stderr).toContain('services.playlists.url');
    expect(result.stderr).toContain('hint: add services.catalog.url');
  });

  it('invalid YAML: exit 2 with the line', async () => {
    const result = await runCli([
      'analyze',
      '--plan',
      await plan('broken.yaml', GOOD.replace('sales: {', 'sales: {{')),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /error: .*broken\.yaml:[67]: invalid YAML: Flow map .* must be sufficiently indented and end with a }\n/,
    );
  });

  it('no plan and no --source: exit 2 and the way out', async () => {
    const result = await runCli(['analyze', '--plan', join(dir, 'missing.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no plan file at');
    expect(result.stderr).toContain('cleave init --source URL');
  });

  it('an unreachable source: exit 3, and the password never printed', async () => {
    const result = await runCli([
      'analyze',
      '--source',
      'postgres://admin:hunter2secret@127.0.0.1:1/app',
      '--json',
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toContain('hunter2secret');
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'SOURCE_UNREACHABLE' });
    expect(JSON.parse(result.stdout).error.message).toContain('postgres://admin:***@127.0.0.1:1/app');
  });

  it('a secret from the environment is redacted from the output', async () => {
    const text = GOOD.replace('sqlite:./chinook.sqlite', '${CHINOOK_SRC}');
    const result = await runCli(['analyze', '--plan', await plan('env.yaml', text)], {
      env: { CHINOOK_SRC: `sqlite:${join(dir, 'chinook.sqlite')}` },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(join(dir, 'chinook.sqlite'));
    expect(result.stdout).toContain('Source  ***');
  });

  it('--mermaid prints one ER diagram per service with cross-service edges marked', async () => {
    const result = await runCli(['analyze', '--mermaid', '--plan', await plan('m.yaml', GOOD)]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/erDiagram/g)).toHaveLength(3);
    expect(result.stdout).toContain('cross-service');
  });
});
