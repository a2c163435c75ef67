import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const PLAN = (source: string) => `version: 1
source: { url: "sqlite:${source}" }
services:
  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }
  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }
  playlists: { tables: [Playlist, PlaylistTrack] }
`;

/** Runs a query as a role (SET ROLE inside a transaction) and returns the error code, or 'ok'. */
async function asRole(url: string, role: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`set local role "${role}"`);
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  } finally {
    await client.query('rollback').catch(() => {});
    await client.end();
  }
}

describe('generate --roles', () => {
  it('one role per service: it reads and writes its own tables and cannot read another service’s (the test tries)', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('roles');
    const { plan } = await projectWithPlan(`sqlite:${source}`, { plan: PLAN(source), targetUrl: target.url });
    const generated = await runCli(['generate', '--roles', '--plan', plan, '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    expect(JSON.parse(generated.stdout).services.map((s: { role: string }) => s.role)).toEqual([
      'catalog_role',
      'sales_role',
      'playlists_role',
    ]);
    const up = await runCli(['migrate', 'up', '--plan', plan]);
    expect(up.code, up.stderr).toBe(0);

    expect(await asRole(target.url, 'catalog_role', 'select count(*) from catalog."Track"')).toBe('ok');
    expect(
      await asRole(target.url, 'catalog_role', `insert into catalog."Genre" ("Name") values ('x')`),
    ).toBe('ok');
    // 42501: insufficient_privilege, on the schema of another service.
    expect(await asRole(target.url, 'catalog_role', 'select count(*) from sales."Invoice"')).toBe('42501');
    expect(await asRole(target.url, 'sales_role', 'select count(*) from catalog."Track"')).toBe('42501');
    expect(await asRole(target.url, 'playlists_role', 'select count(*) from sales."Customer"')).toBe('42501');
    expect(await asRole(target.url, 'playlists_role', 'select count(*) from playlists."PlaylistTrack"')).toBe(
      'ok',
    );
    // Nor can it read the migration ledger.
    expect(await asRole(target.url, 'sales_role', 'select count(*) from cleave.schema_migrations')).toBe(
      '42501',
    );

    // Roles are server-wide: leave none behind on a shared test server.
    await target.db.query('drop owned by catalog_role, sales_role, playlists_role');
    await target.db.query('drop role catalog_role, sales_role, playlists_role');
  });
});
