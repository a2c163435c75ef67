import { emptyTable } from '../catalog/empty.js';
import type { Catalog, Column, Table } from '../catalog/model.js';
import type { Ownership } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { AUTH_USERS_TABLE } from '../schema/generate.js';

const column = (name: string, position: number, type: string, nullable: boolean): Column => ({
  name,
  position,
  type,
  baseType: type,
  isArray: false,
  userType: null,
  nullable,
  default: null,
  generated: null,
  identity: null,
  autoIncrement: false,
  comment: null,
});

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
      column('id', 1, 'uuid', false),
      column('email', 2, 'text', true),
      column('created_at', 3, 'timestamp with time zone', true),
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
