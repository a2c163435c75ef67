import { createHash } from 'node:crypto';
import { CleaveError } from '../core/errors.js';

/**
 * A migration file: `NNNN_name.sql` holding an up section and an optional down section,
 *
 *   -- cleave:up
 *   CREATE TABLE ...;
 *   -- cleave:down
 *   DROP TABLE ...;
 *
 * A file without markers is all "up" (so Supabase or hand-written folders can be baselined as they are).
 */
export interface MigrationFile {
  /** The numeric prefix as written, e.g. `0001`; ordering is by its numeric value. */
  version: string;
  name: string;
  fileName: string;
  up: string;
  down: string | null;
  /** 1-based line in the file where the up section's text starts (for error positions). */
  upLine: number;
  downLine: number | null;
  /** sha256 of the normalised up section: what was applied, and what an edit would change. */
  checksum: string;
}

const FILE_NAME = /^(\d+)_([\w.-]+)\.sql$/;
const MARKER = /^--\s*cleave:(up|down)\s*$/im;

export function isMigrationFileName(fileName: string): boolean {
  return FILE_NAME.test(fileName);
}

export function parseMigrationFile(fileName: string, text: string): MigrationFile {
  const m = FILE_NAME.exec(fileName);
  if (!m) {
    throw new CleaveError(
      'PLAN_INVALID',
      `migration file name ${fileName} does not have the form NNNN_name.sql`,
      {
        hint: 'rename it, e.g. 0002_add_index.sql, or create it with `cleave migrate create <name>`',
      },
    );
  }
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const upAt = lines.findIndex((l) => /^--\s*cleave:up\s*$/i.test(l.trim()));
  const downAt = lines.findIndex((l) => /^--\s*cleave:down\s*$/i.test(l.trim()));
  if (downAt !== -1 && upAt > downAt) {
    throw new CleaveError(
      'PLAN_INVALID',
      `${fileName}: the -- cleave:down section comes before -- cleave:up`,
      {
        hint: 'put the up section first',
      },
    );
  }
  const upStart = upAt === -1 ? 0 : upAt + 1;
  const upEnd = downAt === -1 ? lines.length : downAt;
  const up = lines.slice(upStart, upEnd).join('\n');
  const down = downAt === -1 ? null : lines.slice(downAt + 1).join('\n');
  return {
    version: m[1]!,
    name: m[2]!,
    fileName,
    up,
    down: down !== null && down.trim() !== '' ? down : null,
    upLine: upStart + 1,
    downLine: downAt === -1 ? null : downAt + 2,
    checksum: checksumOf(up),
  };
}

/**
 * Normalisation before hashing: line endings, trailing spaces and leading/trailing blank lines do not count;
 * everything else does, comments included (an edited comment is still an edited file, and cheap to re-baseline).
 */
export function normaliseSql(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

export function checksumOf(text: string): string {
  return createHash('sha256').update(normaliseSql(text)).digest('hex');
}

export function renderMigrationFile(header: string[], up: string, down: string | null): string {
  const comment = header.map((l) => `-- ${l}`.trimEnd()).join('\n');
  return `${comment}\n\n-- cleave:up\n${up.trim()}\n\n-- cleave:down\n${(down ?? '').trim()}\n`;
}

export { MARKER as MIGRATION_SECTION_MARKER };
