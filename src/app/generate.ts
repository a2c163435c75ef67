import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { introspect } from '../catalog/introspect.js';
import type { Catalog } from '../catalog/model.js';
import { profileSqliteColumns } from '../catalog/profile.js';
import { CleaveError } from '../core/errors.js';
import { connect } from '../db/connect.js';
import { openSession } from '../db/postgres.js';
import { SqliteDatabase } from '../db/sqlite.js';
import { renderMigrationFile } from '../migrations/file.js';
import { resolveOwnership } from '../plan/ownership.js';
import { applyNames } from '../schema/apply-names.js';
import { generateServices, type ServiceDdl } from '../schema/generate.js';
import { renderStatements } from '../schema/render.js';
import { loadPlanFile } from './plan-file.js';
import { resolveTargets } from './targets.js';

export interface GenerateOptions {
  planPath: string;
  /** Folder of the migrations (default: `migrations/` beside the plan). */
  migrationsDir?: string | undefined;
  roles?: boolean;
  force?: boolean;
  /** Read the target's available extensions (default true); without, a type's fallback is never chosen. */
  probeTarget?: boolean;
}

export interface GeneratedService {
  ddl: ServiceDdl;
  file: string;
  status: 'written' | 'unchanged' | 'overwritten';
}

export interface GenerateResult {
  services: GeneratedService[];
  catalog: Catalog;
  secrets: string[];
}

const INITIAL = '0001_init.sql';

/** `cleave generate`: the initial migration of every service, from the plan and the source's catalog. */
export async function runGenerate(options: GenerateOptions): Promise<GenerateResult> {
  const planFile = await loadPlanFile(options.planPath);
  const source = await connect(planFile.plan.source.url, { baseDir: planFile.dir, role: 'source' });
  let catalog: Catalog;
  let profiles: ReturnType<typeof profileSqliteColumns> | undefined;
  try {
    catalog = await introspect(source, { schemas: planFile.plan.source.schemas, counts: 'estimate' });
    if (source instanceof SqliteDatabase) profiles = profileSqliteColumns(source, catalog.tables);
  } finally {
    await source.close();
  }
  const ownership = resolveOwnership(planFile.plan, catalog, planFile.lineOf);
  const errors = ownership.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new CleaveError(
      'PLAN_INVALID',
      `${relative(process.cwd(), planFile.path) || planFile.path}${errors[0]!.line ? `:${errors[0]!.line}` : ''}: ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      {
        hint: errors[0]!.hint ?? 'run `cleave analyze` for the full list',
        issues: errors.map((e) => ({ path: e.path ?? '', line: e.line, message: e.message, hint: e.hint })),
      },
    );
  }
  const availableExtensions = options.probeTarget === false ? null : await targetExtensions(planFile);
  // The plan's renames and dropped columns, applied to the catalog the DDL is generated from.
  let named: ReturnType<typeof applyNames>;
  try {
    named = applyNames(catalog, planFile.plan, profiles);
  } catch (error) {
    throw new CleaveError('PLAN_INVALID', (error as Error).message, {
      hint: 'keep key columns: drop or rename only other columns',
    });
  }
  const ddls = generateServices({
    catalog: named.catalog,
    plan: named.plan,
    ownership: resolveOwnership(planFile.plan, named.catalog),
    profiles: named.profiles,
    availableExtensions,
    roles: options.roles ?? false,
  });
  for (const note of named.notes) {
    const owner = ownership.owner.get(note.slice(0, note.indexOf(':')));
    ddls.find((d) => d.service === owner)?.notes.push(note);
  }

  const root = options.migrationsDir ?? join(planFile.dir, 'migrations');
  const services: GeneratedService[] = [];
  for (const ddl of ddls) {
    const dir = join(root, ddl.service);
    const file = join(dir, INITIAL);
    const text = renderMigrationFile(
      header(ddl, catalog),
      renderStatements(ddl.up),
      renderStatements(ddl.down),
    );
    let status: GeneratedService['status'] = 'written';
    if (existsSync(file)) {
      const current = await readFile(file, 'utf8');
      if (current === text) status = 'unchanged';
      else if (!options.force) {
        throw new CleaveError(
          'PLAN_EXISTS',
          `${relative(process.cwd(), file)} exists and differs from what generate would write now`,
          {
            hint: 'generate writes only the initial migration: put changes in a new one (cleave migrate create <name>), or pass --force to overwrite it if it was never applied',
          },
        );
      } else status = 'overwritten';
    }
    if (status !== 'unchanged') {
      await mkdir(dir, { recursive: true });
      await writeFile(file, text);
    }
    services.push({ ddl, file, status });
  }
  return { services, catalog, secrets: planFile.secrets };
}

function header(ddl: ServiceDdl, catalog: Catalog): string[] {
  const lines = [
    `Initial schema of service ${ddl.service}, generated by cleave generate from ${catalog.database} (${catalog.serverVersion}).`,
  ];
  if (ddl.crossServiceReferences.length > 0) {
    lines.push(
      '',
      'Cross-service references (plain indexed columns, no constraint: the application keeps them):',
    );
    for (const r of ddl.crossServiceReferences)
      lines.push(`  ${r.table}(${r.columns.join(', ')}) -> ${r.references}`);
  }
  if (ddl.choices.length > 0) {
    lines.push('', 'Type decisions:');
    for (const c of ddl.choices) lines.push(`  ${c.table}.${c.column}: ${c.from} -> ${c.to} (${c.reason})`);
  }
  if (ddl.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of ddl.notes) lines.push(`  ${n}`);
  }
  return lines;
}

/** Extensions the target server can install; null when it cannot be asked (generation goes on). */
async function targetExtensions(
  planFile: Awaited<ReturnType<typeof loadPlanFile>>,
): Promise<Set<string> | null> {
  try {
    const [target] = await resolveTargets(planFile, { create: false });
    if (!target) return null;
    const admin = new URL(target.connectionString);
    admin.pathname = '/postgres';
    const client = await openSession(admin.toString(), target.display);
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions');
      return new Set(rows.map((r) => r.name));
    } finally {
      await client.end();
    }
  } catch {
    return null;
  }
}
