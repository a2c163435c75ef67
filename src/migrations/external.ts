import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { type MigrationFile, parseMigrationFile } from './file.js';
import { compareVersions } from './ledger.js';

/**
 * Reads another tool's migration history as Cleave migration files, so it can be recorded as applied:
 * Prisma Migrate (`<timestamp>_<name>/migration.sql`) or the Supabase CLI (`<timestamp>_<name>.sql`).
 * The whole file is the up section; there is no down.
 */
export async function readExternalHistory(
  kind: 'prisma' | 'supabase',
  dir: string,
): Promise<MigrationFile[]> {
  if (!existsSync(dir))
    throw new CleaveError('PLAN_INVALID', `no ${kind} migrations folder at ${dir}`, {
      hint: `give the folder that holds the ${kind === 'prisma' ? 'prisma/migrations' : 'supabase/migrations'} history`,
    });
  const out: MigrationFile[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const path = join(dir, entry);
    if (kind === 'prisma') {
      const m = /^(\d+)_(.+)$/.exec(entry);
      const sql = join(path, 'migration.sql');
      if (!m || !(await stat(path)).isDirectory() || !existsSync(sql)) continue;
      out.push(asMigration(m[1]!, m[2]!, await readFile(sql, 'utf8')));
    } else {
      const m = /^(\d+)_(.+)\.sql$/.exec(entry);
      if (!m) continue;
      out.push(asMigration(m[1]!, m[2]!, await readFile(path, 'utf8')));
    }
  }
  if (out.length === 0)
    throw new CleaveError('PLAN_INVALID', `no ${kind} migrations found in ${dir}`, {
      hint: 'check the folder',
    });
  return out.sort((a, b) => compareVersions(a.version, b.version));
}

function asMigration(version: string, name: string, text: string): MigrationFile {
  const safe = name.replace(/[^\w.-]+/g, '_');
  return parseMigrationFile(`${version}_${safe}.sql`, `-- cleave:up\n${text}`);
}
