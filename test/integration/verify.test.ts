import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { runVerify } from '../../src/app/verify.js';
import { loadNativeHash } from '../../src/verify/native-hash.js';
import { runCli } from '../helpers/cli.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase, peakSessions } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const CHINOOK_PLAN = (source: string) => `version: 1
source: { url: "sqlite:${source}" }
services:
  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }
  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }
  playlists: { tables: [Playlist, PlaylistTrack] }
`;

describe('cleave verify', () => {
  it('a clean copy of Chinook (SQLite) verifies clean; one changed value is named with its key and column', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('verify_chinook');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: CHINOOK_PLAN(source),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    await runCopy({ planPath: plan, create: true });
    const clean = await runVerify({ planPath: plan });
    expect(
      clean.tables.filter((t) => t.status !== 'match'),
      JSON.stringify(clean.tables),
    ).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.tables.map((t) => t.table)).toHaveLength(11);
    // Every Chinook column has a native path: the extension hashed each table (its rows with text outside ASCII
    // in JavaScript). Without the extension, the same verdict from JavaScript alone.
    const built = loadNativeHash(new BetterSqlite3(':memory:'));
    expect(new Set(clean.tables.map((t) => t.sourceHashedBy))).toEqual(
      new Set([built ? 'sqlite-extension' : 'javascript']),
    );
    process.env.CLEAVE_NATIVE_HASH = '0';
    try {
      const js = await runVerify({ planPath: plan });
      expect(js.tables.map((t) => [t.table, t.status, t.sourceHashedBy])).toEqual(
        clean.tables.map((t) => [t.table, 'match', 'javascript']),
      );
    } finally {
      delete process.env.CLEAVE_NATIVE_HASH;
    }

    // connection_limit in the target URL bounds the sessions verify holds there.
    const limited = plan.replace(/cleave\.yaml$/, 'limited.yaml');
    await writeFile(
      limited,
      (await readFile(plan, 'utf8')).replace(target.url, `${target.url}?connection_limit=2`),
    );
    const [bounded, peak] = await peakSessions(target.db, () => runVerify({ planPath: limited, jobs: 4 }));
    expect(bounded.ok).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);

    // Through the CLI: exit 1, the differing row named with its key and column, reports written.
    await target.db.query(`update sales."Invoice" set "Total" = "Total" + 0.01 where "InvoiceId" = 77`);
    const dir = dirname(plan);
    const md = await runCli(['verify', '--plan', plan, '--report', join(dir, 'report.md')]);
    expect(md.code, md.stderr).toBe(1);
    expect(md.stdout).toContain('sales.Invoice: changed: InvoiceId=77: Total: ');
    expect(md.stdout).toContain('verify: differences found');
    const report = await readFile(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('| sales | Invoice | sales.Invoice | 412 | 412 | 0 | 0 | 1 | differ |');
    const json = await runCli([
      'verify',
      '--plan',
      plan,
      '--json',
      '--table',
      'Invoice',
      '--report',
      join(dir, 'r.html'),
    ]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.tables.map((t: { table: string; changed: number }) => [t.table, t.changed])).toEqual([
      ['Invoice', 1],
    ]);
    expect(parsed.tables[0].diffs[0]).toMatchObject({ kind: 'changed', key: { InvoiceId: '77' } });
    expect(parsed.tables[0].diffs[0].columns.map((c: { column: string }) => c.column)).toEqual(['Total']);
    expect(await readFile(join(dir, 'r.html'), 'utf8')).toContain(
      '<tr class="differ"><td>sales</td><td>Invoice</td>',
    );
    // The target URL's password never shows.
    expect(`${md.stdout}${md.stderr}${json.stdout}`).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/);
    // A column the target lost is a difference too, never silently skipped.
    await target.db.query('alter table catalog."Genre" drop column "Name"');
    const lost = await runVerify({ planPath: plan, tables: ['Genre'] });
    expect(lost.tables.map((t) => [t.table, t.status, t.missingColumns])).toEqual([
      ['Genre', 'differ', ['Name']],
    ]);
    expect(lost.ok).toBe(false);
    const bad = await runCli(['verify', '--plan', plan, '--report', join(dir, 'r.pdf')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--report');
  });

  it('SQLite integers beyond 2^53 (a rowid key and a value) are compared exactly, in worker threads or not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cleave-verify-big-'));
    const source = join(dir, 'big.db');
    const db = new BetterSqlite3(source);
    db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT)');
    const insert = db.prepare('INSERT INTO big VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 3000; i++) insert.run(BigInt(i), BigInt(i * 7), `note ${i}`);
      // 2^53 + 1 and 2^62 + 1 are not doubles: read as numbers they would be 2^53 and 2^62.
      insert.run(2n ** 53n + 1n, 2n ** 62n + 1n, 'big key');
    })();
    db.close();
    const target = await createTestDatabase('verify_big');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  data: { tables: [big] }\n`,
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    await runCopy({ planPath: plan, create: true });
    for (const workerRows of [1000, Number.POSITIVE_INFINITY]) {
      const clean = await runVerify({ planPath: plan, workerRows });
      expect(clean.tables.map((t) => [t.status, t.sourceRows, t.sourceWorkers > 0])).toEqual([
        ['match', 3001, workerRows === 1000],
      ]);
    }
    // A change by one in the last place a double cannot hold, then one beside the big key.
    await target.db.query(`update data.big set n = n + 1 where id = 9007199254740993`);
    await target.db.query(`update data.big set note = 'changed' where id = 9007199254740992 - 1`);
    for (const workerRows of [1000, Number.POSITIVE_INFINITY]) {
      const result = await runVerify({ planPath: plan, workerRows });
      const [t] = result.tables;
      expect(
        t!.diffs.map((d) => [d.kind, d.key, d.columns?.map((c) => [c.column, c.source, c.target])]),
      ).toEqual([
        ['changed', { id: '9007199254740993' }, [['n', '4611686018427387905', '4611686018427387906']]],
      ]);
    }
  });

  it('--isolation: a planted table, a cross-service foreign key and a GRANT that lets one service read another are each found', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('verify_isolation');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      // Roles are server-wide: service names of this test's own, and the roles dropped at its end.
      plan: CHINOOK_PLAN(source).replace(/^ {2}(\w+):/gm, '  iso_$1:'),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan, roles: true });
    await runCopy({ planPath: plan, create: true });
    expect((await runVerify({ planPath: plan, isolationOnly: true })).isolation).toEqual([]);

    await target.db.query('create table iso_playlists."Customer" (id int)');
    await target.db.query(
      'alter table iso_playlists."PlaylistTrack" add constraint track_fk foreign key ("TrackId") references iso_catalog."Track" ("TrackId")',
    );
    await target.db.query(
      'grant usage on schema iso_sales to iso_catalog_role; grant select on iso_sales."Invoice" to iso_catalog_role',
    );
    const result = await runVerify({ planPath: plan, isolationOnly: true });
    expect(result.ok).toBe(false);
    expect(result.tables).toEqual([]);
    expect(result.isolation!.map((f) => [f.kind, f.service, f.message])).toEqual([
      [
        'foreign-table',
        'iso_playlists',
        'iso_playlists.Customer is in service iso_playlists, but the plan gives Customer to iso_sales',
      ],
      [
        'cross-service-fk',
        'iso_playlists',
        'foreign key track_fk on iso_playlists."PlaylistTrack" references iso_catalog."Track", outside service iso_playlists',
      ],
      [
        'cross-service-read',
        'iso_catalog',
        'role iso_catalog_role of service iso_catalog can read iso_sales.Invoice of service iso_sales',
      ],
    ]);
    const cli = await runCli(['verify', '--isolation-only', '--plan', plan]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('isolation: 3 finding(s)');
    await target.db.query('drop owned by iso_catalog_role, iso_sales_role, iso_playlists_role');
    await target.db.query('drop role iso_catalog_role, iso_sales_role, iso_playlists_role');
  });

  it('a database that goes away mid-run: a clear error (exit 3), the run recorded as failed, nothing changed', async () => {
    const source = await createTestDatabase('verify_gone_src');
    const target = await createTestDatabase('verify_gone_dst');
    const rows = `SELECT i, 'row ' || i, i::float8 / 3 FROM generate_series(1, 600000) i`;
    await source.db.query(
      `create table t (id bigint primary key, name text, x float8); insert into t ${rows}`,
    );
    await target.db.query(
      `create schema data; create table data.t (id bigint primary key, name text, x float8); insert into data.t ${rows}`,
    );
    const { plan } = await projectWithPlan(source.url, {
      plan: `version: 1\nsource: { url: "${source.url}" }\nservices:\n  data: { tables: [t] }\n`,
      targetUrl: target.url,
    });
    const running = runVerify({ planPath: plan }).then(
      () => null,
      (error: unknown) => error,
    );
    // The target's summary query is ended by the server, as in a restart or a failover.
    let killed = 0;
    for (let i = 0; i < 1000 && killed === 0; i++) {
      const [row] = await target.db.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and state = 'active' and backend_type = 'client backend'
            and query like '%hash_record_extended%' and pid <> pg_backend_pid()`,
      );
      killed = row!.n;
      if (killed === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(killed).toBe(1);
    const error = (await running) as { code?: string; message?: string; hint?: string };
    expect(error?.code).toBe('TARGET_UNREACHABLE');
    expect(error.message).toMatch(/^a database connection was lost while verifying service data: /);
    expect(error.hint).toContain('Run `cleave verify` again');
    expect(await target.db.query('select status from cleave.verify_runs')).toEqual([{ status: 'failed' }]);
    expect(await target.db.query('select count(*)::int as n from data.t')).toEqual([{ n: 600000 }]);
  });
});
