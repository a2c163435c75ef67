import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { catalogOf, emptyTable, plainColumn } from '../catalog/empty.js';
import { introspect } from '../catalog/introspect.js';
import type { Catalog, ForeignKey, Table } from '../catalog/model.js';
import { CleaveError, type PlanIssue } from '../core/errors.js';
import { PostgresDatabase } from '../db/postgres.js';
import { proposeServices } from '../plan/propose.js';
import {
  defaultPrismaOutput,
  type PrismaServiceFiles,
  type ProjectFile,
  prismaProjectFiles,
} from '../schema/prisma/files.js';
import { prismaFromCatalog } from '../schema/prisma/from-catalog.js';
import {
  type CrossServiceRelation,
  type PrismaModelInfo,
  parsePrismaSchema,
  prismaModels,
  splitPrismaSchema,
} from '../schema/prisma/split.js';
import { loadPlanFile } from './plan-file.js';
import { resolveTargets } from './targets.js';

export interface PrismaOptions {
  planPath: string;
  /** An existing schema.prisma to split. */
  from?: string | undefined;
  /** Folder the project files are written under. */
  out: string;
  /** Without a plan: at most this many proposed services. */
  services?: number | undefined;
  force?: boolean | undefined;
  /** Default: the plan's layout, else `schemas`. */
  layout?: 'schemas' | 'databases' | undefined;
}

export interface PrismaResult {
  /** Written files, under `out`. */
  files: string[];
  services: string[];
  layout: 'schemas' | 'databases';
  /** Service -> the environment variable its prisma.config.ts and client read the URL from. */
  envVars: Record<string, string>;
  /** Where the split came from: the plan file, or a proposal from the schema's relations. */
  assignment: 'plan' | 'proposed';
  crossServiceRelations: CrossServiceRelation[];
  unassigned: string[];
}

/**
 * `cleave prisma --from schema.prisma`: one Prisma schema, config and client per service, split the way the
 * plan says (or, with no plan, the way `cleave init` would propose).
 */
export async function runPrisma(options: PrismaOptions): Promise<PrismaResult> {
  if (options.from === undefined) return prismaFromTargets(options);
  const text = await readSchema(options.from);
  const schema = parsePrismaSchema(text);
  const models = prismaModels(schema);

  let layout: 'schemas' | 'databases';
  let assignment: PrismaResult['assignment'];
  let serviceOfModel: (m: { name: string; table: string }) => string | undefined;
  let schemaOf: (service: string) => string | undefined = () => undefined;
  if (existsSync(resolve(options.planPath))) {
    const { plan } = await loadPlanFile(options.planPath);
    layout = options.layout ?? plan.layout;
    assignment = 'plan';
    const owner = new Map<string, string>();
    for (const [service, s] of Object.entries(plan.services))
      for (const t of s.tables) if (!owner.has(t)) owner.set(t, service);
    const schemaByModel = new Map(models.map((m) => [m.name, m.schema]));
    serviceOfModel = (m) => {
      const qualified = `${schemaByModel.get(m.name) ?? 'public'}.${m.table}`;
      return owner.get(m.table) ?? owner.get(m.name) ?? owner.get(qualified);
    };
    schemaOf = (service) => plan.services[service]?.schema;
    const missing = models.filter((m) => serviceOfModel(m) === undefined);
    if (missing.length > 0) throw unassignedError(missing, options.planPath);
  } else {
    layout = options.layout ?? 'schemas';
    assignment = 'proposed';
    const proposed = proposeServices(
      catalogFromPrisma(models),
      options.services === undefined ? {} : { maxServices: options.services },
    );
    const owner = new Map(proposed.flatMap((s) => s.tables.map((t) => [t, s.name] as const)));
    const idOf = new Map(models.map((m) => [m.name, tableId(m)]));
    serviceOfModel = (m) => owner.get(idOf.get(m.name) ?? m.table);
  }

  const outputs = new Map<string, ReturnType<typeof defaultPrismaOutput>>();
  const outputFor = (service: string) => {
    let o = outputs.get(service);
    if (!o) {
      o = defaultPrismaOutput(service, layout, schemaOf(service));
      outputs.set(service, o);
    }
    return o;
  };
  const split = splitPrismaSchema(text, serviceOfModel, outputFor);
  const services = Object.keys(split.services);
  const files = prismaProjectFiles(
    services.map((service) => {
      const o = outputFor(service);
      return {
        service,
        schemaPrisma: split.services[service]!,
        envVar: o.envVar,
        ...(o.schema === undefined ? {} : { schema: o.schema }),
      };
    }),
  );

  await writeProjectFiles(files, options);
  return {
    files: files.map((f) => join(options.out, f.path)),
    services,
    layout,
    envVars: Object.fromEntries(services.map((s) => [s, outputFor(s).envVar])),
    assignment,
    crossServiceRelations: split.crossServiceRelations,
    unassigned: split.unassigned,
  };
}

/**
 * Without --from: one schema.prisma per service from its migrated target schema (what `cleave generate` wrote
 * and `cleave migrate up` applied), read back from the database so it matches what really exists.
 */
async function prismaFromTargets(options: PrismaOptions): Promise<PrismaResult> {
  const planFile = await loadPlanFile(options.planPath);
  const layout = planFile.plan.layout;
  const targets = await resolveTargets(planFile);
  const parts: PrismaServiceFiles[] = [];
  const envVars: Record<string, string> = {};
  for (const target of targets) {
    const db = new PostgresDatabase({
      connectionString: target.connectionString,
      display: target.display,
      max: 2,
      role: 'target',
    });
    let catalog: Catalog;
    try {
      catalog = await introspect(db, { schemas: [target.schema], counts: 'estimate' });
    } finally {
      await db.close();
    }
    if (catalog.tables.length === 0) {
      throw new CleaveError(
        'UNSUPPORTED',
        `service ${target.service} has no tables in ${target.display} (schema ${target.schema})`,
        {
          hint: 'run `cleave generate` and `cleave migrate up` first, or pass --from path/to/schema.prisma to split an existing Prisma schema',
        },
      );
    }
    const output = defaultPrismaOutput(
      target.service,
      layout,
      layout === 'schemas' ? target.schema : undefined,
    );
    envVars[target.service] = output.envVar;
    parts.push({
      service: target.service,
      schemaPrisma: prismaFromCatalog(catalog.tables, { ...output, enums: catalog.enums }),
      envVar: output.envVar,
      ...(output.schema === undefined ? {} : { schema: output.schema }),
    });
  }
  const files = prismaProjectFiles(parts);
  await writeProjectFiles(files, options);
  return {
    files: files.map((f) => join(options.out, f.path)),
    services: parts.map((p) => p.service),
    layout,
    envVars,
    assignment: 'plan',
    crossServiceRelations: [],
    unassigned: [],
  };
}

async function writeProjectFiles(files: ProjectFile[], options: PrismaOptions): Promise<void> {
  const targets = files.map((f) => ({ path: join(options.out, f.path), content: f.content }));
  if (!options.force) {
    const existing = targets.filter((t) => existsSync(t.path));
    if (existing.length > 0) {
      const more = existing.length > 1 ? ` (and ${existing.length - 1} more of the files to write)` : '';
      throw new CleaveError('PLAN_EXISTS', `${existing[0]!.path} already exists${more}`, {
        hint: 'pass --force to overwrite the generated files, or --out DIR to write them elsewhere',
      });
    }
  }
  for (const t of targets) {
    await mkdir(dirname(t.path), { recursive: true });
    await writeFile(t.path, t.content);
  }
}

async function readSchema(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const missing = (cause as { code?: string }).code === 'ENOENT';
    throw new CleaveError(
      'SOURCE_UNREACHABLE',
      missing ? `no Prisma schema at ${path}` : `cannot read ${path}: ${(cause as Error).message}`,
      { hint: 'pass --from with the path of your schema.prisma (often prisma/schema.prisma)', cause },
    );
  }
}

function unassignedError(missing: readonly PrismaModelInfo[], planPath: string): CleaveError {
  const names = missing.map((m) => (m.table === m.name ? m.name : `${m.name} (table ${m.table})`));
  const issues: PlanIssue[] = names.map((n) => ({
    path: 'services',
    message: `model ${n} is in no service's tables`,
  }));
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ` and ${names.length - 8} more` : '');
  return new CleaveError(
    'PLAN_INVALID',
    `${missing.length} Prisma model${missing.length === 1 ? ' is' : 's are'} in no service of ${planPath}: ${shown}`,
    {
      hint: 'add each table (or model name) to the `tables` of the service that owns it, then run again',
      issues,
    },
  );
}

/** How the catalog (and so a plan) names the model's table: `name`, or `schema.name` outside public. */
function tableId(m: PrismaModelInfo): string {
  return m.schema === null || m.schema === 'public' ? m.table : `${m.schema}.${m.table}`;
}

/**
 * The catalog a proposal needs, read from the Prisma schema: models as tables, relations as foreign keys.
 * An implicit many-to-many is the join table Prisma keeps for it, `_AToB`, with a key to each side.
 */
export function catalogFromPrisma(models: readonly PrismaModelInfo[]): Catalog {
  const byName = new Map(models.map((m) => [m.name, m]));
  const schemaOf = (m: PrismaModelInfo) => m.schema ?? 'public';
  const tables: Table[] = models.map((m) => ({
    ...emptyTable(schemaOf(m), m.table, tableId(m)),
    columns: m.columns.map((c, i) => plainColumn(c.column, c.type, i + 1, c.optional)),
    primaryKey: m.primaryKey.length > 0 ? { name: null, columns: m.primaryKey } : null,
    foreignKeys: m.relations.flatMap((r) => {
      const to = byName.get(r.to);
      return to ? [foreignKey(r.fields, schemaOf(to), to.table, r.references)] : [];
    }),
  }));
  const joins = new Set<string>();
  for (const m of models) {
    for (const r of m.manyToMany) {
      const other = byName.get(r.to);
      if (!other || other === m) continue;
      const [a, b] = m.name < other.name ? [m, other] : [other, m];
      const name = `_${a.name}To${b.name}`;
      if (joins.has(name)) continue;
      joins.add(name);
      tables.push({
        ...emptyTable(schemaOf(a), name, schemaOf(a) === 'public' ? name : `${schemaOf(a)}.${name}`),
        columns: [plainColumn('A', 'String', 1, false), plainColumn('B', 'String', 2, false)],
        foreignKeys: [
          foreignKey(['A'], schemaOf(a), a.table, a.primaryKey),
          foreignKey(['B'], schemaOf(b), b.table, b.primaryKey),
        ],
      });
    }
  }
  return catalogOf(tables, { database: 'schema.prisma' });
}

function foreignKey(columns: string[], schema: string, name: string, refColumns: string[]): ForeignKey {
  return {
    name: null,
    columns,
    references: { schema, name, columns: refColumns },
    onDelete: 'no action',
    onUpdate: 'no action',
    deferrable: false,
    fromPartitions: [],
  };
}
