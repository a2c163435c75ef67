import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/model.js';
import { type ProposedService, proposeServices } from '../../src/plan/propose.js';
import { catalog, chinook, saas, table, web2py } from '../helpers/catalog-builder.js';

const NAME = /^[a-z_][a-z0-9_]*$/;

function serviceOf(services: ProposedService[], id: string): string | undefined {
  return services.find((s) => s.tables.includes(id))?.name;
}

function together(services: ProposedService[], ...ids: string[]): boolean {
  const owners = new Set(ids.map((id) => serviceOf(services, id)));
  return owners.size === 1 && !owners.has(undefined);
}

/** The invariants every proposal keeps, whatever the schema. */
function expectValidProposal(c: Catalog, services: ProposedService[], cap: number): void {
  const listed = services.flatMap((s) => s.tables);
  expect([...listed].sort()).toEqual(c.tables.map((t) => t.id).sort());
  expect(new Set(listed).size).toBe(listed.length);
  expect(services.length).toBeLessThanOrEqual(cap);
  expect(new Set(services.map((s) => s.name)).size).toBe(services.length);
  for (const s of services) {
    expect(s.name).toMatch(NAME);
    expect(s.tables.length).toBeGreaterThan(0);
    expect(s.tables).toEqual([...s.tables].sort());
    expect(s.reason).not.toContain('\n');
  }
}

describe('proposeServices', () => {
  it('splits Chinook into catalog, playlists and sales', () => {
    const c = chinook();
    const services = proposeServices(c);
    expectValidProposal(c, services, 3);
    expect(together(services, 'Album', 'Artist')).toBe(true);
    // Lookup tables follow the one table that uses them.
    expect(together(services, 'Track', 'Album', 'Genre', 'MediaType')).toBe(true);
    expect(together(services, 'Invoice', 'InvoiceLine')).toBe(true);
    expect(together(services, 'Customer', 'Employee')).toBe(true);
    expect(together(services, 'Playlist', 'PlaylistTrack')).toBe(true);
    expect(together(services, 'Playlist', 'Track')).toBe(false);
    expect(together(services, 'Invoice', 'Track')).toBe(false);
    expect(services.every((s) => s.tables.length < c.tables.length)).toBe(true);
    expect(services.find((s) => s.tables.includes('Track'))!.reason).toBe(
      'anchored on `Track`, referenced by 2 tables',
    );
  });

  it('keeps the auth_* tables of a web2py application in one service', () => {
    const c = web2py();
    const services = proposeServices(c);
    expectValidProposal(c, services, 3);
    const auth = services.find((s) => s.tables.includes('auth_user'))!;
    expect(auth.tables).toEqual([
      'auth_cas',
      'auth_event',
      'auth_group',
      'auth_membership',
      'auth_permission',
      'auth_user',
    ]);
    expect(auth.name).toBe('auth');
    expect(auth.reason).toBe('built around the `auth_*` tables');
    expect(together(services, 'config', 'config_category')).toBe(true);
    // A table with no foreign key waits in `shared` for a decision.
    expect(serviceOf(services, 'files')).toBe('shared');
  });

  it('lets users and organizations anchor an identity service instead of gluing everything together', () => {
    const c = saas();
    const services = proposeServices(c);
    expectValidProposal(c, services, 3);
    expect(
      together(services, 'users', 'organizations', 'memberships', 'api_keys', 'sessions', 'audit_log'),
    ).toBe(true);
    expect(together(services, 'projects', 'tasks', 'comments')).toBe(true);
    expect(together(services, 'invoices', 'invoice_items', 'payments')).toBe(true);
    expect(together(services, 'users', 'tasks')).toBe(false);
    const identity = services.find((s) => s.tables.includes('users'))!;
    expect(identity.reason).toBe('anchored on `users`, referenced by 6 tables');
  });

  it('gives a table linked to two hubs to the more specific one', () => {
    const c = catalog([
      table('users'),
      table('products', { fks: ['categories'] }),
      table('categories'),
      table('orders', { fks: ['users'] }),
      table('order_items', { fks: ['orders', 'products'] }),
      table('reviews', { fks: ['users', 'products'] }),
      table('wishlists', { fks: ['users', 'products'] }),
      table('addresses', { fks: ['users'] }),
      table('sessions', { fks: ['users'] }),
    ]);
    const services = proposeServices(c);
    expectValidProposal(c, services, 3);
    expect(together(services, 'products', 'categories', 'reviews')).toBe(true);
    expect(together(services, 'orders', 'order_items')).toBe(true);
    expect(together(services, 'users', 'sessions', 'addresses')).toBe(true);
  });

  it('does not let one foreign key merge two prefix groups', () => {
    const c = catalog([
      table('crm_customer'),
      table('crm_contact', { fks: ['crm_customer'] }),
      table('crm_note', { fks: ['crm_contact'] }),
      table('shop_order', { fks: ['crm_customer'] }),
      table('shop_item', { fks: ['shop_order'] }),
      table('shop_product'),
    ]);
    const services = proposeServices(c, { maxServices: 4 });
    expectValidProposal(c, services, 4);
    expect(services.map((s) => s.name)).toEqual(['crm', 'shop']);
  });

  it('does not depend on the order in which the catalog lists tables', () => {
    const c = chinook();
    const reversed = { ...c, tables: [...c.tables].reverse() };
    expect(proposeServices(reversed)).toEqual(proposeServices(c));
  });

  it('respects maxServices', () => {
    const c = chinook();
    const one = proposeServices(c, { maxServices: 1 });
    expect(one).toHaveLength(1);
    expectValidProposal(c, one, 1);
    const two = proposeServices(c, { maxServices: 2 });
    expectValidProposal(c, two, 2);
    expect(together(two, 'Invoice', 'InvoiceLine')).toBe(true);
    expect(together(two, 'Playlist', 'PlaylistTrack')).toBe(true);
  });

  it('returns nothing for an empty catalog', () => {
    expect(proposeServices(catalog([]))).toEqual([]);
  });

  it('groups tables by schema outside the default one, and names services safely', () => {
    const c = catalog([
      table('billing.invoices'),
      table('billing.payments', { fks: ['billing.invoices'] }),
      table('crm.contacts'),
      table('crm.notes'),
      table('Order', { fks: ['Customer'] }),
      table('Order Details', { fks: ['Order', 'Product'] }),
      table('Customer'),
      table('Product'),
      table('track.a'),
      table('track.b'),
      table('Track'),
      table('Disc', { fks: ['Track'] }),
    ]);
    const services = proposeServices(c, { maxServices: 8 });
    expectValidProposal(c, services, 8);
    expect(services.find((s) => s.tables.includes('billing.invoices'))).toMatchObject({
      name: 'billing',
      tables: ['billing.invoices', 'billing.payments'],
    });
    expect(serviceOf(services, 'crm.notes')).toBe('crm');
    // `order` is a reserved word: a schema of that name would need quoting everywhere.
    expect(serviceOf(services, 'Order Details')).toBe('order_service');
    expect(serviceOf(services, 'Track')).toBe('track');
    expect(serviceOf(services, 'track.a')).toBe('track_2');
  });

  it('keeps its invariants on generated schemas of every size', () => {
    let seed = 42;
    // A fixed linear congruential sequence: varied shapes, the same ones on every run.
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const prefixes = ['auth', 'crm', 'shop', 'blog', 'misc'];
    for (let size = 1; size <= 60; size += 7) {
      const ids = Array.from({ length: size }, (_, i) => `${prefixes[next(prefixes.length)]}_t${i}`);
      const tables = ids.map((id, i) =>
        table(id, {
          fks: Array.from({ length: next(3) }, () => ids[next(i + 1)]!).filter(
            (t, j, a) => a.indexOf(t) === j,
          ),
        }),
      );
      const c = catalog(tables);
      const cap = Math.max(1, Math.min(8, Math.round(Math.sqrt(size))));
      expectValidProposal(c, proposeServices(c), cap);
    }
  });
});
