import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/model.js';
import { parsePlan } from '../../src/plan/parse.js';
import { type ProposedService, proposeServices } from '../../src/plan/propose.js';
import { renderPlanYaml } from '../../src/plan/render-plan.js';
import { catalog, chinook, saas, table, web2py } from '../helpers/catalog-builder.js';

/** Names that YAML would read as something else, or that need quotes: each must come back as written. */
function awkward(): Catalog {
  return catalog([
    table('Order Details', { fks: ['Orders'], rows: 2155 }),
    table('Orders', { rows: 830, rowsExact: false }),
    table('true', { rows: null }),
    table('null'),
    table('123'),
    table('weird: name #1', { pk: null, columns: { 'a,b': 'text', '#c': 'text' } }),
    table('profiles', { fks: ['auth.users'] }),
    table('storage.objects', { pk: null, unique: [['bucket_id', 'name']] }),
  ]);
}

const ENV = { SOURCE_URL: 'sqlite:./monolith.sqlite' };

function envFor(services: ProposedService[]): Record<string, string> {
  return {
    ...ENV,
    ...Object.fromEntries(
      services.map((s) => [`${s.name.toUpperCase()}_DATABASE_URL`, `postgres://h/${s.name}`]),
    ),
  };
}

describe('renderPlanYaml', () => {
  for (const [label, make] of [
    ['chinook', chinook],
    ['web2py', web2py],
    ['saas', saas],
    ['awkward names', awkward],
  ] as const) {
    for (const layout of ['schemas', 'databases'] as const) {
      it(`writes a plan parsePlan accepts: ${label}, layout ${layout}`, () => {
        const c = make();
        const services = proposeServices(c);
        const text = renderPlanYaml({ sourceUrl: `\${SOURCE_URL}`, layout, services, catalog: c });
        const { plan } = parsePlan(text, { env: envFor(services) });
        expect(plan.layout).toBe(layout);
        expect(plan.source.url).toBe(ENV.SOURCE_URL);
        const listed = Object.values(plan.services).flatMap((s) => s.tables);
        expect([...listed].sort()).toEqual(c.tables.map((t) => t.id).sort());
        if (layout === 'databases') {
          for (const [name, s] of Object.entries(plan.services)) expect(s.url).toBe(`postgres://h/${name}`);
        }
      });
    }
  }

  it('notes rows and the tables referenced in other services, and tables outside the catalog', () => {
    const c = awkward();
    const services = [
      { name: 'sales', tables: ['Order Details', 'profiles'], reason: 'hand-made' },
      {
        name: 'rest',
        tables: ['Orders', 'true', 'null', '123', 'weird: name #1', 'storage.objects'],
        reason: 'the rest',
      },
    ];
    const text = renderPlanYaml({ sourceUrl: 'sqlite:./x.sqlite', layout: 'schemas', services, catalog: c });
    expect(text).toContain('- Order Details  # 2,155 rows; references Orders (rest)\n');
    expect(text).toContain('- profiles       # 0 rows; references auth.users (not in the catalog)\n');
    expect(text).toContain('- Orders            # ~830 rows\n');
    expect(text).toContain('- "true"            # rows unknown\n');
  });

  it('sets supabase.usersService when given', () => {
    const c = saas();
    const services = proposeServices(c);
    const text = renderPlanYaml({
      sourceUrl: 'postgres://db/app',
      layout: 'schemas',
      services,
      catalog: c,
      usersService: 'users',
    });
    expect(parsePlan(text, { env: {} }).plan.supabase).toEqual({ usersService: 'users' });
  });

  it('suggests a key for each table without a primary key, in a block that parses once uncommented', () => {
    const c = awkward();
    const services = proposeServices(c);
    const text = renderPlanYaml({ sourceUrl: `\${SOURCE_URL}`, layout: 'schemas', services, catalog: c });
    const block = text.slice(text.indexOf('# tables:'));
    const uncommented = block
      .split('\n')
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n');
    const { plan } = parsePlan(text + uncommented, { env: ENV });
    expect(plan.tables).toEqual({
      'weird: name #1': { key: ['a,b', '#c'] },
      'storage.objects': { key: ['bucket_id', 'name'] },
    });
  });

  it('renders a commented plan', () => {
    const c = catalog([
      table('auth_user', { rows: 1204 }),
      table('auth_membership', { fks: [{ columns: ['user_id'], table: 'auth_user' }], rows: 1300 }),
      table('invoices', {
        fks: [{ columns: ['user_id'], table: 'auth_user' }],
        rows: 98765,
        rowsExact: false,
      }),
      table('invoice_lines', { fks: ['invoices'], rows: null }),
      table('audit_events', { pk: null, columns: { at: 'timestamptz', event: 'text' }, rows: 1 }),
    ]);
    const services = [
      { name: 'auth', tables: ['auth_membership', 'auth_user'], reason: 'built around the `auth_*` tables' },
      {
        name: 'billing',
        tables: ['invoice_lines', 'invoices'],
        reason: 'anchored on `invoices`, referenced by 1 table',
      },
    ];
    const text = renderPlanYaml({
      sourceUrl: 'postgres://app@db.internal/app',
      layout: 'databases',
      services,
      catalog: c,
    });
    expect(text).toMatchInlineSnapshot(`
      "# Cleave plan for monolith: which service owns each of its 5 tables.
      # Proposed from the foreign keys between tables: move tables between services as the application needs.
      # Check it with \`cleave analyze\`: it lists each foreign key that crosses two services (the split drops
      # those constraints, so the application must keep them) and each table that still needs a key.
      version: 1
      source:
        url: postgres://app@db.internal/app
      layout: databases
      # Where the services are created. Without a target, an embedded PostgreSQL under .cleave/ is used.
      # target:
      #   url: \${TARGET_URL}
      services:
        # built around the \`auth_*\` tables
        auth:
          url: \${AUTH_DATABASE_URL}
          tables:
            - auth_membership  # 1,300 rows
            - auth_user        # 1,204 rows
        # anchored on \`invoices\`, referenced by 1 table
        billing:
          url: \${BILLING_DATABASE_URL}
          tables:
            - invoice_lines  # rows unknown
            - invoices       # ~98,765 rows; references auth_user (auth)
      # Tables in no service yet: add each to one service.
      #   - audit_events
      # Tables without a primary key: copy and verify need columns that identify each row.
      # Uncomment, and check the columns (a unique key is used where the table has one):
      # tables:
      #   audit_events: { key: [at, event] }  # no unique key: all columns; keep those that identify a row
      "
    `);
  });
});
