// Verify benchmarks. Source and target tables are filled independently with the same deterministic values
// (SQL on PostgreSQL, the same formulas in JavaScript for SQLite), so a clean verify is itself a check that
// the canonical encodings agree; then one row of the target is changed and must be found.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { TableResult } from '../src/verify/compare.js';
import { builtCli, dropDatabases, freshDatabase, median, RUNS } from './util.js';

export interface VerifyBench {
  label: string;
  rows: number;
  cleaveSeconds: number;
  peer: string;
  peerSeconds: number;
  /** cleave / peer of each round (they take turns, so a round's two figures saw the same machine). */
  roundRatios: number[];
  /** What verify reported (must be clean, or name the changed row). */
  outcome: string;
}

const COLUMNS = `id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, score double precision,
  created_at timestamptz NOT NULL, payload jsonb, note text`;

/** Row i, in SQL: every value a function of i, identical to `jsRow`. */
const SQL_ROW = `SELECT i, 'customer ' || i || ' of "acme", inc', (i % 100000)::numeric / 100, i::float8 / 7,
  timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' + (i % 1000) * interval '1 microsecond',
  jsonb_build_object('k', i, 'tag', 't' || (i % 10), 'on', i % 2 = 0),
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || (i % 977) END
  FROM generate_series(1, $1::bigint) i`;

function jsRow(i: number): unknown[] {
  const t = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return [
    i,
    `customer ${i} of "acme", inc`,
    ((i % 100000) / 100).toFixed(2),
    i / 7,
    `${t}.${String(i % 1000).padStart(6, '0')}`,
    JSON.stringify({ k: i, tag: `t${i % 10}`, on: i % 2 === 0 }),
    i % 5 === 0 ? null : `note ${i % 977}`,
  ];
}

async function fill(url: string, schema: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE ${schema}.bench_rows (${COLUMNS})`);
    await client.query(`INSERT INTO ${schema}.bench_rows ${SQL_ROW}`, [rows]);
    await client.query(`VACUUM ANALYZE ${schema}.bench_rows`);
    // The fill's dirty pages are written now, not by a checkpoint in the middle of a timed run.
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

async function planFile(dir: string, source: string, target: string): Promise<string> {
  const path = join(dir, 'cleave.yaml');
  await writeFile(
    path,
    `version: 1\nsource: { url: "${source}" }\ntarget: { url: "${target}" }\nservices:\n  data: { tables: [bench_rows] }\n`,
  );
  return path;
}

async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const out = await work();
  return [(performance.now() - started) / 1000, out];
}

/** The in-database hash scan the issue names as the yardstick, timed on the source table. */
async function hashScan(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [s] = await seconds(() =>
      client.query(`select sum(('x'||substr(md5(t::text),1,16))::bit(64)::bigint) from ${table} t`),
    );
    return s;
  } finally {
    await client.end();
  }
}

/** `cleave verify --json` from the build, timed as a user runs it; exit 1 (differences) is a result too. */
function verifyCli(plan: string, env: Record<string, string> = {}): [number, { tables: TableResult[] }] {
  const cli = builtCli();
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'verify', '--plan', plan, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`cleave verify failed: ${run.stdout}${run.stderr}`);
  return [seconds, JSON.parse(run.stdout)];
}

/**
 * Cleave and its peer, RUNS rounds each, interleaved; the medians, and what verify reported (the same every
 * round, or the bench says so).
 */
async function compared(
  cleave: () => [number, { tables: TableResult[] }],
  peer: () => Promise<number> | number,
): Promise<{ cleaveSeconds: number; peerSeconds: number; roundRatios: number[]; outcome: string }> {
  const mine: number[] = [];
  const theirs: number[] = [];
  const outcomes = new Set<string>();
  for (let round = 0; round < RUNS; round++) {
    theirs.push(await peer());
    const [seconds, result] = cleave();
    mine.push(seconds);
    outcomes.add(outcome(result));
  }
  return {
    cleaveSeconds: median(mine),
    peerSeconds: median(theirs),
    roundRatios: mine.map((m, i) => m / theirs[i]!),
    outcome: [...outcomes].join(' / '),
  };
}

function outcome(result: { tables: TableResult[] }): string {
  const t = result.tables[0]!;
  if (t.status === 'match')
    return `clean (${t.sourceRows.toLocaleString('en-US')} rows match; source hashed by ${t.sourceHashedBy})`;
  const d = t.diffs[0];
  return `${t.missing} missing, ${t.extra} extra, ${t.changed} changed; first: ${d?.kind} ${JSON.stringify(d?.key)} ${d?.columns?.map((c) => c.column).join(',') ?? ''}`;
}

export async function benchVerify(adminUrl: string, rows: number, bigRows: number): Promise<VerifyBench[]> {
  const out: VerifyBench[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'cleave-bench-verify-'));
  await chmod(dir, 0o755);
  const names = ['cleave_bench_verify_src', 'cleave_bench_verify_dst'];
  try {
    // PostgreSQL <-> PostgreSQL, 1M rows.
    const [src, dst] = [await freshDatabase(adminUrl, names[0]!), await freshDatabase(adminUrl, names[1]!)];
    await Promise.all([fill(src, 'public', rows), fill(dst, 'data', rows)]);
    const plan = await planFile(dir, src, dst);
    // Both tables are read once first, so neither side starts from a colder cache than the timed scan.
    await hashScan(dst, 'data.bench_rows');
    out.push({
      label: `verify PostgreSQL <-> PostgreSQL, clean`,
      rows,
      peer: 'one in-database md5 hash scan of the source table',
      ...(await compared(
        () => verifyCli(plan),
        () => hashScan(src, 'public.bench_rows'),
      )),
    });

    // SQLite <-> PostgreSQL, 1M rows: the same values in a SQLite file.
    const sqlitePath = join(dir, 'bench.sqlite');
    const db = new BetterSqlite3(sqlitePath);
    db.exec(
      'CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(12,2) NOT NULL, score REAL, created_at TIMESTAMP NOT NULL, payload JSON, note TEXT)',
    );
    const insert = db.prepare('INSERT INTO bench_rows VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(...jsRow(i));
    })();
    db.close();
    const sqlitePlan = await planFile(dir, `sqlite:${sqlitePath}`, dst);
    const readOnce = () => {
      const r = new BetterSqlite3(sqlitePath, { readonly: true });
      const started = performance.now();
      let n = 0;
      for (const row of r.prepare('SELECT * FROM bench_rows').raw(true).iterate()) if (row) n++;
      r.close();
      if (n !== rows) throw new Error(`read ${n} rows of ${rows}`);
      return (performance.now() - started) / 1000;
    };
    out.push({
      label: 'verify SQLite <-> PostgreSQL, clean',
      rows,
      peer: 'reading the SQLite table once (better-sqlite3 iterate)',
      ...(await compared(() => verifyCli(sqlitePlan), readOnce)),
    });
    // What a machine without a C compiler at install time gets: every row hashed in JavaScript.
    out.push({
      label: 'verify SQLite <-> PostgreSQL, clean, without the extension (CLEAVE_NATIVE_HASH=0)',
      rows,
      peer: 'reading the SQLite table once (better-sqlite3 iterate)',
      ...(await compared(() => verifyCli(sqlitePlan, { CLEAVE_NATIVE_HASH: '0' }), readOnce)),
    });

    // One changed row among bigRows (PostgreSQL <-> PostgreSQL).
    await dropDatabases(adminUrl, names);
    const [bigSrc, bigDst] = [
      await freshDatabase(adminUrl, names[0]!),
      await freshDatabase(adminUrl, names[1]!),
    ];
    await Promise.all([fill(bigSrc, 'public', bigRows), fill(bigDst, 'data', bigRows)]);
    const changed = Math.floor(bigRows * 0.6180339) + 1;
    const client = new pg.Client({ connectionString: bigDst });
    await client.connect();
    const { rows: before } = await client.query<{ score: number }>(
      'SELECT score FROM data.bench_rows WHERE id = $1',
      [changed],
    );
    // The next double: a change in the last digit.
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, before[0]!.score);
    view.setBigUint64(0, view.getBigUint64(0) + 1n);
    await client.query('UPDATE data.bench_rows SET score = $2 WHERE id = $1', [changed, view.getFloat64(0)]);
    await client.end();
    const bigPlan = await planFile(dir, bigSrc, bigDst);
    await hashScan(bigDst, 'data.bench_rows');
    out.push({
      label: `find 1 changed row (id ${changed}, score's last digit) among`,
      rows: bigRows,
      peer: 'one in-database md5 hash scan of the source table',
      ...(await compared(
        () => verifyCli(bigPlan),
        () => hashScan(bigSrc, 'public.bench_rows'),
      )),
    });
  } finally {
    await dropDatabases(adminUrl, names);
  }
  return out;
}
