import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as buildSeo } from '../examples/seo-content/generate.js';
import { builtCli, dropDatabases, freshDatabase } from './util.js';

export interface Measured {
  name: string;
  seconds: number;
  rows: number;
  peakRssMb: number | null;
  /** Set when the tool failed in this run (pgloader running out of heap, say): the reason, as it said. */
  failed?: string;
}

/** Runs a command under /usr/bin/time and returns wall seconds and the peak RSS of the whole process tree root. */
function timed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; shell?: boolean } = {},
): { seconds: number; peakRssMb: number | null } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'RSSKB=%M', command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.slice(-2000)}`);
  const rss = /RSSKB=(\d+)/.exec(result.stderr);
  return { seconds, peakRssMb: rss ? Number(rss[1]) / 1024 : null };
}

const SERVICES = {
  auth: ['users', 'api_keys', 'audit_events'],
  jobs: ['jobs', 'job_logs', 'serpapi_results', 'text_analytics_cache', 'wordstat_cache'],
  content: ['pages', 'embeddings', 'headings', 'generated_text', 'prompts'],
};

/**
 * SQLite -> PostgreSQL on the seo-content monolith at `scale` (100 = 1M rows): cleave copy against
 * `sqlite3 -csv | psql \copy` into the same typed tables (made by cleave migrate), and pgloader when installed.
 */
export async function benchSqliteCopy(
  adminUrl: string,
  scale: number,
): Promise<{ rows: number; results: Measured[]; postgresSource: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cleave-bench-copy-'));
  await chmod(dir, 0o755);
  const source = join(dir, 'monolith.sqlite');
  const built = await buildSeo({ url: `sqlite:${source}`, scale });
  const rows = Object.values(built.tables).reduce((a, b) => a + b, 0);
  const results: Measured[] = [];

  // cleave: its own typed tables, then copy (the plan has no encryption: this measures the copy itself).
  const cleaveUrl = await freshDatabase(adminUrl, 'cleave_bench_copy');
  const plan = join(dir, 'cleave.yaml');
  const services = Object.entries(SERVICES)
    .map(([s, t]) => `  ${s}: { tables: [${t.join(', ')}] }`)
    .join('\n');
  await writeFile(
    plan,
    `version: 1\nsource: { url: "sqlite:${source}" }\ntarget: { url: "${cleaveUrl}" }\nservices:\n${services}\n`,
  );
  const cli = builtCli();
  execFileSync(process.execPath, [cli, 'generate', '--plan', plan], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, 'migrate', 'up', '--plan', plan], { stdio: 'ignore' });
  const c = timed(process.execPath, [cli, 'copy', '--plan', plan, '--jobs', '3']);
  results.push({ name: 'cleave copy', rows, ...c });

  // sqlite3 -csv | psql \copy, table by table, into a second database migrated the same way.
  const peerUrl = await freshDatabase(adminUrl, 'cleave_bench_copy_peer');
  const peerPlan = join(dir, 'peer.yaml');
  await writeFile(
    peerPlan,
    `version: 1\nsource: { url: "sqlite:${source}" }\ntarget: { url: "${peerUrl}" }\nservices:\n${services}\n`,
  );
  execFileSync(
    process.execPath,
    [cli, 'migrate', 'up', '--plan', peerPlan, '--migrations', join(dir, 'migrations')],
    { stdio: 'ignore' },
  );
  const script = Object.entries(SERVICES)
    .flatMap(([s, tables]) =>
      tables.map(
        (t) =>
          `sqlite3 -csv ${source} 'select * from ${t}' | psql -q -d '${peerUrl}' -c "\\copy ${s}.${t} from stdin with (format csv)"`,
      ),
    )
    .join(' && ');
  const p = timed('bash', ['-c', script]);
  results.push({ name: 'sqlite3 -csv \\| psql \\copy', rows, ...p });

  if (spawnSync('which', ['pgloader']).status === 0) {
    const pgloaderUrl = await freshDatabase(adminUrl, 'cleave_bench_copy_pgloader');
    results.push(
      peer('pgloader (its own schema, no split; 4 GB heap)', rows, () =>
        timed('pgloader', ['--dynamic-space-size', '4096', '--quiet', source, pgloaderUrl]),
      ),
    );
  }
  await dropDatabases(adminUrl, ['cleave_bench_copy_peer', 'cleave_bench_copy_pgloader']);
  return { rows, results, postgresSource: cleaveUrl, dir };
}

/**
 * PostgreSQL -> PostgreSQL: the database the SQLite run filled is the monolith (schemas auth, jobs, content);
 * cleave copies it into a migrated target, against `pg_dump | psql` of the same database.
 */
export async function benchPostgresCopy(
  adminUrl: string,
  sourceUrl: string,
  dir: string,
  rows: number,
): Promise<Measured[]> {
  const results: Measured[] = [];
  const targetUrl = await freshDatabase(adminUrl, 'cleave_bench_pgcopy');
  const plan = join(dir, 'pg.yaml');
  const services = Object.entries(SERVICES)
    .map(
      ([s, t]) =>
        `  ${s}: { tables: [${Object.values(t)
          .map((x) => `${s}.${x}`)
          .join(', ')}] }`,
    )
    .join('\n');
  await writeFile(
    plan,
    `version: 1\nsource: { url: "${sourceUrl}", schemas: [auth, jobs, content] }\ntarget: { url: "${targetUrl}" }\nservices:\n${services}\n`,
  );
  const cli = builtCli();
  execFileSync(
    process.execPath,
    [cli, 'generate', '--plan', plan, '--migrations', join(dir, 'pg-migrations')],
    { stdio: 'ignore' },
  );
  execFileSync(
    process.execPath,
    [cli, 'migrate', 'up', '--plan', plan, '--migrations', join(dir, 'pg-migrations')],
    { stdio: 'ignore' },
  );
  results.push({
    name: 'cleave copy (PostgreSQL source)',
    rows,
    ...timed(process.execPath, [cli, 'copy', '--plan', plan, '--jobs', '3']),
  });

  const dumpUrl = await freshDatabase(adminUrl, 'cleave_bench_pgdump');
  results.push({
    name: 'pg_dump \\| psql',
    rows,
    ...timed('bash', [
      '-c',
      `pg_dump --no-owner -n auth -n jobs -n content '${sourceUrl}' | psql -q -d '${dumpUrl}' >/dev/null`,
    ]),
  });
  if (spawnSync('which', ['pgcopydb']).status === 0) {
    const copydbUrl = await freshDatabase(adminUrl, 'cleave_bench_pgcopydb');
    try {
      results.push({
        name: 'pgcopydb clone',
        rows,
        ...timed('pgcopydb', [
          'clone',
          '--source',
          sourceUrl,
          '--target',
          copydbUrl,
          '--dir',
          join(dir, 'pgcopydb'),
          '--no-owner',
          '--no-acl',
        ]),
      });
    } catch (error) {
      console.error(`pgcopydb failed: ${(error as Error).message.slice(0, 300)}`);
    }
  }
  await dropDatabases(adminUrl, [
    'cleave_bench_pgcopy',
    'cleave_bench_pgdump',
    'cleave_bench_pgcopydb',
    'cleave_bench_copy',
  ]);
  return results;
}

/** A peer's run: its failure is a result to report, not a reason to stop the benchmark. */
function peer(
  name: string,
  rows: number,
  run: () => { seconds: number; peakRssMb: number | null },
): Measured {
  try {
    return { name, rows, ...run() };
  } catch (error) {
    const message = (error as Error).message;
    const reason = /Heap exhausted/.test(message)
      ? 'heap exhausted'
      : (message
          .split('\n')
          .find((l) => /error|fatal/i.test(l))
          ?.slice(0, 160) ?? 'failed');
    return { name, rows, seconds: Number.NaN, peakRssMb: null, failed: reason };
  }
}
