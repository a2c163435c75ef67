import { qualify, quoteIdent, stringLiteral } from '../core/ident.js';
import type { ColumnDef, QualifiedName, Statement } from './statements.js';

const q = (n: QualifiedName) => qualify(n.schema, n.name);
const list = (names: string[]) => names.map(quoteIdent).join(', ');

function column(c: ColumnDef): string {
  let out = `${quoteIdent(c.name)} ${c.type}`;
  if (c.identity) out += ` GENERATED ${c.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  if (c.generated) out += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
  if (c.default !== null && !c.identity && !c.generated) out += ` DEFAULT ${c.default}`;
  if (c.notNull) out += ' NOT NULL';
  return out;
}

const constraint = (name: string | null) => (name ? `CONSTRAINT ${quoteIdent(name)} ` : '');

/** One statement as SQL, ending with a semicolon. */
export function renderStatement(s: Statement): string {
  switch (s.kind) {
    case 'create-schema':
      return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.schema)};`;
    case 'create-extension':
      // In public, explicitly: the default creation schema could be a service schema, hidden from the others.
      return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(s.name)} SCHEMA public;`;
    case 'create-enum':
      return `CREATE TYPE ${q(s.type)} AS ENUM (${s.values.map(stringLiteral).join(', ')});`;
    case 'create-domain':
      return `CREATE DOMAIN ${q(s.type)} AS ${s.baseType}${s.default ? ` DEFAULT ${s.default}` : ''}${s.notNull ? ' NOT NULL' : ''}${s.checks.map((c) => ` ${c}`).join('')};`;
    case 'create-sequence':
      return `CREATE SEQUENCE ${q(s.sequence)} AS ${s.dataType};`;
    case 'create-table': {
      const parts = s.columns.map((c) => `  ${column(c)}`);
      if (s.primaryKey)
        parts.push(`  ${constraint(s.primaryKey.name)}PRIMARY KEY (${list(s.primaryKey.columns)})`);
      for (const u of s.uniques) parts.push(`  ${constraint(u.name)}UNIQUE (${list(u.columns)})`);
      for (const c of s.checks) parts.push(`  ${constraint(c.name)}CHECK (${c.expression})`);
      const comment = s.comment ? `\nCOMMENT ON TABLE ${q(s.table)} IS ${stringLiteral(s.comment)};` : '';
      return `CREATE TABLE ${q(s.table)} (\n${parts.join(',\n')}\n);${comment}`;
    }
    case 'add-foreign-key':
      return `ALTER TABLE ${q(s.table)} ADD ${constraint(s.name)}FOREIGN KEY (${list(s.columns)}) REFERENCES ${q(s.references)} (${list(s.references.columns)})${s.onDelete === 'no action' ? '' : ` ON DELETE ${s.onDelete.toUpperCase()}`}${s.onUpdate === 'no action' ? '' : ` ON UPDATE ${s.onUpdate.toUpperCase()}`}${s.deferrable ? ' DEFERRABLE' : ''};`;
    case 'create-index': {
      const keys = s.tail ?? `(${list(s.columns ?? [])})${s.predicate ? ` WHERE ${s.predicate}` : ''}`;
      return `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(s.name)} ON ${q(s.table)} USING ${s.method} ${keys};`;
    }
    case 'comment-on-column':
      return `COMMENT ON COLUMN ${q(s.table)}.${quoteIdent(s.column)} IS ${stringLiteral(s.text)};`;
    case 'enable-rls':
      return `ALTER TABLE ${q(s.table)} ENABLE ROW LEVEL SECURITY;`;
    case 'create-policy':
      return `CREATE POLICY ${quoteIdent(s.name)} ON ${q(s.table)} AS ${s.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${s.command} TO ${s.roles.map((r) => (r === 'public' ? 'PUBLIC' : quoteIdent(r))).join(', ')}${s.using ? ` USING (${s.using})` : ''}${s.withCheck ? ` WITH CHECK (${s.withCheck})` : ''};`;
    case 'create-role':
      // Roles are cluster-wide: creating one that exists is not an error for a re-run or a second database.
      return `DO $$ BEGIN CREATE ROLE ${quoteIdent(s.role)}${s.login ? ' LOGIN' : ''}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`;
    case 'grant-schema':
      return `GRANT USAGE ON SCHEMA ${quoteIdent(s.schema)} TO ${quoteIdent(s.role)};\nGRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quoteIdent(s.schema)} TO ${quoteIdent(s.role)};\nGRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${quoteIdent(s.schema)} TO ${quoteIdent(s.role)};\nALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdent(s.schema)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${quoteIdent(s.role)};`;
    case 'restrict-database':
      return `DO $$ BEGIN\n  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());\n  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${stringLiteral(s.role)});\nEND $$;`;
    case 'drop':
      return s.object === 'schema'
        ? `DROP SCHEMA IF EXISTS ${quoteIdent(s.name.name)} CASCADE;`
        : `DROP ${s.object.toUpperCase()} IF EXISTS ${q(s.name)} CASCADE;`;
    case 'drop-role':
      return `DO $$ BEGIN\n  EXECUTE 'DROP OWNED BY ${quoteIdent(s.role).replaceAll("'", "''")}';\n  EXECUTE 'DROP ROLE ${quoteIdent(s.role).replaceAll("'", "''")}';\nEXCEPTION WHEN undefined_object THEN NULL;\nEND $$;`;
    case 'set-search-path':
      // Local to the migration's transaction: defaults and policies resolve in the service's schema.
      return `SELECT pg_catalog.set_config('search_path', ${stringLiteral(s.schemas.map(quoteIdent).join(', '))}, true);`;
  }
}

export function renderStatements(statements: Statement[]): string {
  return statements.map(renderStatement).join('\n\n');
}
