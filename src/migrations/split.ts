import { loadModule, parseSync } from 'libpg-query';
import { CleaveError } from '../core/errors.js';

export interface SqlStatement {
  sql: string;
  /** 1-based line and column of the statement's first character within the text that was split. */
  line: number;
  column: number;
  /** Character offset of the statement in that text. */
  offset: number;
  /** The parse node's kind, e.g. CreateStmt, IndexStmt. */
  kind: string;
  /** Why it cannot run inside a transaction block, or null when it can. */
  nonTransactional: string | null;
}

let loaded: Promise<void> | undefined;

/** libpg-query is PostgreSQL's own parser compiled to WASM: it must be loaded once before use. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

type Node = Record<string, Record<string, unknown>>;

/** Statements PostgreSQL refuses inside BEGIN ... COMMIT, recognised from the parse tree, not by regex. */
function nonTransactionalReason(kind: string, node: Record<string, unknown>): string | null {
  const params = (node.params as { DefElem?: { defname?: string } }[] | undefined) ?? [];
  switch (kind) {
    case 'IndexStmt':
      return node.concurrent ? 'CREATE INDEX CONCURRENTLY' : null;
    case 'DropStmt':
      return node.concurrent ? 'DROP INDEX CONCURRENTLY' : null;
    case 'ReindexStmt':
      return params.some((p) => p.DefElem?.defname === 'concurrently') ? 'REINDEX CONCURRENTLY' : null;
    case 'AlterEnumStmt':
      // Allowed in a transaction since PostgreSQL 12, but the new value cannot be used until it commits.
      return 'ALTER TYPE ... ADD VALUE';
    case 'VacuumStmt':
      return node.is_vacuumcmd ? 'VACUUM' : null;
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    default:
      return null;
  }
}

/**
 * Splits SQL into statements with PostgreSQL's parser (so `;` inside $$ bodies, strings and comments is safe)
 * and marks those that must run alone. Transaction control in a migration is refused: the runner owns it.
 */
export async function splitSql(
  text: string,
  where: { file: string; firstLine?: number },
): Promise<SqlStatement[]> {
  await loadParser();
  const bytes = Buffer.from(text, 'utf8');
  let tree: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(text) as typeof tree;
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const at =
      position === undefined ? null : lineColumn(text, byteToChar(bytes, position), where.firstLine ?? 1);
    throw new CleaveError(
      'PLAN_INVALID',
      `${where.file}${at ? `:${at.line}:${at.column}` : ''}: ${(error as Error).message}`,
      {
        hint: 'fix the SQL: the file was not run',
        cause: error,
      },
    );
  }
  const out: SqlStatement[] = [];
  for (const entry of tree.stmts ?? []) {
    const kind = Object.keys(entry.stmt)[0] ?? 'Unknown';
    const node = entry.stmt[kind] ?? {};
    const startByte = entry.stmt_location ?? 0;
    const endByte =
      entry.stmt_len === undefined || entry.stmt_len === 0 ? bytes.length : startByte + entry.stmt_len;
    const raw = bytes.subarray(startByte, endByte).toString('utf8');
    const leading = raw.length - raw.trimStart().length;
    const sql = raw.trim();
    if (sql === '') continue;
    const offset = byteToChar(bytes, startByte) + leading;
    if (kind === 'TransactionStmt') {
      const at = lineColumn(text, offset, where.firstLine ?? 1);
      throw new CleaveError(
        'PLAN_INVALID',
        `${where.file}:${at.line}: ${sql.split('\n')[0]}: a migration must not control transactions`,
        {
          hint: 'remove BEGIN/COMMIT: each migration runs in its own transaction, and statements that cannot are run alone',
        },
      );
    }
    const at = lineColumn(text, offset, where.firstLine ?? 1);
    out.push({
      sql,
      line: at.line,
      column: at.column,
      offset,
      kind,
      nonTransactional: nonTransactionalReason(kind, node),
    });
  }
  return out;
}

function byteToChar(bytes: Buffer, byteOffset: number): number {
  return bytes.subarray(0, byteOffset).toString('utf8').length;
}

export function lineColumn(
  text: string,
  offset: number,
  firstLine: number,
): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: firstLine + lines.length - 1, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
