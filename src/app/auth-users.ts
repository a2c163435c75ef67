import { emptyTable, plainColumn } from '../catalog/empty.js';
import type { Catalog, Table } from '../catalog/model.js';
import type { Ownership } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { AUTH_USERS_TABLE } from '../schema/generate.js';

/**
 * Supabase's auth.users, as a source table of the service that takes users over (supabase.usersService): it
 * fills that service's auth_users table (id, email, created_at), which `generate` creates whenever a table
 * references auth.users. Copy and verify treat it like any owned table; the plan gets its rename.
 */
export function withAuthUsers(
  plan: Plan,
  catalog: Catalog,
  ownership: Ownership,
): { plan: Plan; ownership: Ownership } {
  const service = plan.supabase?.usersService;
  if (!service || (catalog.supabase?.authUserReferences.length ?? 0) === 0) return { plan, ownership };
  const users: Table = {
    ...emptyTable('auth', 'users', 'auth.users'),
    columns: [
      plainColumn('id', 'uuid', 1, false),
      plainColumn('email', 'text', 2, true),
      plainColumn('created_at', 'timestamp with time zone', 3, true),
    ],
    primaryKey: { name: null, columns: ['id'] },
  };
  return {
    plan: { ...plan, tables: { ...plan.tables, 'auth.users': { rename: AUTH_USERS_TABLE } } },
    ownership: {
      ...ownership,
      services: ownership.services.map((s) =>
        s.name === service ? { ...s, tables: [...s.tables, users] } : s,
      ),
    },
  };
}
