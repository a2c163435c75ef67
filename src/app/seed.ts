import { join } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { openSession } from '../db/postgres.js';
import { readMigrationDir } from '../migrations/files.js';
import { migrateUp } from '../migrations/runner.js';
import { resetService, runSeeds, type SeedStatus, seedStatus } from '../seed/runner.js';
import { readSeedSets, type SeedSet } from '../seed/sets.js';
import { loadPlanFile } from './plan-file.js';
import { resolveTargets } from './targets.js';

export interface SeedOptions {
  planPath: string;
  services?: string[] | undefined;
  /** Folder of the seed sets (default: `seeds/` beside the plan). */
  seedsDir?: string | undefined;
  migrationsDir?: string | undefined;
  sets?: string[] | undefined;
  onSet?: (set: SeedSet, durationMs: number) => void;
}

export interface ServiceSeedReport {
  service: string;
  sets: SeedStatus[];
  truncated?: string[];
}

async function eachService(
  options: SeedOptions,
  create: boolean,
  work: (ctx: {
    service: string;
    schema: string;
    sets: SeedSet[];
    client: Awaited<ReturnType<typeof openSession>>;
    migrationsDir: string;
  }) => Promise<ServiceSeedReport>,
): Promise<{ results: ServiceSeedReport[]; secrets: string[] }> {
  const planFile = await loadPlanFile(options.planPath);
  const root = options.seedsDir ?? join(planFile.dir, 'seeds');
  const targets = await resolveTargets(planFile, {
    services: options.services,
    migrationsDir: options.migrationsDir,
    create,
  });
  const all = await Promise.all(
    targets.map(async (t) => ({ target: t, sets: await readSeedSets(root, t.service) })),
  );
  const unknown = (options.sets ?? []).filter(
    (name) => !all.some((x) => x.sets.some((s) => s.name === name)),
  );
  if (unknown.length > 0) {
    const known = [...new Set(all.flatMap((x) => x.sets.map((s) => s.name)))];
    throw new CleaveError(
      'PLAN_INVALID',
      `no seed set ${unknown.map((u) => `\`${u}\``).join(', ')} under ${root}`,
      {
        hint:
          known.length > 0
            ? `sets are: ${known.join(', ')}`
            : `create one: ${join(root, '<service>', '<set>', '001.sql')}`,
      },
    );
  }
  const results: ServiceSeedReport[] = [];
  for (const { target, sets } of all) {
    const client = await openSession(target.connectionString, target.display);
    try {
      results.push(
        await work({
          service: target.service,
          schema: target.schema,
          sets,
          client,
          migrationsDir: target.migrationsDir,
        }),
      );
    } finally {
      await client.end().catch(() => {});
    }
  }
  return { results, secrets: planFile.secrets };
}

/** `cleave seed [set ...]`: runs new and changed sets (all, or the named ones). */
export function runSeed(options: SeedOptions) {
  return eachService(options, false, async ({ service, schema, sets, client }) => ({
    service,
    sets: await runSeeds(client, { service, schema }, sets, { only: options.sets, onSet: options.onSet }),
  }));
}

export function runSeedStatus(options: SeedOptions) {
  return eachService(options, false, async ({ service, sets, client }) => ({
    service,
    sets: await seedStatus(client, service, sets),
  }));
}

/** `cleave seed reset`: empties the services' tables, then runs every set: the rows of a fresh setup. */
export function runSeedReset(options: SeedOptions) {
  return eachService(options, false, async ({ service, schema, sets, client }) => {
    const truncated = await resetService(client, { service, schema });
    return {
      service,
      truncated,
      sets: await runSeeds(client, { service, schema }, sets, { onSet: options.onSet }),
    };
  });
}

/** `cleave setup`: migrate up, then seed, per service. */
export function runSetup(options: SeedOptions) {
  return eachService(options, true, async ({ service, schema, sets, client, migrationsDir }) => {
    await migrateUp(client, service, await readMigrationDir(migrationsDir));
    return { service, sets: await runSeeds(client, { service, schema }, sets, { onSet: options.onSet }) };
  });
}
