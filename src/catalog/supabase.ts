import type { Database } from '../db/port.js';
import type { FunctionInfo, SupabaseFacts, Table } from './model.js';

/** Schemas that Supabase manages itself: never part of the user's monolith, never copied. */
export const SUPABASE_MANAGED_SCHEMAS = [
  'auth',
  'storage',
  'extensions',
  'graphql',
  'graphql_public',
  'realtime',
  '_realtime',
  'supabase_functions',
  'supabase_migrations',
  '_analytics',
  'vault',
  'pgsodium',
  'pgsodium_masks',
  'pgbouncer',
  'net',
  'cron',
] as const;

export const SUPABASE_ROLES = ['anon', 'authenticated', 'service_role'] as const;

const SUPABASE_CALL = /\b(auth\.(?:uid|jwt|role|email)|storage\.(?:foldername|filename|extension))\s*\(/gi;

/** Supabase helper functions called in a policy, function body or default. */
export function supabaseCallsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(SUPABASE_CALL)) found.add(m[1]!.toLowerCase());
  return [...found].sort();
}

/**
 * What a Supabase project relies on that plain PostgreSQL does not have. Null when nothing points at
 * Supabase (no auth.users, no references to it, no auth.* calls), so a plain monolith reports none of this.
 */
export async function readSupabaseFacts(
  db: Database,
  tables: Table[],
  functions: FunctionInfo[],
): Promise<SupabaseFacts | null> {
  const [presence] = await db.query<{ users: boolean; buckets: boolean }>(
    `select to_regclass('auth.users') is not null as users, to_regclass('storage.buckets') is not null as buckets`,
  );
  // A source that owns a table auth.users (the schema was read as a user schema) is not a Supabase project.
  if (tables.some((t) => t.schema === 'auth' && t.name === 'users')) presence!.users = false;
  const external = !tables.some((t) => t.schema === 'auth' && t.name === 'users');
  const authUserReferences = tables.flatMap((t) =>
    t.foreignKeys
      .filter((fk) => external && fk.references.schema === 'auth' && fk.references.name === 'users')
      .map((fk) => ({ table: t.id, columns: fk.columns, constraint: fk.name, onDelete: fk.onDelete })),
  );
  const authPolicies = tables.flatMap((t) =>
    t.policies
      .map((p) => ({
        table: t.id,
        policy: p.name,
        calls: supabaseCallsIn(`${p.using ?? ''} ${p.withCheck ?? ''}`).filter((c) => c.startsWith('auth.')),
      }))
      .filter((p) => p.calls.length > 0),
  );
  const usesSupabase =
    presence!.users ||
    authUserReferences.length > 0 ||
    authPolicies.length > 0 ||
    functions.some((f) => f.supabaseCalls.length > 0);
  if (!usesSupabase) return null;

  const storageBuckets = presence!.buckets
    ? await db.query<{ id: string; name: string; public: boolean }>(
        `select id::text, name::text, coalesce(public, false) as public from storage.buckets order by id`,
      )
    : [];
  const storagePolicies = (
    await db.query<{ tbl: string; policy: string; cmd: string; roles: string[] }>(
      `select tablename::text as tbl, policyname::text as policy, cmd::text, roles::text[] as roles
         from pg_policies where schemaname = 'storage' order by tablename, policyname`,
    )
  ).map((r) => ({ table: `storage.${r.tbl}`, policy: r.policy, command: r.cmd, roles: r.roles }));
  const roleGrants = tables.flatMap((t) =>
    t.grants
      .filter((g) => (SUPABASE_ROLES as readonly string[]).includes(g.role))
      .map((g) => ({ table: t.id, role: g.role, privileges: g.privileges })),
  );
  const authTriggers = presence!.users
    ? await db.query<{ name: string; function: string }>(
        `select t.tgname as name, pn.nspname || '.' || p.proname as function
           from pg_trigger t join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
          where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal order by 1`,
      )
    : [];
  return { authUserReferences, authPolicies, storageBuckets, storagePolicies, roleGrants, authTriggers };
}
