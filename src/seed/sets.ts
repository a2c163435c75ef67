import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A named seed set: `seeds/<service>/<set>/` holding .sql and .ts/.js/.mjs files, run in file-name order. */
export interface SeedSet {
  service: string;
  name: string;
  dir: string;
  files: { name: string; path: string; kind: 'sql' | 'script'; content: string }[];
  /** sha256 over every file's name and content: a set runs again exactly when this changes. */
  checksum: string;
}

const SEED_FILE = /\.(sql|ts|js|mjs)$/;

export async function readSeedSets(root: string, service: string): Promise<SeedSet[]> {
  const dir = join(root, service);
  if (!existsSync(dir)) return [];
  const sets: SeedSet[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const setDir = join(dir, name);
    if (!(await stat(setDir)).isDirectory()) continue;
    const files = [];
    for (const file of (await readdir(setDir))
      .filter((f) => SEED_FILE.test(f) && !f.endsWith('.d.ts'))
      .sort()) {
      const path = join(setDir, file);
      files.push({
        name: file,
        path,
        kind: file.endsWith('.sql') ? ('sql' as const) : ('script' as const),
        content: await readFile(path, 'utf8'),
      });
    }
    const hash = createHash('sha256');
    for (const f of files) hash.update(`${f.name}\u0000${f.content.replace(/\r\n?/g, '\n')}\u0000`);
    sets.push({ service, name, dir: setDir, files, checksum: hash.digest('hex') });
  }
  return sets;
}
