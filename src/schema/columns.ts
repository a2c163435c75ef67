import type { Catalog, Column, Table } from '../catalog/model.js';
import type { ColumnProfile } from '../catalog/profile.js';
import type { ColumnOptions } from '../plan/schema.js';
import { mapSqliteDefault, mapSqliteType } from './sqlite-types.js';
import type { ColumnDef } from './statements.js';

export interface TypeChoice {
  table: string;
  column: string;
  from: string;
  to: string;
  reason: string;
}

export interface ColumnContext {
  catalog: Catalog;
  table: Table;
  profiles: ReadonlyMap<string, ColumnProfile> | undefined;
  options: Record<string, ColumnOptions> | undefined;
  /** Extensions the target can install; null when unknown (then a type's fallback is not used). */
  availableExtensions: ReadonlySet<string> | null;
  /** Sequences this service creates (name in the source -> name in the target), filled while mapping. */
  sequences: Map<string, string>;
  notes: string[];
  choices: TypeChoice[];
}

/** Types that come from an extension, so the service's migration must create it first. */
export const EXTENSION_OF_TYPE: Record<string, string> = {
  citext: 'citext',
  vector: 'vector',
  hstore: 'hstore',
  ltree: 'ltree',
  cube: 'cube',
};

const NEXTVAL = /nextval\('(?:"?([\w$]+)"?\.)?"?([\w$]+)"?'(?:::regclass)?\)/;

/** One source column -> the target column definition, with each decision recorded. */
export function mapColumn(column: Column, ctx: ColumnContext): ColumnDef {
  const option = ctx.options?.[column.name];
  const sqlite = ctx.catalog.engine === 'sqlite';
  const rowidKey =
    sqlite &&
    ctx.table.hasRowid &&
    ctx.table.primaryKey?.columns.length === 1 &&
    ctx.table.primaryKey.columns[0] === column.name &&
    /^INTEGER$/i.test(column.type.trim());

  let type: string;
  let reason: string | undefined;
  if (option?.encrypt) {
    type = 'bytea';
    reason = 'encrypted with pgp_sym_encrypt on copy';
  } else if (option?.type) {
    const needs = extensionFor(option.type);
    if (needs && ctx.availableExtensions !== null && !ctx.availableExtensions.has(needs) && option.fallback) {
      type = option.fallback;
      reason = `the target has no ${needs} extension: the plan's fallback`;
    } else {
      type = option.type;
      reason = 'set in the plan';
    }
  } else if (sqlite) {
    const mapped = mapSqliteType(column.type, ctx.profiles?.get(column.name), { rowidKey });
    type = mapped.type;
    reason = mapped.reason;
  } else {
    type = column.userType
      ? `${column.userType.split('.').pop()}${column.isArray ? '[]' : ''}`
      : column.type.replace(/^(?:public|extensions)\./, '');
  }
  // pgvector is often missing (plain Debian, the embedded server): without it, and without a fallback in the
  // plan, a vector becomes real[] and the decision is written down, never taken silently.
  const needs = extensionFor(type);
  if (
    needs === 'vector' &&
    ctx.availableExtensions !== null &&
    !ctx.availableExtensions.has('vector') &&
    !option?.fallback
  ) {
    ctx.choices.push({
      table: ctx.table.id,
      column: column.name,
      from: type,
      to: 'real[]',
      reason:
        'the target has no vector extension; set a fallback in the plan or install pgvector to choose otherwise',
    });
    type = 'real[]';
  }
  if (reason)
    ctx.choices.push({
      table: ctx.table.id,
      column: column.name,
      from: column.type || '(none)',
      to: type,
      reason,
    });

  let identity = column.identity;
  let defaultExpr: string | null = null;
  if (rowidKey) {
    // The rowid becomes an identity: copy inserts the source's ids (BY DEFAULT allows it), then moves it past them.
    identity = 'by default';
  } else if (sqlite) {
    const mapped = mapSqliteDefault(column.default, type);
    defaultExpr = mapped.expression;
    if (mapped.dropped)
      ctx.notes.push(`${ctx.table.id}.${column.name}: ${mapped.dropped}; the target column has no default`);
  } else if (column.default !== null) {
    defaultExpr = mapPostgresDefault(column.default, ctx, `${ctx.table.id}.${column.name}`);
  }
  if (column.generated && !sqlite) {
    return {
      name: column.name,
      type,
      notNull: false,
      default: null,
      identity: null,
      generated: column.generated.expression,
    };
  }
  if (column.generated)
    ctx.notes.push(
      `${ctx.table.id}.${column.name}: a SQLite generated column becomes a plain column filled by copy`,
    );
  return {
    name: column.name,
    type,
    notNull: !column.nullable,
    default: defaultExpr,
    identity,
    generated: null,
  };
}

/**
 * A PostgreSQL default, made to resolve inside the service: sequences are created in the service's schema,
 * `public.`/`extensions.` qualifiers are dropped (the migration's search_path covers both), and a default that
 * calls a function of the source's own (not carried over) is dropped with a note.
 */
function mapPostgresDefault(expression: string, ctx: ColumnContext, where: string): string | null {
  const seq = NEXTVAL.exec(expression);
  if (seq) {
    const name = seq[2]!;
    ctx.sequences.set(name, name);
    return expression.replace(NEXTVAL, `nextval('${name}'::regclass)`);
  }
  const userFunctions = new Set(ctx.catalog.functions.map((f) => f.name));
  for (const call of expression.matchAll(/\b(?:(\w+)\.)?(\w+)\s*\(/g)) {
    if (userFunctions.has(call[2]!) && call[1] !== 'pg_catalog') {
      ctx.notes.push(
        `${where}: the default calls ${call[0].replace(/\s*\($/, '')}(), a function that is not carried over; the target column has no default`,
      );
      return null;
    }
  }
  return expression.replace(/\b(?:public|extensions)\./g, '');
}

export function extensionFor(type: string): string | undefined {
  const base = type.replace(/\(.*$/, '').replace(/\[\]$/, '').trim().toLowerCase();
  return EXTENSION_OF_TYPE[base];
}

/** Extensions a default expression relies on. */
export function extensionsOfDefault(expression: string | null): string[] {
  if (!expression) return [];
  const out: string[] = [];
  if (/\buuid_generate_v[14]\w*\s*\(/.test(expression)) out.push('uuid-ossp');
  if (/\b(?:crypt|gen_salt|pgp_sym_encrypt|digest|hmac)\s*\(/.test(expression)) out.push('pgcrypto');
  return out;
}
