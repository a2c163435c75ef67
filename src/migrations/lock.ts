import { createHash } from 'node:crypto';
import type pg from 'pg';
import { CleaveError } from '../core/errors.js';

/** A stable 64-bit advisory-lock key for a name (the first 8 bytes of its sha256, as a signed bigint). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Takes a session advisory lock by polling pg_try_advisory_lock, so a waiting process reports progress and
 * gives up after `timeoutMs` instead of hanging forever behind a stuck holder. Session locks need a direct
 * connection: a transaction-mode pooler hands the session to someone else after each statement.
 */
export async function acquireLock(
  client: pg.ClientBase,
  name: string,
  options: { timeoutMs: number; pollMs?: number; onWait?: (waitedMs: number) => void },
): Promise<() => Promise<void>> {
  const key = lockKey(name);
  const started = Date.now();
  let notified = false;
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      key,
    ]);
    if (rows[0]?.ok) break;
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      const holder = await client.query<{ pid: number; app: string | null; since: Date | null }>(
        `SELECT l.pid, a.application_name AS app, a.backend_start AS since
           FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
        [key],
      );
      const who = holder.rows[0];
      throw new CleaveError(
        'LOCK_TIMEOUT',
        `another process holds the lock "${name}" (waited ${Math.round(waited / 1000)} s)`,
        {
          hint: who
            ? `it is backend pid ${who.pid}${who.app ? ` (${who.app})` : ''}: wait for it to finish, or end it with SELECT pg_terminate_backend(${who.pid}) if it is stuck`
            : 'wait for the other run to finish, or raise --lock-timeout',
        },
      );
    }
    if (!notified && waited >= 1000) {
      options.onWait?.(waited);
      notified = true;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
  return async () => {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
  };
}
