import { splitStatements } from './split-sql.js';

/**
 * Rewrites a Supabase migration so that it loads on plain PostgreSQL after stub.sql, on a server with neither
 * the `http` nor the `vector` extension:
 * - `create extension http|vector` statements are dropped (stub.sql provides a stand-in `extensions.vector`);
 * - `vector(N)` in column and parameter types becomes `extensions.vector(N)`, so it does not depend on the
 *   search path (function bodies are left alone: they are only resolved when called);
 * - `create index ... using hnsw|ivfflat` is dropped: these access methods come with pgvector.
 * Every dropped statement is listed in `skipped` and replaced by a one-line comment, so line numbers of the
 * rest barely move and a reader of the rewritten text sees what went.
 */
export function supabaseCompatible(sql: string): { sql: string; skipped: string[] } {
  const skipped: string[] = [];
  let out = '';
  for (const statement of splitStatements(sql)) {
    const head = statement.body.replace(/\s+/g, ' ');
    if (UNAVAILABLE_EXTENSION.test(head) || VECTOR_INDEX.test(head)) {
      skipped.push(statement.body.trim());
      const lead = statement.text.slice(0, statement.text.length - statement.body.length);
      out += `${lead}-- skipped on plain PostgreSQL: ${head.trim().slice(0, 100)}\n`;
      continue;
    }
    for (const piece of statement.pieces) {
      out += piece.kind === 'code' ? piece.text.replace(VECTOR_TYPE, '$1extensions.vector$2') : piece.text;
    }
  }
  return { sql: out, skipped };
}

const UNAVAILABLE_EXTENSION = /^create extension (?:if not exists )?"?(?:http|vector)"?(?:[ ;]|$)/i;
const VECTOR_INDEX = /^create (?:unique )?index\b.*\busing (?:hnsw|ivfflat)\b/i;
// `vector(384)` not already qualified (no `.` before it) and not part of a longer name.
const VECTOR_TYPE = /(^|[^\w.$"])vector(\s*\(\s*\d+\s*\))/gi;
