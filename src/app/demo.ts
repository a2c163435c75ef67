import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect } from '../db/connect.js';
import { embeddedServer } from '../db/embedded.js';
import { parseDatabaseUrl } from '../db/url.js';
import { loadPlanFile } from './plan-file.js';

type Build = (options: { url: string; scale?: number }) => Promise<{ tables: Record<string, number> }>;

/**
 * For the bundled examples: when a plan's source does not exist yet, build it with the `generate.ts`
 * that sits beside the plan. A source that exists is never touched.
 */
export async function ensureDemoSource(planPath: string, log: (line: string) => void): Promise<void> {
  const planFile = await loadPlanFile(planPath);
  const generator = join(planFile.dir, 'generate.ts');
  if (!existsSync(generator)) return;
  const parsed = parseDatabaseUrl(planFile.plan.source.url, planFile.dir);
  let url: string;
  if (parsed.engine === 'sqlite') {
    if (existsSync(parsed.path)) return;
    url = `sqlite:${parsed.path}`;
  } else if (parsed.engine === 'embedded') {
    const db = await connect(planFile.plan.source.url, { create: true, role: 'source' });
    try {
      const [row] = await db.query<{ n: string }>(
        `select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p')`,
      );
      if (Number(row!.n) > 0) return;
    } finally {
      await db.close();
    }
    url = (await embeddedServer()).urlFor(parsed.database);
  } else return;
  log(`building the example monolith ${parsed.display} ...`);
  const started = Date.now();
  const { build } = (await import(pathToFileURL(generator).href)) as { build: Build };
  const result = await build({ url });
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  log(
    `built ${Object.keys(result.tables).length} tables, ${rows.toLocaleString('en-US')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
