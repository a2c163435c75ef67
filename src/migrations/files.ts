import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { isMigrationFileName, type MigrationFile, parseMigrationFile } from './file.js';
import { compareVersions } from './ledger.js';

/** The migration files of one service's folder, in version order; two files with one version are refused. */
export async function readMigrationDir(dir: string): Promise<MigrationFile[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (!isMigrationFileName(name)) {
      throw new CleaveError('PLAN_INVALID', `${join(dir, name)}: not a migration file name (NNNN_name.sql)`, {
        hint: 'rename it, or move it out of the migrations folder',
      });
    }
    files.push(parseMigrationFile(name, await readFile(join(dir, name), 'utf8')));
  }
  files.sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < files.length; i++) {
    if (compareVersions(files[i - 1]!.version, files[i]!.version) === 0) {
      throw new CleaveError(
        'PLAN_INVALID',
        `${dir}: ${files[i - 1]!.fileName} and ${files[i]!.fileName} have the same version`,
        {
          hint: 'give one of them the next free number',
        },
      );
    }
  }
  return files;
}
