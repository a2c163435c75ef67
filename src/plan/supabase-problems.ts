import type { Catalog } from '../catalog/model.js';
import type { Problem } from './problems.js';
import type { Plan } from './schema.js';

/** Extensions a Supabase project has that a plain PostgreSQL server usually lacks. */
const UNCOMMON_EXTENSIONS = new Set([
  'vector',
  'http',
  'pg_net',
  'pg_graphql',
  'pgsodium',
  'pgjwt',
  'pg_cron',
  'supabase_vault',
  'pg_stat_monitor',
  'postgis',
  'timescaledb',
  'wrappers',
]);

/** The Supabase features a split onto plain PostgreSQL must replace, each with what Cleave does about it. */
export function supabaseProblems(catalog: Catalog, plan: Plan | null, owner: Map<string, string>): Problem[] {
  const facts = catalog.supabase;
  if (!facts) return [];
  const problems: Problem[] = [];
  const usersService = plan?.supabase?.usersService;

  for (const ref of facts.authUserReferences) {
    problems.push({
      severity: 'warning',
      code: 'SUPABASE_AUTH_USERS_FK',
      message: `${ref.table}(${ref.columns.join(', ')}) references auth.users (on delete ${ref.onDelete}), which plain PostgreSQL does not have`,
      hint: usersService
        ? `users move to \`${usersService}\`; ${owner.get(ref.table) === usersService ? 'the key stays inside that service' : 'the key becomes a cross-service reference: an indexed column, checked by the application'}`
        : 'set supabase.usersService in the plan to the service that takes over auth.users',
      table: ref.table,
      column: ref.columns[0],
    });
  }
  for (const p of facts.authPolicies) {
    problems.push({
      severity: 'info',
      code: 'SUPABASE_AUTH_POLICY',
      message: `policy "${p.policy}" on ${p.table} calls ${p.calls.map((c) => `${c}()`).join(', ')}`,
      hint: "generate rewrites auth.uid() to current_setting('app.user_id', true)::uuid; the application must set app.user_id per request",
      table: p.table,
    });
  }
  for (const f of catalog.functions.filter((fn) => fn.supabaseCalls.length > 0)) {
    problems.push({
      severity: 'warning',
      code: 'SUPABASE_FUNCTION',
      message: `function ${f.schema}.${f.name} calls ${f.supabaseCalls.map((c) => `${c}()`).join(', ')}`,
      hint: 'review it by hand: functions are not rewritten',
    });
  }
  for (const t of facts.authTriggers) {
    problems.push({
      severity: 'warning',
      code: 'SUPABASE_AUTH_TRIGGER',
      message: `trigger ${t.name} on auth.users runs ${t.function}() on sign-up`,
      hint: `the service that owns users${usersService ? ` (\`${usersService}\`)` : ''} must do this work when it creates a user`,
    });
  }
  if (facts.storageBuckets.length > 0) {
    problems.push({
      severity: 'warning',
      code: 'SUPABASE_STORAGE',
      message: `${facts.storageBuckets.length} storage bucket(s) (${facts.storageBuckets.map((b) => b.id).join(', ')}) with ${facts.storagePolicies.length} storage policies`,
      hint: 'file objects live in Supabase Storage, not in these tables: move them with an object-storage tool; their policies are not copied',
    });
  }
  const roles = [...new Set(facts.roleGrants.map((g) => g.role))];
  if (roles.length > 0) {
    problems.push({
      severity: 'info',
      code: 'SUPABASE_ROLE_GRANTS',
      message: `${facts.roleGrants.length} grants to Supabase roles (${roles.join(', ')}) on ${new Set(facts.roleGrants.map((g) => g.table)).size} tables`,
      hint: 'these roles do not exist on plain PostgreSQL; `cleave generate --roles` creates one role per service instead',
    });
  }
  return problems;
}

/** Extensions of the source that a plain PostgreSQL target usually lacks. */
export function extensionProblems(catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  for (const ext of catalog.extensions.filter((e) => UNCOMMON_EXTENSIONS.has(e.name))) {
    problems.push({
      severity: 'warning',
      code: 'EXTENSION_UNAVAILABLE',
      message: `extension \`${ext.name}\` ${ext.version} may not exist on the target server`,
      hint:
        ext.name === 'vector'
          ? 'install pgvector on the target, or give its columns a fallback type in the plan (fallback: real[])'
          : 'install it on the target, or remove what depends on it',
    });
  }
  return problems;
}
