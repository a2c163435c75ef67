import { appendFile, chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../../src/app/init.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog, Table } from '../../src/catalog/model.js';
import { PostgresDatabase } from '../../src/db/postgres.js';

/** A temp project folder with a plan: written by `init` from the source, or given, pointed at `targetUrl`. */
export async function projectWithPlan(
  sourceUrl: string,
  options: { targetUrl?: string; plan?: string; services?: number } = {},
): Promise<{ dir: string; plan: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cleave-project-'));
  await chmod(dir, 0o755);
  const plan = join(dir, 'cleave.yaml');
  if (options.plan !== undefined) await writeFile(plan, options.plan);
  else {
    await runInit({ sourceUrl, planPath: plan, maxServices: options.services });
    // init writes ${CLEAVE_SOURCE_URL} for URLs with a password; the tests keep the URL in the file.
    const text = await readFile(plan, 'utf8');
    await writeFile(plan, text.replace('${CLEAVE_SOURCE_URL}', sourceUrl));
  }
  if (options.targetUrl) await appendFile(plan, `\ntarget:\n  url: "${options.targetUrl}"\n`);
  return { dir, plan };
}

/** The catalog of one schema of a target database, read with Cleave's own introspection. */
export async function targetCatalog(url: string, schema: string): Promise<Catalog> {
  const db = new PostgresDatabase({ connectionString: url, display: 'target', max: 2 });
  try {
    return await introspect(db, { schemas: [schema], counts: 'estimate' });
  } finally {
    await db.close();
  }
}

/** A table's shape for comparison: columns with types and nullability, keys, FKs inside the schema, index keys. */
export function shape(table: Table, options: { typeOf?: (column: Table['columns'][number]) => string } = {}) {
  const typeOf =
    options.typeOf ??
    ((c) => (c.userType ? `${c.userType.split('.').pop()}${c.isArray ? '[]' : ''}` : c.type));
  return {
    columns: table.columns.map((c) => `${c.name} ${typeOf(c)}${c.nullable ? '' : ' not null'}`),
    primaryKey: table.primaryKey?.columns ?? null,
    uniques: table.uniqueKeys.map((u) => u.columns.join(',')).sort(),
  };
}
