import type { Policy } from '../catalog/model.js';

/** What Supabase's `auth.uid()` becomes once the service runs on plain PostgreSQL (documented in docs/generate.md). */
export const USER_ID_SETTING = "current_setting('app.user_id', true)::uuid";

const SUPABASE_ROLES = new Set(['anon', 'authenticated', 'service_role']);

export interface RewrittenPolicy {
  policy: Policy;
  /** Set when the policy cannot be rewritten: it is left out of the target, and this says why. */
  refused: string | null;
}

/**
 * Rewrites a policy for plain PostgreSQL: `auth.uid()` -> current_setting('app.user_id', true)::uuid, and
 * Supabase's roles -> PUBLIC (the service's own role, when generated, is the one that connects). A policy that
 * calls anything else of Supabase's (auth.jwt(), auth.role(), storage.*) cannot be rewritten faithfully.
 */
export function rewritePolicy(
  policy: Policy,
  sourceFunctions: ReadonlySet<string> = new Set(),
): RewrittenPolicy {
  const rewrite = (text: string | null) =>
    text === null ? null : text.replace(/\bauth\.uid\s*\(\s*\)/g, `(${USER_ID_SETTING})`);
  const using = rewrite(policy.using);
  const withCheck = rewrite(policy.withCheck);
  const text = `${using ?? ''} ${withCheck ?? ''}`;
  const leftover = /\b(auth\.\w+|storage\.\w+)\s*\(/.exec(text);
  const own = [...text.matchAll(/\b(?:(\w+)\.)?(\w+)\s*\(/g)].find(
    (m) => sourceFunctions.has(m[2]!) && m[1] !== 'pg_catalog',
  );
  const roles = policy.roles.filter((r) => !SUPABASE_ROLES.has(r));
  return {
    policy: { ...policy, using, withCheck, roles: roles.length > 0 ? roles : ['public'] },
    refused: leftover
      ? `calls ${leftover[1]}(), which has no equivalent outside Supabase`
      : own
        ? `calls ${own[0].replace(/\s*\($/, '')}(), a function of the source that is not carried over`
        : null,
  };
}
