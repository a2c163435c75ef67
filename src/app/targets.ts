import { join } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { createDatabaseIfMissing as createDatabase } from '../db/create-database.js';
import { embeddedServer } from '../db/embedded.js';
import { openSession } from '../db/postgres.js';
import { parseDatabaseUrl } from '../db/url.js';
import { serviceSchemaName } from '../schema/generate.js';
import type { PlanFile } from './plan-file.js';

/** Where one service lives: its database (connection string never printed) and its schema in it. */
export interface ServiceTarget {
  service: string;
  schema: string;
  connectionString: string;
  display: string;
  migrationsDir: string;
}

/** The database a layout=schemas plan uses when it names no target: on the embedded server. */
export const DEFAULT_TARGET = 'embedded:cleave';

export async function resolveTargets(
  planFile: PlanFile,
  options: { services?: string[] | undefined; migrationsDir?: string | undefined; create?: boolean } = {},
): Promise<ServiceTarget[]> {
  const plan = planFile.plan;
  const names = Object.keys(plan.services);
  for (const s of options.services ?? []) {
    if (!names.includes(s)) {
      throw new CleaveError('PLAN_INVALID', `no service \`${s}\` in ${planFile.path}`, {
        hint: `services are: ${names.join(', ')}`,
      });
    }
  }
  const root = options.migrationsDir ?? join(planFile.dir, 'migrations');
  const out: ServiceTarget[] = [];
  for (const service of options.services?.length ? options.services : names) {
    const url =
      plan.layout === 'databases' ? plan.services[service]!.url! : (plan.target?.url ?? DEFAULT_TARGET);
    const { connectionString, display } = await resolveUrl(url, options.create ?? false);
    out.push({
      service,
      schema: serviceSchemaName(plan, service),
      connectionString,
      display,
      migrationsDir: join(root, service),
    });
  }
  return out;
}

/**
 * A target URL as a driver connection string. Transaction-mode poolers are refused: migrations hold a session
 * advisory lock and set session state, which a pooler hands to another client between statements.
 */
export async function resolveUrl(
  url: string,
  create: boolean,
): Promise<{ connectionString: string; display: string }> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.engine === 'sqlite') {
    throw new CleaveError('UNSUPPORTED', `a target must be PostgreSQL, not ${parsed.display}`, {
      hint: 'give a postgres:// URL, or leave the target out to use the embedded PostgreSQL',
    });
  }
  if (parsed.engine === 'embedded') {
    const server = await embeddedServer();
    const connectionString = server.urlFor(parsed.database);
    if (create) await createDatabaseIfMissing(server.adminUrl, parsed.database);
    return { connectionString, display: parsed.display };
  }
  if (parsed.pooled) {
    throw new CleaveError(
      'POOLED_URL',
      `${parsed.display} is a transaction-mode pooler (pgbouncer=true or port 6543)`,
      {
        hint: 'give the direct connection URL (on Supabase: the port 5432 "direct connection" string); poolers break advisory locks and session settings',
      },
    );
  }
  if (create) {
    const admin = new URL(parsed.connectionString);
    admin.pathname = '/postgres';
    await createDatabaseIfMissing(admin.toString(), parsed.database, parsed.connectionString, parsed.display);
  }
  return { connectionString: parsed.connectionString, display: parsed.display };
}

/** Creates a service database when it is missing (probing it first: the admin database may be off limits). */
async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  probeUrl?: string,
  display?: string,
): Promise<void> {
  if (probeUrl) {
    try {
      const probe = await openSession(probeUrl, display ?? name);
      await probe.end();
      return;
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code !== '3D000') throw error;
    }
  }
  await createDatabase(adminUrl, name, display);
}
