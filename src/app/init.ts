import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { introspect } from '../catalog/introspect.js';
import type { Catalog } from '../catalog/model.js';
import { CleaveError } from '../core/errors.js';
import { connect } from '../db/connect.js';
import { parseDatabaseUrl } from '../db/url.js';
import { type ProposedService, proposeServices } from '../plan/propose.js';
import { renderPlanYaml } from '../plan/render-plan.js';

export interface InitOptions {
  sourceUrl: string;
  planPath: string;
  layout?: 'schemas' | 'databases';
  maxServices?: number | undefined;
  force?: boolean;
}

export interface InitResult {
  path: string;
  services: ProposedService[];
  catalog: Catalog;
  /** The source URL as written into the plan (an ${ENV} reference when the URL holds a password). */
  sourceRef: string;
  /** Set when the plan refers to an environment variable the user must export. */
  envToSet: string | null;
}

/** `cleave init`: propose services from the source's FK graph and write a commented plan. */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const path = resolve(options.planPath);
  if (existsSync(path) && !options.force) {
    throw new CleaveError('PLAN_EXISTS', `${options.planPath} already exists`, {
      hint: 'pass --force to overwrite it, or --plan OTHER.yaml to write another file',
    });
  }
  const source = await connect(options.sourceUrl, { role: 'source' });
  let catalog: Catalog;
  try {
    catalog = await introspect(source, { counts: 'auto' });
  } finally {
    await source.close();
  }
  if (catalog.tables.length === 0) {
    throw new CleaveError('UNSUPPORTED', `the source ${source.displayUrl} has no tables to split`, {
      hint: 'check the URL (database name, or the path of the SQLite file)',
    });
  }
  const services = proposeServices(
    catalog,
    options.maxServices === undefined ? {} : { maxServices: options.maxServices },
  );
  const { ref, env } = sourceReference(options.sourceUrl, dirname(path));
  const usersService = catalog.supabase ? guessUsersService(catalog, services) : undefined;
  const text = renderPlanYaml({
    sourceUrl: ref,
    layout: options.layout ?? 'schemas',
    services,
    catalog,
    ...(usersService ? { usersService } : {}),
  });
  await writeFile(path, text, { flag: options.force ? 'w' : 'wx' }).catch((cause: { code?: string }) => {
    if (cause.code === 'EEXIST')
      throw new CleaveError('PLAN_EXISTS', `${options.planPath} already exists`, {
        hint: 'pass --force to overwrite it',
        cause,
      });
    throw cause;
  });
  return { path, services, catalog, sourceRef: ref, envToSet: env };
}

/**
 * A password never goes into the plan file: such a URL is written as ${CLEAVE_SOURCE_URL}.
 * A SQLite path is written relative to the plan's folder, so the plan moves with the project.
 */
function sourceReference(url: string, planDir: string): { ref: string; env: string | null } {
  const parsed = parseDatabaseUrl(url);
  if (parsed.engine === 'sqlite') {
    const rel = relative(planDir, parsed.path);
    return { ref: `sqlite:${isAbsolute(rel) || rel.startsWith('..') ? parsed.path : `./${rel}`}`, env: null };
  }
  if (parsed.engine === 'postgres' && /:\/\/[^/@]*:[^/@]*@/.test(url))
    return { ref: '${CLEAVE_SOURCE_URL}', env: 'CLEAVE_SOURCE_URL' };
  return { ref: url, env: null };
}

/** The proposed service holding the most tables that reference auth.users takes over users. */
function guessUsersService(catalog: Catalog, services: ProposedService[]): string | undefined {
  const referencing = new Set(catalog.supabase?.authUserReferences.map((r) => r.table));
  let best: string | undefined;
  let bestCount = 0;
  for (const s of services) {
    const count = s.tables.filter((t) => referencing.has(t)).length;
    if (count > bestCount) {
      best = s.name;
      bestCount = count;
    }
  }
  return best;
}
