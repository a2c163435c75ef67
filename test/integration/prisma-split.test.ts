import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/app/generate.js';
import { runMigrateUp } from '../../src/app/migrate.js';
import { loadPlanFile } from '../../src/app/plan-file.js';
import { type PrismaResult, runPrisma } from '../../src/app/prisma.js';
import { isCleaveError } from '../../src/core/errors.js';
import { prismaModels } from '../../src/schema/prisma/split.js';
import { fixture, REPO, SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const TRIGGER = fixture('prisma', 'trigger.dev', 'schema.prisma');
const RUN_OPS = fixture('prisma', 'trigger.dev', 'run-ops-database.schema.prisma');
const DUMMY_URL = 'postgresql://cleave:cleave@localhost:5432/cleave';

const temporary: string[] = [];
afterAll(async () => {
  // rm removes the node_modules symlinks themselves, never what they point at.
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/**
 * trigger.dev split the way its own code is organised: accounts and organisations; projects, environments and
 * their settings; deployed workers and their tasks; and the run engine (the models its run-ops database holds,
 * plus queues, events and bulk actions). Tables, as a plan names them: six models are @@map'ped.
 */
const TRIGGER_PLAN = {
  identity: `User MfaBackupCode InvitationCode AuthorizationCode PersonalAccessToken OrganizationAccessToken
    Organization OrgMember OrgMemberInvite ImpersonationAuditLog SecretReference SecretStore FeatureFlag
    PlatformNotification PlatformNotificationInteraction OrganizationIntegration GithubAppInstallation
    GithubRepository OrganizationDataStore DataMigration`,
  projects: `Project RuntimeEnvironment api_keys RevokedApiKey EnvironmentVariable EnvironmentVariableValue
    RuntimeEnvironmentSession TaskSchedule TaskScheduleInstance ProjectAlertChannel ProjectAlert
    ProjectAlertStorage OrganizationProjectIntegration ConnectedGithubRepository IntegrationDeployment
    WebhookEndpoint WebhookDelivery PlaygroundConversation CustomerQuery MetricsDashboard llm_models
    llm_pricing_tiers llm_prices LogsSearchProjectorCheckpoint ErrorGroupState`,
  workers: `BackgroundWorker BackgroundWorkerFile BackgroundWorkerTask WorkerDeployment WorkerDeploymentPromotion
    WorkerInstance WorkerInstanceGroup WorkerGroupToken prompts prompt_versions TaskIdentifier`,
  runs: `TaskRun TaskRunTemplate TaskRunExecutionSnapshot TaskRunCheckpoint Waitpoint TaskRunWaitpoint WaitpointTag
    TaskRunTag TaskRunDependency TaskRunCounter TaskRunNumberCounter TaskRunAttempt TaskEvent TaskEventPartitioned
    TaskQueue BatchTaskRun BatchTaskRunItem BatchTaskRunError Checkpoint CheckpointRestoreEvent BulkActionGroup
    BulkActionItem RealtimeStreamChunk Session SessionRun`,
};

/** trigger.dev's run-ops database: the run lifecycle, and batches apart. */
const RUN_OPS_PLAN = {
  runs: `TaskRun TaskRunExecutionSnapshot TaskRunCheckpoint Waitpoint TaskRunWaitpoint WaitpointRunConnection
    CompletedWaitpoint WaitpointTag TaskRunTag TaskRunDependency TaskRunAttempt Checkpoint CheckpointRestoreEvent`,
  batches: 'BatchTaskRun BatchTaskRunItem BatchTaskRunError',
};

async function writePlan(services: Record<string, string>, layout: 'schemas' | 'databases'): Promise<string> {
  const dir = await tempDir('cleave-prisma-plan-');
  const lines = [
    'version: 1',
    'source: { url: "postgres://localhost/monolith" }',
    `layout: ${layout}`,
    'services:',
  ];
  for (const [name, tables] of Object.entries(services))
    lines.push(
      `  ${name}:`,
      ...(layout === 'databases' ? [`    url: "postgres://localhost/${name}"`] : []),
      '    tables:',
      ...tables
        .trim()
        .split(/\s+/)
        .map((t) => `      - ${t}`),
    );
  const path = join(dir, 'cleave.yaml');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** An output folder where the generated prisma.config.ts files can import `prisma/config`. */
async function outDir(): Promise<string> {
  const dir = await tempDir('cleave-prisma-out-');
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        output: stdout + stderr,
      }),
    );
  });
}

/** Runs `fn` over `items`, at most `limit` at a time: prisma validate takes a core each. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * `prisma validate --config` for every service, as a user would run it: through the generated config (so its
 * env() must resolve), the WASM engine only (no engine download), each service's URL variable set.
 */
async function validateAll(out: string, services: readonly string[]): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  for (const s of services) env[`${s.toUpperCase()}_DATABASE_URL`] = DUMMY_URL;
  const prisma = join(REPO, 'node_modules', '.bin', 'prisma');
  const results = await pool(services, 2, (s) =>
    run(prisma, ['validate', '--config', join(out, 'prisma', s, 'prisma.config.ts')], env),
  );
  for (const [i, r] of results.entries()) {
    expect(r.output, `prisma validate of ${services[i]}`).toContain('is valid');
    expect(r.code, `prisma validate of ${services[i]}`).toBe(0);
  }
}

async function schemas(out: string, result: PrismaResult): Promise<Record<string, string>> {
  const entries = await Promise.all(
    result.services.map(
      async (s) => [s, await readFile(join(out, 'prisma', s, 'schema.prisma'), 'utf8')] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** Every model of the source in exactly one service; every enum a service uses, present in it. */
async function expectComplete(
  source: string,
  written: Record<string, string>,
  extra: string[] = [],
): Promise<void> {
  const text = await readFile(source, 'utf8');
  const models = prismaModels(text).map((m) => m.name);
  const enumNames = new Set([...text.matchAll(/^enum (\w+)/gm)].map((m) => m[1]!));
  const placed = Object.values(written).flatMap((t) => prismaModels(t).map((m) => m.name));
  expect([...placed].sort()).toEqual([...models, ...extra].sort());
  for (const [service, t] of Object.entries(written)) {
    const declared = new Set([...t.matchAll(/^enum (\w+)/gm)].map((m) => m[1]!));
    const used = new Set(
      prismaModels(t).flatMap((m) => m.columns.map((c) => c.type).filter((type) => enumNames.has(type))),
    );
    for (const e of used) expect(declared.has(e), `enum ${e} in ${service}`).toBe(true);
  }
}

/** The lines of `model` in a schema text. */
function modelBlock(text: string, model: string): string {
  const match = new RegExp(`^model ${model} \\{\\n[\\s\\S]*?^\\}`, 'm').exec(text);
  if (!match) throw new Error(`no model ${model}`);
  return match[0];
}

describe('cleave prisma --from (split a schema.prisma per service)', () => {
  it('trigger.dev by a plan: four services in schemas, each valid for Prisma 7', async () => {
    const plan = await writePlan(TRIGGER_PLAN, 'schemas');
    const out = await outDir();
    const result = await runPrisma({ planPath: plan, from: TRIGGER, out });
    expect(result.assignment).toBe('plan');
    expect(result.services).toEqual(['identity', 'projects', 'runs', 'workers']);
    expect(result.unassigned).toEqual([]);
    await validateAll(out, result.services);

    const written = await schemas(out, result);
    // TaskQueue went to runs: the workers <-> queues many-to-many keeps its join table, in workers.
    await expectComplete(TRIGGER, written, ['BackgroundWorkerToTaskQueue']);
    for (const [service, text] of Object.entries(written)) {
      expect(text).toContain(`schemas  = ["${service}"]`);
      expect(text).not.toMatch(/^\s*url\s*=/m);
      for (const block of text.match(/^(model|enum) \w+ \{\n[\s\S]*?^\}/gm) ?? [])
        expect(block).toContain(`@@schema("${service}")`);
    }

    // A run's environment is in another service: the column stays, documented; the relation field goes.
    const taskRun = modelBlock(written.runs!, 'TaskRun');
    expect(taskRun).toMatch(
      /\/\/\/ was a relation to RuntimeEnvironment in service projects: check it in the application\n\s+runtimeEnvironmentId\s+String\n/,
    );
    expect(taskRun).not.toMatch(/^\s+runtimeEnvironment\s+RuntimeEnvironment/m);
    // ... and the back-relation list is gone from RuntimeEnvironment; its own relations stay.
    const environment = modelBlock(written.projects!, 'RuntimeEnvironment');
    expect(environment).not.toMatch(/\bTaskRun\[\]/);
    expect(environment).toMatch(/^\s+project\s+Project\s+@relation/m);
    expect(result.crossServiceRelations).toContainEqual({
      from: 'TaskRun',
      field: 'runtimeEnvironment',
      to: 'RuntimeEnvironment',
      fromService: 'runs',
      toService: 'projects',
      kind: 'foreign-key',
    });
    // Attributes, doc comments and native types survive.
    expect(modelBlock(written.projects!, 'ApiKey')).toContain('@@map("api_keys")');
    expect(modelBlock(written.runs!, 'TaskQueue')).toContain('@db.Decimal(5, 2)');
    const joinTable = modelBlock(written.workers!, 'BackgroundWorkerToTaskQueue');
    expect(joinTable).toContain('@@map("_BackgroundWorkerToTaskQueue")');
    expect(joinTable).toContain('@@id([A, B], map: "_BackgroundWorkerToTaskQueue_AB_pkey")');

    const manyToMany = result.crossServiceRelations.filter((r) => r.kind === 'many-to-many');
    expect(manyToMany.map((r) => `${r.from}.${r.field}`)).toEqual(['BackgroundWorker.queues']);
    expect(result.crossServiceRelations.length).toBeGreaterThan(40);

    const files = (await readdir(join(out, 'src', 'clients'))).sort();
    expect(files).toEqual([
      'identity.client.ts',
      'index.ts',
      'projects.client.ts',
      'runs.client.ts',
      'workers.client.ts',
    ]);
    const config = await readFile(join(out, 'prisma', 'runs', 'prisma.config.ts'), 'utf8');
    expect(config).toContain("datasource: { url: env('RUNS_DATABASE_URL') }");
    const client = await readFile(join(out, 'src', 'clients', 'runs.client.ts'), 'utf8');
    expect(client).toContain("from '../../node_modules/.prisma/runs/index.js'");
    expect(client).toContain('connection_limit');
  });

  it('trigger.dev with no plan: the proposal for at most four services, layout databases', async () => {
    const out = await outDir();
    const result = await runPrisma({
      planPath: join(out, 'absent.yaml'),
      from: TRIGGER,
      out,
      services: 4,
      layout: 'databases',
    });
    expect(result.assignment).toBe('proposed');
    expect(result.services.length).toBeGreaterThanOrEqual(3);
    expect(result.services.length).toBeLessThanOrEqual(4);
    await validateAll(out, result.services);
    const written = await schemas(out, result);
    const joins = Object.values(written).flatMap((t) =>
      prismaModels(t)
        .filter((m) => m.table.startsWith('_'))
        .map((m) => m.name),
    );
    await expectComplete(TRIGGER, written, joins);
    for (const text of Object.values(written)) expect(text).not.toContain('@@schema');
  });

  it('run-ops by a plan and by a proposal: two services each, batches documented where they left', async () => {
    const plan = await writePlan(RUN_OPS_PLAN, 'databases');
    const byPlan = await outDir();
    const proposedOut = await outDir();
    const [planned, proposed] = await Promise.all([
      runPrisma({ planPath: plan, from: RUN_OPS, out: byPlan }),
      runPrisma({ planPath: join(proposedOut, 'absent.yaml'), from: RUN_OPS, out: proposedOut, services: 2 }),
    ]);
    expect(planned.services).toEqual(['batches', 'runs']);
    expect(proposed.services).toHaveLength(2);
    await validateAll(byPlan, planned.services);
    await validateAll(proposedOut, proposed.services);
    const written = await schemas(byPlan, planned);
    await expectComplete(RUN_OPS, written);
    await expectComplete(RUN_OPS, await schemas(proposedOut, proposed));

    // The relation's own doc comment moves with it onto the column that stays.
    expect(modelBlock(written.runs!, 'TaskRun')).toMatch(
      /\/\/\/ The batch run that this task run is a part of\n\s+\/\/\/ was a relation to BatchTaskRun in service batches: check it in the application\n\s+batchId\s+String\?/,
    );
    expect(modelBlock(written.batches!, 'BatchTaskRun')).not.toMatch(/\bTaskRun\[\]/);
    expect(
      planned.crossServiceRelations
        .filter((r) => r.fromService === 'batches')
        .map((r) => r.field)
        .sort(),
    ).toEqual(['checkpointEvent', 'dependentTaskAttempt', 'taskRun', 'taskRunAttempt']);
  });

  it('a plan that leaves a model out is refused, naming it, and nothing is written', async () => {
    const plan = await writePlan(
      { ...RUN_OPS_PLAN, runs: RUN_OPS_PLAN.runs.replace(/\bWaitpointTag\b/, '') },
      'schemas',
    );
    const out = await tempDir('cleave-prisma-out-');
    const error = await runPrisma({ planPath: plan, from: RUN_OPS, out }).catch((e: unknown) => e);
    expect(isCleaveError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PLAN_INVALID' });
    expect((error as Error).message).toMatch(/1 Prisma model is in no service of .*: WaitpointTag$/);
    expect((error as { hint: string }).hint).toContain('tables');
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses to overwrite generated files unless --force', async () => {
    const plan = await writePlan(RUN_OPS_PLAN, 'schemas');
    const out = await tempDir('cleave-prisma-out-');
    await runPrisma({ planPath: plan, from: RUN_OPS, out });
    const again = await runPrisma({ planPath: plan, from: RUN_OPS, out }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'PLAN_EXISTS' });
    expect((again as Error).message).toContain(join(out, 'prisma', 'batches', 'schema.prisma'));
    expect((again as { hint: string }).hint).toContain('--force');
    await expect(runPrisma({ planPath: plan, from: RUN_OPS, out, force: true })).resolves.toMatchObject({
      services: ['batches', 'runs'],
    });
  });
});

describe('cleave prisma (from the services’ migrated schemas)', () => {
  it('Chinook: generate, migrate up, then one valid schema.prisma per service with a model per table', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('prisma_targets');
    const { plan } = await projectWithPlan(`sqlite:${source}`, { targetUrl: target.url });
    const before = await runPrisma({ planPath: plan, out: tmpdir() }).catch((e: unknown) => e);
    expect(before).toMatchObject({ code: 'UNSUPPORTED' });
    expect((before as { hint: string }).hint).toContain('cleave generate');

    await runGenerate({ planPath: plan });
    await runMigrateUp({ planPath: plan });
    const out = await outDir();
    const result = await runPrisma({ planPath: plan, out });
    await validateAll(out, result.services);
    const { plan: parsed } = await loadPlanFile(plan);
    for (const service of result.services) {
      const text = await readFile(join(out, 'prisma', service, 'schema.prisma'), 'utf8');
      expect(
        prismaModels(text)
          .map((m) => m.table)
          .sort(),
        service,
      ).toEqual([...parsed.services[service]!.tables].sort());
    }
  });
});
