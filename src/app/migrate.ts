import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { openSession } from '../db/postgres.js';
import { readExternalHistory } from '../migrations/external.js';
import { readMigrationDir } from '../migrations/files.js';
import {
  baseline,
  type MigrationStatus,
  migrateDown,
  migrateUp,
  migrationStatus,
  type RunEvent,
} from '../migrations/runner.js';
import { loadPlanFile } from './plan-file.js';
import { resolveTargets, type ServiceTarget } from './targets.js';

export interface MigrateOptions {
  planPath: string;
  services?: string[] | undefined;
  migrationsDir?: string | undefined;
  lockTimeoutMs?: number | undefined;
  onEvent?: (event: RunEvent) => void;
}

export interface ServiceMigrationReport {
  service: string;
  target: string;
  migrations: MigrationStatus[];
}

async function forEachTarget<T>(
  options: MigrateOptions,
  create: boolean,
  work: (target: ServiceTarget, client: Awaited<ReturnType<typeof openSession>>) => Promise<T>,
): Promise<{ secrets: string[]; results: T[] }> {
  const planFile = await loadPlanFile(options.planPath);
  const targets = await resolveTargets(planFile, {
    services: options.services,
    migrationsDir: options.migrationsDir,
    create,
  });
  const results: T[] = [];
  for (const target of targets) {
    const client = await openSession(target.connectionString, target.display);
    try {
      results.push(await work(target, client));
    } finally {
      await client.end().catch(() => {});
    }
  }
  return { secrets: planFile.secrets, results };
}

export async function runMigrateUp(options: MigrateOptions & { to?: string; dryRun?: boolean }) {
  return forEachTarget(options, true, async (target, client) => ({
    service: target.service,
    target: target.display,
    migrations: await migrateUp(client, target.service, await readMigrationDir(target.migrationsDir), {
      to: options.to,
      dryRun: options.dryRun,
      lockTimeoutMs: options.lockTimeoutMs,
      onEvent: options.onEvent,
    }),
  }));
}

export async function runMigrateDown(options: MigrateOptions & { to?: string; dryRun?: boolean }) {
  return forEachTarget(options, false, async (target, client) => ({
    service: target.service,
    target: target.display,
    migrations: await migrateDown(client, target.service, await readMigrationDir(target.migrationsDir), {
      to: options.to,
      dryRun: options.dryRun,
      lockTimeoutMs: options.lockTimeoutMs,
      onEvent: options.onEvent,
    }),
  }));
}

export async function runMigrateStatus(options: MigrateOptions) {
  return forEachTarget(options, false, async (target, client) => ({
    service: target.service,
    target: target.display,
    migrations: await migrationStatus(client, target.service, await readMigrationDir(target.migrationsDir)),
  }));
}

export async function runMigrateBaseline(
  options: MigrateOptions & { from?: 'prisma' | 'supabase'; dir?: string; to?: string },
) {
  if (options.from && (options.services?.length ?? 0) !== 1) {
    throw new CleaveError('PLAN_INVALID', `baseline --from ${options.from} records one service's history`, {
      hint: 'name it with --service S',
    });
  }
  return forEachTarget(options, true, async (target, client) => {
    const files = options.from
      ? await readExternalHistory(options.from, options.dir ?? '')
      : await readMigrationDir(target.migrationsDir);
    return {
      service: target.service,
      target: target.display,
      recorded: await baseline(client, target.service, files, { to: options.to }),
    };
  });
}

/** `migrate create <name>`: the next numbered file in the service's folder, with empty up and down sections. */
export async function runMigrateCreate(options: MigrateOptions & { name: string }): Promise<string[]> {
  const planFile = await loadPlanFile(options.planPath);
  const services = options.services?.length ? options.services : Object.keys(planFile.plan.services);
  if (services.length > 1 && !options.services?.length) {
    throw new CleaveError('PLAN_INVALID', 'which service is the migration for?', {
      hint: `pass --service, one of: ${services.join(', ')}`,
    });
  }
  const name = options.name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  if (name === '')
    throw new CleaveError('PLAN_INVALID', `migration name "${options.name}" has no letters or digits`, {
      hint: 'e.g. cleave migrate create add_invoice_index',
    });
  const targets = await resolveTargets(planFile, { services, migrationsDir: options.migrationsDir });
  const written: string[] = [];
  for (const target of targets) {
    const files = await readMigrationDir(target.migrationsDir);
    const next = files.length === 0 ? 1n : BigInt(files[files.length - 1]!.version) + 1n;
    const version = next.toString().padStart(4, '0');
    const path = join(target.migrationsDir, `${version}_${name}.sql`);
    if (existsSync(path))
      throw new CleaveError('PLAN_EXISTS', `${path} already exists`, { hint: 'choose another name' });
    await mkdir(target.migrationsDir, { recursive: true });
    await writeFile(path, `-- ${name} (service ${target.service})\n\n-- cleave:up\n\n\n-- cleave:down\n\n`);
    written.push(path);
  }
  return written;
}
