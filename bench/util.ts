import { execFileSync } from 'node:child_process';
import { quoteIdent } from '../src/core/ident.js';
import { PostgresDatabase } from '../src/db/postgres.js';

async function withAdmin(adminUrl: string, work: (admin: PostgresDatabase) => Promise<void>): Promise<void> {
  const admin = new PostgresDatabase({
    connectionString: adminUrl,
    display: 'bench',
    max: 1,
    role: 'target',
  });
  try {
    await work(admin);
  } finally {
    await admin.close();
  }
}

/** An empty database for one measurement (dropped first if a previous run left it). Returns its URL. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.query(`create database ${quoteIdent(name)}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Writes out the server's dirty pages, so the next measured run does not pay for the last one's writes. */
export async function checkpoint(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('CHECKPOINT');
  });
}

export async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    for (const name of names) await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  });
}

let built: string | null = null;

/**
 * The CLI as users run it once installed: compiled to dist/ (built once per bench run), so the measured time is
 * the copy and not compiling TypeScript at start-up.
 */
export function builtCli(): string {
  if (built === null) {
    const repo = new URL('..', import.meta.url).pathname;
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
    built = new URL('../dist/cli/bin.js', import.meta.url).pathname;
  }
  return built;
}

/** Rounds of each measurement (CLEAVE_BENCH_RUNS, default 3): the machine's speed drifts, the median does less. */
export const RUNS = Math.max(1, Number(process.env.CLEAVE_BENCH_RUNS ?? 3));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
