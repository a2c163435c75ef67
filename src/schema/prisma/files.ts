import { posix } from 'node:path';

/** Where one service's Prisma schema and client go, and how it reaches its database. */
export interface PrismaOutputOptions {
  service: string;
  layout: 'schemas' | 'databases';
  /** layout=schemas: the PostgreSQL schema of the service (default: the service name). */
  schema?: string;
  /** The environment variable holding the service's database URL, e.g. AUTH_DATABASE_URL. */
  envVar: string;
  /** The generator's `output`, relative to the schema file, e.g. `../../node_modules/.prisma/auth`. */
  clientOutput: string;
}

export interface PrismaServiceFiles {
  service: string;
  schemaPrisma: string;
  envVar: string;
  /** layout=schemas: the service's PostgreSQL schema, so the config can say where its migrations table goes. */
  schema?: string;
}

export interface ProjectFile {
  path: string;
  content: string;
}

/** The layout seed 01 and seed 02 ask for: `prisma/<service>/schema.prisma` and a client per service. */
export function defaultPrismaOutput(
  service: string,
  layout: 'schemas' | 'databases',
  schema?: string,
): PrismaOutputOptions {
  return {
    service,
    layout,
    ...(layout === 'schemas' ? { schema: schema ?? service } : {}),
    envVar: `${service.toUpperCase()}_DATABASE_URL`,
    clientOutput: `../../node_modules/.prisma/${service}`,
  };
}

/** The PostgreSQL schema a service's models go to, or null for layout=databases. */
export function targetSchema(options: PrismaOutputOptions): string | null {
  return options.layout === 'schemas' ? (options.schema ?? options.service) : null;
}

/**
 * The generator and datasource blocks of a service's schema. Prisma 7 rejects `url` (and `directUrl`) in the
 * schema: the URL lives in prisma.config.ts. Multi-schema needs no preview feature in Prisma 7: a `schemas`
 * list here and `@@schema` on every model and enum (each one, or validation fails).
 */
export function prismaHeader(
  options: PrismaOutputOptions,
  extra: { previewFeatures?: readonly string[]; datasource?: readonly [string, string][] } = {},
): string {
  const generator: [string, string][] = [
    ['provider', '"prisma-client-js"'],
    ['output', JSON.stringify(options.clientOutput)],
  ];
  if (extra.previewFeatures && extra.previewFeatures.length > 0)
    generator.push([
      'previewFeatures',
      `[${extra.previewFeatures.map((f) => JSON.stringify(f)).join(', ')}]`,
    ]);
  const datasource: [string, string][] = [['provider', '"postgresql"']];
  const schema = targetSchema(options);
  if (schema !== null) datasource.push(['schemas', `[${JSON.stringify(schema)}]`]);
  datasource.push(...(extra.datasource ?? []));
  return `${block('generator client', generator)}\n\n${block('datasource db', datasource)}\n`;
}

function block(head: string, assignments: readonly [string, string][]): string {
  const width = Math.max(...assignments.map(([k]) => k.length));
  return `${head} {\n${assignments.map(([k, v]) => `  ${k.padEnd(width)} = ${v}`).join('\n')}\n}`;
}

/**
 * Everything a project needs to use one Prisma client per service: the schemas, a prisma.config.ts per service
 * (Prisma 7 reads the URL from there), a client module per service and an index.
 */
export function prismaProjectFiles(services: readonly PrismaServiceFiles[]): ProjectFile[] {
  const files: ProjectFile[] = [];
  for (const s of services) {
    const dir = `prisma/${s.service}`;
    files.push({ path: `${dir}/schema.prisma`, content: s.schemaPrisma });
    files.push({ path: `${dir}/prisma.config.ts`, content: configFile(s) });
    files.push({ path: `src/clients/${s.service}.client.ts`, content: clientFile(s, dir) });
  }
  files.push({ path: 'src/clients/index.ts', content: indexFile(services) });
  return files;
}

function configFile(s: PrismaServiceFiles): string {
  const migrationsNote =
    s.schema === undefined
      ? ''
      : `// Services share one database here: end ${s.envVar} with ?schema=${s.schema} so this service's
// _prisma_migrations table is its own (Prisma keeps it in the URL's schema, public by default).
`;
  return `import { defineConfig, env } from 'prisma/config';

// Prisma 7 reads the database URL here, not from schema.prisma, and loads no .env file by itself:
// export ${s.envVar} (or add \`import 'dotenv/config';\` above) before running prisma.
${migrationsNote}export default defineConfig({
  // Paths here are relative to this file.
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: env('${s.envVar}') },
});
`;
}

function clientFile(s: PrismaServiceFiles, schemaDir: string): string {
  const output = generatorOutput(s.schemaPrisma) ?? `../../node_modules/.prisma/${s.service}`;
  let from = posix.relative('src/clients', posix.join(schemaDir, output));
  if (!from.startsWith('.')) from = `./${from}`;
  const name = clientName(s.service);
  const poolVar = `${s.envVar.replace(/_URL$/, '')}_POOL_MAX`;
  return `import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '${from}/index.js';

const url = process.env.${s.envVar};
if (!url) throw new Error('${s.envVar} is not set: the ${s.service} service needs its database URL');

// Prisma 7 connects through the pg driver, so the pool is pg's: \`connection_limit\` in the URL is no longer
// read and \`max\` takes its place. Every service opens its own pool: keep the sum of their sizes under the
// server's max_connections, or point the URL at PgBouncer.
export const ${name} = new PrismaClient({
  adapter: new PrismaPg({ connectionString: url, max: Number(process.env.${poolVar} ?? 10) }),
});
`;
}

function indexFile(services: readonly PrismaServiceFiles[]): string {
  const lines = [...services]
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((s) => `export { ${clientName(s.service)} } from './${s.service}.client.js';`);
  return `// Importing this module needs every service's URL set: a service that uses only its own database imports
// its ./<service>.client.js directly.
${lines.join('\n')}
`;
}

/** `task_runs` -> `taskRunsDb`. */
export function clientName(service: string): string {
  const camel = service.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, '');
  return `${camel}Db`;
}

function generatorOutput(schemaPrisma: string): string | undefined {
  const generator = /generator\s+\w+\s*\{([^}]*)\}/.exec(schemaPrisma)?.[1];
  return generator === undefined ? undefined : /^\s*output\s*=\s*"([^"]*)"/m.exec(generator)?.[1];
}
