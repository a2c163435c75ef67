import { catalogOf, emptyTable, plainColumn } from '../../src/catalog/empty.js';
import type { Catalog, Column, ForeignKey, Key, Table } from '../../src/catalog/model.js';

/**
 * Hand-made catalogs for unit tests of the pure plan/ and schema/ modules: every field the model requires gets a
 * neutral default, so a test names only what it is about.
 */

/** A foreign key: a bare table id (`'Artist'`) means column `<target>_id` -> `<target>.id`. */
export type FkSpec =
  | string
  | {
      columns: string[];
      table: string;
      refColumns?: string[];
      name?: string;
      onDelete?: ForeignKey['onDelete'];
    };

export interface TableSpec {
  /** Column name -> declared type; a trailing `?` makes the column nullable (`'nvarchar(160)?'`). */
  columns?: Record<string, string>;
  /** Defaults to `['id']`; `null` for a table without a primary key. */
  pk?: string[] | null;
  unique?: string[][];
  fks?: FkSpec[];
  rows?: number | null;
  rowsExact?: boolean;
}

const DEFAULT_SCHEMA = 'public';

/** `'auth.users'` -> schema `auth`, name `users`; a bare name is in the default schema. */
export function splitId(id: string): { schema: string; name: string } {
  const dot = id.indexOf('.');
  return dot < 0
    ? { schema: DEFAULT_SCHEMA, name: id }
    : { schema: id.slice(0, dot), name: id.slice(dot + 1) };
}

export function column(name: string, declared: string, position: number): Column {
  const nullable = declared.endsWith('?');
  const type = nullable ? declared.slice(0, -1) : declared;
  return { ...plainColumn(name, type, position, nullable), baseType: type.replace(/\(.*$/, '') };
}

function foreignKey(spec: FkSpec): ForeignKey {
  const full =
    typeof spec === 'string'
      ? { columns: [`${splitId(spec).name.toLowerCase()}_id`], table: spec, refColumns: ['id'] }
      : spec;
  const target = splitId(full.table);
  return {
    name: typeof spec === 'string' ? null : (spec.name ?? null),
    columns: full.columns,
    references: { ...target, columns: full.refColumns ?? ['id'] },
    onDelete: typeof spec === 'string' ? 'no action' : (spec.onDelete ?? 'no action'),
    onUpdate: 'no action',
    deferrable: false,
    fromPartitions: [],
  };
}

export function table(id: string, spec: TableSpec = {}): Table {
  const { schema, name } = splitId(id);
  const pk = spec.pk === undefined ? ['id'] : spec.pk;
  const foreignKeys = (spec.fks ?? []).map(foreignKey);
  const declared: Record<string, string> = {
    ...(spec.columns ?? (pk ? Object.fromEntries(pk.map((c) => [c, 'integer'])) : {})),
  };
  // Key columns the spec did not declare are added, so every key points at a real column.
  for (const c of [...(pk ?? []), ...foreignKeys.flatMap((f) => f.columns), ...(spec.unique ?? []).flat()]) {
    if (!(c in declared)) declared[c] = 'integer';
  }
  const columns = Object.entries(declared).map(([n, t], i) => column(n, t, i + 1));
  const primaryKey: Key | null = pk ? { name: `${name}_pkey`, columns: pk } : null;
  return {
    ...emptyTable(schema, name, id),
    columns,
    primaryKey,
    uniqueKeys: (spec.unique ?? []).map((cols) => ({ name: `${name}_${cols.join('_')}_key`, columns: cols })),
    foreignKeys,
    rows: spec.rows === undefined ? 0 : spec.rows,
    rowsExact: spec.rowsExact ?? true,
  };
}

export function catalog(tables: Table[], overrides: Partial<Catalog> = {}): Catalog {
  return catalogOf(tables, { serverVersion: '16.0', database: 'monolith', ...overrides });
}

/** The Chinook sample database's tables and foreign keys (https://github.com/lerocha/chinook-database). */
export function chinook(): Catalog {
  const fk = (columns: string[], target: string, refColumns = columns): FkSpec => ({
    columns,
    table: target,
    refColumns,
  });
  return catalog(
    [
      table('Artist', {
        pk: ['ArtistId'],
        columns: { ArtistId: 'integer', Name: 'nvarchar(120)?' },
        rows: 275,
      }),
      table('Album', { pk: ['AlbumId'], fks: [fk(['ArtistId'], 'Artist')], rows: 347 }),
      table('Track', {
        pk: ['TrackId'],
        fks: [fk(['AlbumId'], 'Album'), fk(['MediaTypeId'], 'MediaType'), fk(['GenreId'], 'Genre')],
        rows: 3503,
      }),
      table('MediaType', { pk: ['MediaTypeId'], rows: 5 }),
      table('Genre', { pk: ['GenreId'], rows: 25 }),
      table('Playlist', { pk: ['PlaylistId'], rows: 18 }),
      table('PlaylistTrack', {
        pk: ['PlaylistId', 'TrackId'],
        fks: [fk(['PlaylistId'], 'Playlist'), fk(['TrackId'], 'Track')],
        rows: 8715,
      }),
      table('Invoice', { pk: ['InvoiceId'], fks: [fk(['CustomerId'], 'Customer')], rows: 412 }),
      table('InvoiceLine', {
        pk: ['InvoiceLineId'],
        fks: [fk(['InvoiceId'], 'Invoice'), fk(['TrackId'], 'Track')],
        rows: 2240,
      }),
      table('Customer', {
        pk: ['CustomerId'],
        columns: { CustomerId: 'integer', SupportRepId: 'integer?' },
        fks: [fk(['SupportRepId'], 'Employee', ['EmployeeId'])],
        rows: 59,
      }),
      table('Employee', {
        pk: ['EmployeeId'],
        columns: { EmployeeId: 'integer', ReportsTo: 'integer?' },
        fks: [fk(['ReportsTo'], 'Employee', ['EmployeeId'])],
        rows: 8,
      }),
    ],
    { database: 'chinook' },
  );
}

/** A web2py application: the framework's auth_* tables plus a few of the application's own. */
export function web2py(): Catalog {
  return catalog(
    [
      table('auth_user', { rows: 120 }),
      table('auth_group', { rows: 4 }),
      table('auth_membership', {
        fks: [
          { columns: ['user_id'], table: 'auth_user' },
          { columns: ['group_id'], table: 'auth_group' },
        ],
      }),
      table('auth_permission', { fks: [{ columns: ['group_id'], table: 'auth_group' }] }),
      table('auth_event', { fks: [{ columns: ['user_id'], table: 'auth_user' }] }),
      table('auth_cas', { fks: [{ columns: ['user_id'], table: 'auth_user' }] }),
      table('config', { fks: [{ columns: ['category_id'], table: 'config_category' }] }),
      table('config_category'),
      table('files', { pk: null, columns: { name: 'text', body: 'blob?' } }),
    ],
    { database: 'web2py' },
  );
}

/** A multi-tenant SaaS: users and organizations referenced from everywhere, two business areas around them. */
export function saas(): Catalog {
  return catalog(
    [
      table('users', { rows: 5000 }),
      table('organizations', { rows: 300 }),
      table('memberships', { fks: ['users', 'organizations'] }),
      table('api_keys', { fks: ['users'] }),
      table('sessions', { fks: ['users'] }),
      table('audit_log', { fks: ['users'] }),
      table('projects', { fks: ['organizations'] }),
      table('tasks', { fks: ['projects', { columns: ['assignee_id'], table: 'users' }] }),
      table('comments', { fks: ['tasks', { columns: ['author_id'], table: 'users' }] }),
      table('invoices', { fks: ['organizations'] }),
      table('invoice_items', { fks: ['invoices'] }),
      table('payments', { fks: ['invoices'] }),
    ],
    { database: 'saas' },
  );
}
