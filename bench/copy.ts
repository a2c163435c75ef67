import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as buildSeo } from '../examples/seo-content/generate.js';
import { builtCli, checkpoint, dropDatabases, freshDatabase, median, RUNS } from './util.js';

export interface Measured {
  name: string;
  /** The median of the rounds. */
  seconds: number;
  /** Every round's wall time, in the order they ran. */
  runs: number[];
  rows: number;
  /** The largest peak RSS of any round. */
  peakRssMb: number | null;
  /** Set when the tool failed in this run (pgloader running out of heap, say): the reason, as it said. */
  failed?: string;
}

/** Runs a command under /usr/bin/time and returns wall seconds and the peak RSS of the whole process tree root. */
function timed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
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

/** One tool of a comparison: what to set up before each round (not timed), and the timed command. */
interface Contender {
  name: string;
  prepare: () => Promise<void>;
  run: () => { seconds: number; peakRssMb: number | null };
  /** The database it fills: dropped after each round (the last round's kept with `keep`). */
  database: string;
  keep?: boolean;
}

/**
 * Runs every contender RUNS times, interleaved (round 1 of each, then round 2 ...), so that a slow spell of the
 * machine falls on all of them alike; a contender that fails is reported as failed, not retried. Each run starts
 * on a settled server: the database the previous run filled is dropped (autovacuum would otherwise work on it
 * during the next run) and a CHECKPOINT writes out its dirty pages.
 */
async function rounds(adminUrl: string, rows: number, contenders: Contender[]): Promise<Measured[]> {
  const out: Measured[] = contenders.map((c) => ({
    name: c.name,
    seconds: 0,
    runs: [],
    rows,
    peakRssMb: null,
  }));
  for (let round = 0; round < RUNS; round++) {
    for (const [i, c] of contenders.entries()) {
      const m = out[i]!;
      if (m.failed) continue;
      try {
        await c.prepare();
        await checkpoint(adminUrl);
        const r = c.run();
        m.runs.push(r.seconds);
        if (r.peakRssMb !== null) m.peakRssMb = Math.max(m.peakRssMb ?? 0, r.peakRssMb);
      } catch (error) {
        m.failed = failure((error as Error).message);
      }
      if (!(c.keep && round === RUNS - 1)) await dropDatabases(adminUrl, [c.database]);
    }
  }
  for (const m of out) m.seconds = m.runs.length ? median(m.runs) : Number.NaN;
  return out;
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
  const cli = builtCli();
  const services = Object.entries(SERVICES)
    .map(([s, t]) => `  ${s}: { tables: [${t.join(', ')}] }`)
    .join('\n');
  const planFor = async (name: string, url: string) => {
    const path = join(dir, `${name}.yaml`);
    await writeFile(
      path,
      `version: 1\nsource: { url: "sqlite:${source}" }\ntarget: { url: "${url}" }\nservices:\n${services}\n`,
    );
    return path;
  };
  // A fresh database migrated by cleave (the typed tables, with their keys and indexes), for cleave and for
  // sqlite3 | psql alike.
  const migrated = async (name: string, migrations: string) => {
    const url = await freshDatabase(adminUrl, name);
    const plan = await planFor(name, url);
    execFileSync(process.execPath, [cli, 'migrate', 'up', '--plan', plan, '--migrations', migrations], {
      stdio: 'ignore',
    });
    return { url, plan };
  };
  const migrations = join(dir, 'migrations');
  const cleaveUrl = await freshDatabase(adminUrl, 'cleave_bench_copy');
  execFileSync(
    process.execPath,
    [cli, 'generate', '--plan', await planFor('generate', cleaveUrl), '--migrations', migrations],
    { stdio: 'ignore' },
  );

  let cleavePlan = '';
  let peerUrl = '';
  let pgloaderUrl = '';
  const contenders: Contender[] = [
    {
      // The plan has no encryption: this measures the copy itself.
      name: 'cleave copy',
      prepare: async () => {
        cleavePlan = (await migrated('cleave_bench_copy', migrations)).plan;
      },
      run: () => timed(process.execPath, [cli, 'copy', '--plan', cleavePlan, '--jobs', '3']),
      database: 'cleave_bench_copy',
      // The PostgreSQL monolith of the next benchmark.
      keep: true,
    },
    {
      // Table by table, into a second database migrated the same way.
      name: 'sqlite3 -csv \\| psql \\copy',
      prepare: async () => {
        peerUrl = (await migrated('cleave_bench_copy_peer', migrations)).url;
      },
      run: () =>
        timed('bash', [
          '-c',
          Object.entries(SERVICES)
            .flatMap(([s, tables]) =>
              tables.map(
                (t) =>
                  `sqlite3 -csv ${source} 'select * from ${t}' | psql -q -d '${peerUrl}' -c "\\copy ${s}.${t} from stdin with (format csv)"`,
              ),
            )
            .join(' && '),
        ]),
      database: 'cleave_bench_copy_peer',
    },
  ];
  if (spawnSync('which', ['pgloader']).status === 0) {
    contenders.push({
      name: 'pgloader (its own schema, no split; 4 GB heap)',
      prepare: async () => {
        pgloaderUrl = await freshDatabase(adminUrl, 'cleave_bench_copy_pgloader');
      },
      run: () => timed('pgloader', ['--dynamic-space-size', '4096', '--quiet', source, pgloaderUrl]),
      database: 'cleave_bench_copy_pgloader',
    });
  }
  const results = await rounds(adminUrl, rows, contenders);
  return { rows, results, postgresSource: await urlOf(adminUrl, 'cleave_bench_copy'), dir };
}

async function urlOf(adminUrl: string, name: string): Promise<string> {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * PostgreSQL -> PostgreSQL: the database the SQLite run filled is the monolith (schemas auth, jobs, content);
 * cleave copies it into a migrated target, against `pg_dump | psql` of the same database and pgcopydb clone.
 */
export async function benchPostgresCopy(
  adminUrl: string,
  sourceUrl: string,
  dir: string,
  rows: number,
): Promise<Measured[]> {
  const cli = builtCli();
  const services = Object.entries(SERVICES)
    .map(
      ([s, t]) =>
        `  ${s}: { tables: [${Object.values(t)
          .map((x) => `${s}.${x}`)
          .join(', ')}] }`,
    )
    .join('\n');
  const migrations = join(dir, 'pg-migrations');
  const planFor = async (url: string) => {
    const path = join(dir, 'pg.yaml');
    await writeFile(
      path,
      `version: 1\nsource: { url: "${sourceUrl}", schemas: [auth, jobs, content] }\ntarget: { url: "${url}" }\nservices:\n${services}\n`,
    );
    return path;
  };
  let plan = await planFor(await freshDatabase(adminUrl, 'cleave_bench_pgcopy'));
  execFileSync(process.execPath, [cli, 'generate', '--plan', plan, '--migrations', migrations], {
    stdio: 'ignore',
  });
  let dumpUrl = '';
  let copydbUrl = '';
  const contenders: Contender[] = [
    {
      name: 'cleave copy (PostgreSQL source)',
      prepare: async () => {
        plan = await planFor(await freshDatabase(adminUrl, 'cleave_bench_pgcopy'));
        execFileSync(process.execPath, [cli, 'migrate', 'up', '--plan', plan, '--migrations', migrations], {
          stdio: 'ignore',
        });
      },
      run: () => timed(process.execPath, [cli, 'copy', '--plan', plan, '--jobs', '3']),
      database: 'cleave_bench_pgcopy',
    },
    {
      name: 'pg_dump \\| psql',
      prepare: async () => {
        dumpUrl = await freshDatabase(adminUrl, 'cleave_bench_pgdump');
      },
      run: () =>
        timed('bash', [
          '-c',
          `pg_dump --no-owner -n auth -n jobs -n content '${sourceUrl}' | psql -q -d '${dumpUrl}' >/dev/null`,
        ]),
      database: 'cleave_bench_pgdump',
    },
  ];
  if (spawnSync('which', ['pgcopydb']).status === 0) {
    contenders.push({
      name: 'pgcopydb clone',
      prepare: async () => {
        copydbUrl = await freshDatabase(adminUrl, 'cleave_bench_pgcopydb');
        execFileSync('rm', ['-rf', join(dir, 'pgcopydb')]);
      },
      run: () =>
        timed('pgcopydb', [
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
      database: 'cleave_bench_pgcopydb',
    });
  }
  const results = await rounds(adminUrl, rows, contenders);
  await dropDatabases(adminUrl, [
    'cleave_bench_pgcopy',
    'cleave_bench_pgdump',
    'cleave_bench_pgcopydb',
    'cleave_bench_copy',
  ]);
  return results;
}

/** A peer's failure is a result to report (pgloader running out of heap, say), not a reason to stop. */
function failure(message: string): string {
  if (/Heap exhausted/.test(message)) return 'heap exhausted';
  return (
    message
      .split('\n')
      .find((l) => /error|fatal/i.test(l))
      ?.slice(0, 160) ?? 'failed'
  );
}
