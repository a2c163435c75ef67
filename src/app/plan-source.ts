import type pg from 'pg';
import { introspect } from '../catalog/introspect.js';
import type { Catalog } from '../catalog/model.js';
import { CleaveError } from '../core/errors.js';
import { connect } from '../db/connect.js';
import type { Database } from '../db/port.js';
import { openSession } from '../db/postgres.js';
import { parseDatabaseUrl } from '../db/url.js';
import { type Ownership, resolveOwnership } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { withAuthUsers } from './auth-users.js';
import { loadPlanFile, type PlanFile } from './plan-file.js';
import { resolveUrl } from './targets.js';

/** A plan with its source open and read: what copy and verify both start from. */
export interface PlanSource {
  planFile: PlanFile;
  /** The plan, with Supabase's auth.users given to the users service when it applies. */
  plan: Plan;
  source: Database;
  catalog: Catalog;
  ownership: Ownership;
  /** Values never to print: the plan's ${VAR}s and the encryption keys it names. */
  secrets: string[];
  /** PostgreSQL sources: opens a dedicated source session; null for SQLite. */
  openSource: (() => Promise<pg.Client>) | null;
}

/**
 * Loads the plan, opens and reads its source, and checks that ownership has no errors and that every table
 * named in `tables` exists. The caller closes `source`.
 */
export async function openPlanSource(options: {
  planPath: string;
  env?: NodeJS.ProcessEnv | undefined;
  tables?: string[] | undefined;
}): Promise<PlanSource> {
  const env = options.env ?? process.env;
  const planFile = await loadPlanFile(options.planPath, env);
  const secrets = [...planFile.secrets];
  for (const spec of Object.values(planFile.plan.tables ?? {}))
    for (const col of Object.values(spec.columns ?? {})) {
      const key = col.encrypt ? env[col.encrypt.keyEnv] : undefined;
      if (key) secrets.push(key);
    }
  const source = await connect(planFile.plan.source.url, { baseDir: planFile.dir, role: 'source' });
  try {
    const catalog = await introspect(source, { schemas: planFile.plan.source.schemas, counts: 'estimate' });
    const resolved = resolveOwnership(planFile.plan, catalog, planFile.lineOf);
    const errors = resolved.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0)
      throw new CleaveError('PLAN_INVALID', errors[0]!.message, {
        hint: errors[0]!.hint ?? 'run `cleave analyze`',
      });
    const { plan, ownership } = withAuthUsers(planFile.plan, catalog, resolved);
    const unknown = (options.tables ?? []).filter((t) => !catalog.tables.some((x) => x.id === t));
    if (unknown.length > 0)
      throw new CleaveError('PLAN_INVALID', `no table ${unknown.join(', ')} in the source`, {
        hint: 'name tables as `cleave analyze` lists them',
      });
    const url = parseDatabaseUrl(plan.source.url, planFile.dir);
    let openSource: PlanSource['openSource'] = null;
    if (url.engine !== 'sqlite') {
      const connectionString =
        url.engine === 'postgres'
          ? url.connectionString
          : (await resolveUrl(plan.source.url, false)).connectionString;
      openSource = () => openSession(connectionString, url.display, 'source');
    }
    return { planFile, plan, source, catalog, ownership, secrets, openSource };
  } catch (error) {
    await source.close();
    throw error;
  }
}
