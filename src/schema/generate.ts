import type { Catalog, Table } from '../catalog/model.js';
import type { ColumnProfile } from '../catalog/profile.js';
import type { Ownership } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import {
  type ColumnContext,
  extensionFor,
  extensionsOfDefault,
  mapColumn,
  type TypeChoice,
} from './columns.js';
import { rewritePolicy } from './policies.js';
import type { ColumnDef, QualifiedName, Statement } from './statements.js';

export interface GenerateInput {
  catalog: Catalog;
  plan: Plan;
  ownership: Ownership;
  /** SQLite: sampled value profiles per table id and column, to refine types. */
  profiles?: ReadonlyMap<string, ReadonlyMap<string, ColumnProfile>>;
  /** Extensions the target can install (pg_available_extensions); null when unknown. */
  availableExtensions?: ReadonlySet<string> | null;
  /** Add one login role per service with rights on its own schema or database only. */
  roles?: boolean;
}

export interface ServiceDdl {
  service: string;
  /** The schema holding the service's objects: its own (layout schemas) or public (layout databases). */
  schema: string;
  role: string | null;
  up: Statement[];
  down: Statement[];
  /** Decisions and omissions a reviewer should see (defaults dropped, policies not rewritten, ...). */
  notes: string[];
  choices: TypeChoice[];
  /** Foreign keys that became plain columns. */
  crossServiceReferences: { table: string; columns: string[]; references: string }[];
}

/** The table Supabase's auth.users becomes in the service that takes users over. */
export const AUTH_USERS_TABLE = 'auth_users';

export function serviceSchemaName(plan: Plan, service: string): string {
  return plan.layout === 'databases' ? 'public' : (plan.services[service]?.schema ?? service);
}

export function serviceRoleName(service: string): string {
  return `${service}_role`;
}

/** Pure: catalog + plan -> the initial DDL of every service, as statements. */
export function generateServices(input: GenerateInput): ServiceDdl[] {
  const { catalog, plan, ownership } = input;
  const sourceKey = (schema: string, name: string) => `${schema}.${name}`;
  const ownerBySource = new Map(
    catalog.tables
      .filter((t) => ownership.owner.has(t.id))
      .map((t) => [sourceKey(t.schema, t.name), ownership.owner.get(t.id)!]),
  );
  const usersService = plan.supabase?.usersService;
  const sourceFunctions = new Set(catalog.functions.map((f) => f.name));

  // Phase 1: every owned table's columns, so that a referencing column can take its referenced column's type.
  const mapped = new Map<
    string,
    { columns: ColumnDef[]; notes: string[]; choices: TypeChoice[]; sequences: Map<string, string> }
  >();
  for (const svc of ownership.services) {
    for (const table of svc.tables) {
      const ctx: ColumnContext = {
        catalog,
        table,
        profiles: input.profiles?.get(table.id),
        options: plan.tables?.[table.id]?.columns ?? plan.tables?.[`${table.schema}.${table.name}`]?.columns,
        availableExtensions: input.availableExtensions ?? null,
        sequences: new Map(),
        notes: [],
        choices: [],
      };
      mapped.set(table.id, {
        columns: table.columns.map((c) => mapColumn(c, ctx)),
        notes: ctx.notes,
        choices: ctx.choices,
        sequences: ctx.sequences,
      });
    }
  }
  if (catalog.engine === 'sqlite') unifyReferenceTypes(catalog, mapped);

  return ownership.services.map((svc) => {
    const schema = serviceSchemaName(plan, svc.name);
    const at = (name: string): QualifiedName => ({ schema, name });
    const notes: string[] = [];
    const choices: TypeChoice[] = [];
    const sequences = new Map<string, string>();
    const extensions = new Set<string>();
    const tables: Statement[] = [];
    const after: Statement[] = [];
    const crossServiceReferences: ServiceDdl['crossServiceReferences'] = [];
    const userTypes = new Set<string>();

    const hasAuthUsers = usersService === svc.name && (catalog.supabase?.authUserReferences.length ?? 0) > 0;
    if (hasAuthUsers) tables.push(authUsersTable(at(AUTH_USERS_TABLE)));

    for (const table of svc.tables) {
      const done = mapped.get(table.id)!;
      const columns = done.columns;
      notes.push(...done.notes);
      choices.push(...done.choices);
      for (const name of done.sequences.keys()) sequences.set(name, name);
      const options =
        plan.tables?.[table.id]?.columns ?? plan.tables?.[`${table.schema}.${table.name}`]?.columns;
      for (const c of table.columns) if (c.userType) userTypes.add(c.userType);
      for (const c of columns) {
        const ext = extensionFor(c.type);
        if (ext) extensions.add(ext);
        for (const e of extensionsOfDefault(c.default)) extensions.add(e);
      }
      if (Object.values(options ?? {}).some((o) => o.encrypt)) extensions.add('pgcrypto');

      const sqlite = catalog.engine === 'sqlite';
      tables.push({
        kind: 'create-table',
        table: at(table.name),
        columns,
        primaryKey: table.primaryKey
          ? { name: sqlite ? null : table.primaryKey.name, columns: table.primaryKey.columns }
          : null,
        uniques: table.uniqueKeys.map((u) => ({ name: sqlite ? null : u.name, columns: u.columns })),
        checks: table.checks.filter((c) => !sqlite || !/\b(?:typeof|glob)\s*\(/i.test(c.expression)),
        comment:
          table.kind === 'partitioned'
            ? `partitioned in the source by ${table.partitionKey}: one table here`
            : table.comment,
      });
      if (table.kind === 'partitioned')
        notes.push(`${table.id}: partitioned in the source (${table.partitionKey}); created as one table`);
      for (const check of table.checks.filter(
        (c) => sqlite && /\b(?:typeof|glob)\s*\(/i.test(c.expression),
      )) {
        notes.push(`${table.id}: CHECK (${check.expression}) uses SQLite-only functions; left out`);
      }

      for (const fk of table.foreignKeys) {
        const target = ownerBySource.get(sourceKey(fk.references.schema, fk.references.name));
        // Supabase's auth.users: outside the catalog (a table auth.users the source owns is an ordinary table).
        const toAuthUsers =
          fk.references.schema === 'auth' &&
          fk.references.name === 'users' &&
          !catalog.tables.some((x) => x.schema === 'auth' && x.name === 'users');
        if (target === svc.name || (toAuthUsers && hasAuthUsers)) {
          after.push({
            kind: 'add-foreign-key',
            table: at(table.name),
            name: sqlite ? null : fk.name,
            columns: fk.columns,
            references: {
              ...at(toAuthUsers ? AUTH_USERS_TABLE : fk.references.name),
              columns: fk.references.columns,
            },
            onDelete: fk.onDelete,
            onUpdate: fk.onUpdate,
            deferrable: fk.deferrable,
          });
          continue;
        }
        const where = toAuthUsers
          ? `service ${usersService ?? '(supabase.usersService not set)'}: ${AUTH_USERS_TABLE}`
          : `service ${target ?? '(no service)'}: ${fk.references.name}`;
        const references = `${where}(${fk.references.columns.join(', ')})`;
        crossServiceReferences.push({ table: table.id, columns: fk.columns, references });
        for (const column of fk.columns) {
          after.push({
            kind: 'comment-on-column',
            table: at(table.name),
            column,
            text: `Cross-service reference to ${references}, on delete ${fk.onDelete} in the monolith: the application keeps it.`,
          });
        }
        const indexed =
          table.indexes.some((ix) => ix.columns[0] === fk.columns[0]) ||
          table.primaryKey?.columns[0] === fk.columns[0];
        if (!indexed) {
          after.push({
            kind: 'create-index',
            table: at(table.name),
            name: indexName(table.name, fk.columns),
            unique: false,
            method: 'btree',
            columns: fk.columns,
            tail: null,
            predicate: null,
          });
        }
      }

      after.push(...indexStatements(table, at(table.name), notes));
      if (table.rlsEnabled) after.push({ kind: 'enable-rls', table: at(table.name) });
      for (const policy of table.policies) {
        const rewritten = rewritePolicy(policy, sourceFunctions);
        const foreign = readsOtherService(
          `${policy.using ?? ''} ${policy.withCheck ?? ''}`,
          catalog,
          ownership,
          svc.name,
        );
        if (foreign) rewritten.refused = `reads ${foreign}, which is in another service`;
        if (rewritten.refused) {
          notes.push(`${table.id}: policy "${policy.name}" ${rewritten.refused}; left out`);
          continue;
        }
        after.push({ kind: 'create-policy', table: at(table.name), ...rewritten.policy });
      }
    }

    const types = typeStatements(catalog, userTypes, at);
    const role = input.roles ? serviceRoleName(svc.name) : null;
    const roleStatements: Statement[] = role
      ? [
          { kind: 'create-role', role, login: true },
          { kind: 'grant-schema', schema, role },
          ...(plan.layout === 'databases' ? [{ kind: 'restrict-database', role } as Statement] : []),
        ]
      : [];
    const sequenceStatements: Statement[] = [...sequences.keys()].map((name) => ({
      kind: 'create-sequence',
      sequence: at(name),
      dataType: catalog.sequences.find((s) => s.name === name)?.dataType ?? 'bigint',
      ownedBy: null,
    }));

    const up: Statement[] = [
      ...(plan.layout === 'schemas' ? [{ kind: 'create-schema', schema } as Statement] : []),
      ...[...extensions].sort().map((name) => ({ kind: 'create-extension', name }) as Statement),
      { kind: 'set-search-path', schemas: [schema, 'public'] },
      ...types,
      ...sequenceStatements,
      ...tables,
      ...after,
      ...roleStatements,
    ];
    const down: Statement[] =
      plan.layout === 'schemas'
        ? [
            { kind: 'drop', object: 'schema', name: at(schema) },
            ...(role ? [{ kind: 'drop-role', role } as Statement] : []),
          ]
        : [
            ...[...tables]
              .reverse()
              .flatMap((t) =>
                t.kind === 'create-table'
                  ? [{ kind: 'drop', object: 'table', name: t.table } as Statement]
                  : [],
              ),
            ...sequenceStatements.flatMap((s) =>
              s.kind === 'create-sequence'
                ? [{ kind: 'drop', object: 'sequence', name: s.sequence } as Statement]
                : [],
            ),
            ...[...types]
              .reverse()
              .flatMap((t) =>
                t.kind === 'create-domain'
                  ? [{ kind: 'drop', object: 'domain', name: t.type } as Statement]
                  : t.kind === 'create-enum'
                    ? [{ kind: 'drop', object: 'type', name: t.type } as Statement]
                    : [],
              ),
            ...(role ? [{ kind: 'drop-role', role } as Statement] : []),
          ];
    return { service: svc.name, schema, role, up, down, notes, choices, crossServiceReferences };
  });
}

/** The first table of another service that a policy expression reads (FROM or JOIN), if any. */
function readsOtherService(
  expression: string,
  catalog: Catalog,
  ownership: Ownership,
  service: string,
): string | null {
  for (const t of catalog.tables) {
    const owner = ownership.owner.get(t.id);
    if (owner === undefined || owner === service) continue;
    const name = t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`\\b(?:from|join)\\s+(?:"?${t.schema}"?\\.)?"?${name}"?(?![\\w$])`, 'i').test(expression))
      return `${t.id} (service ${owner})`;
  }
  return null;
}

function authUsersTable(name: QualifiedName): Statement {
  return {
    kind: 'create-table',
    table: name,
    columns: [
      { name: 'id', type: 'uuid', notNull: true, default: null, identity: null, generated: null },
      { name: 'email', type: 'text', notNull: false, default: null, identity: null, generated: null },
      {
        name: 'created_at',
        type: 'timestamptz',
        notNull: true,
        default: 'now()',
        identity: null,
        generated: null,
      },
    ],
    primaryKey: { name: null, columns: ['id'] },
    uniques: [],
    checks: [],
    comment:
      "Supabase's auth.users, taken over by this service: copy fills it from the monolith's auth.users.",
  };
}

/** Enums and domains the service's columns use (domains over enums after their enums). */
function typeStatements(
  catalog: Catalog,
  used: Set<string>,
  at: (name: string) => QualifiedName,
): Statement[] {
  const out: Statement[] = [];
  const domains = catalog.domains.filter((d) => used.has(`${d.schema}.${d.name}`));
  for (const d of domains) {
    const base = catalog.enums.find((e) => d.baseType === e.name || d.baseType === `${e.schema}.${e.name}`);
    if (base) used.add(`${base.schema}.${base.name}`);
  }
  for (const e of catalog.enums.filter((x) => used.has(`${x.schema}.${x.name}`)))
    out.push({ kind: 'create-enum', type: at(e.name), values: e.values });
  for (const d of domains) {
    out.push({
      kind: 'create-domain',
      type: at(d.name),
      baseType: d.baseType.replace(/^public\./, ''),
      notNull: d.notNull,
      default: d.default,
      checks: d.checks,
    });
  }
  return out;
}

function indexStatements(table: Table, target: QualifiedName, notes: string[]): Statement[] {
  const constraintNames = new Set(
    [table.primaryKey?.name, ...table.uniqueKeys.map((u) => u.name)].filter((n): n is string => !!n),
  );
  const out: Statement[] = [];
  for (const ix of table.indexes) {
    if (ix.primary || constraintNames.has(ix.name) || ix.name.startsWith('sqlite_autoindex_')) continue;
    if (ix.method !== 'btree' && !['hash', 'gin', 'gist', 'brin', 'spgist'].includes(ix.method)) {
      notes.push(`${table.id}: index ${ix.name} uses ${ix.method}, which the target may not have; left out`);
      continue;
    }
    const pgTail = ix.definition && / USING \w+ (\(.*)$/s.exec(ix.definition);
    if (
      pgTail &&
      /^CREATE (?:UNIQUE )?INDEX /.test(ix.definition ?? '') &&
      !/\bON\s+\S+\s*\(/.test(ix.definition ?? '')
    ) {
      out.push({
        kind: 'create-index',
        table: target,
        name: ix.name,
        unique: ix.unique,
        method: ix.method,
        columns: null,
        tail: pgTail[1]!,
        predicate: null,
      });
      continue;
    }
    if (ix.columns.includes('<expression>')) {
      notes.push(`${table.id}: index ${ix.name} is on an expression; left out`);
      continue;
    }
    out.push({
      kind: 'create-index',
      table: target,
      name: ix.name,
      unique: ix.unique,
      method: 'btree',
      columns: ix.columns,
      tail: null,
      predicate: ix.predicate,
    });
  }
  return out;
}

function indexName(table: string, columns: string[]): string {
  const name = `${table}_${columns.join('_')}_idx`;
  return Buffer.byteLength(name) <= 63 ? name : `${name.slice(0, 50)}_${hash(name)}_idx`;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A foreign-key column must have its referenced column's type. Sampling decides each column alone (a
 * reference column that is NULL in every sampled row stays text while the key it points at became uuid),
 * so SQLite-sourced reference columns take the type of the column they reference.
 */
function unifyReferenceTypes(
  catalog: Catalog,
  mapped: Map<string, { columns: ColumnDef[]; choices: TypeChoice[] }>,
): void {
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  for (const table of catalog.tables) {
    const here = mapped.get(table.id);
    if (!here) continue;
    for (const fk of table.foreignKeys) {
      const target = byName.get(fk.references.name);
      const there = target && mapped.get(target.id);
      if (!there) continue;
      fk.columns.forEach((name, i) => {
        const column = here.columns.find((c) => c.name === name);
        const referenced = there.columns.find((c) => c.name === fk.references.columns[i]);
        if (!column || !referenced || column.type === referenced.type) return;
        here.choices.push({
          table: table.id,
          column: name,
          from: column.type,
          to: referenced.type,
          reason: `references ${target.id}.${referenced.name}`,
        });
        column.type = referenced.type;
      });
    }
  }
}
