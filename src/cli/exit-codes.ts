import type { ErrorCode } from '../core/errors.js';

/** Exit codes, documented in the README. Only cli/ maps errors to them. */
export const EXIT = {
  ok: 0,
  /** The command ran and found problems of severity error (analyze), or a check failed. */
  problems: 1,
  /** Bad input: invalid or missing plan, bad URL, bad option, refusing to overwrite. */
  usage: 2,
  /** A database could not be reached or opened. */
  unreachable: 3,
  /** `migrate status`/`seed status`: work is pending. */
  pending: 4,
  /** An applied migration was edited since (drift): nothing was run. */
  drift: 5,
  /** A migration failed: it was rolled back and the ledger is unchanged. */
  failed: 6,
  /** Another process held the migration lock past the timeout. */
  locked: 7,
  /** A bug: please report it with the output of CLEAVE_DEBUG=1. */
  internal: 70,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'PLAN_NOT_FOUND':
    case 'PLAN_INVALID':
    case 'PLAN_EXISTS':
    case 'BAD_URL':
    case 'UNSUPPORTED':
    case 'POOLED_URL':
    case 'COPY_STARTED':
      return EXIT.usage;
    case 'COPY_REJECTS':
    case 'COPY_CONSTRAINT':
      return EXIT.problems;
    case 'MIGRATION_DRIFT':
      return EXIT.drift;
    case 'MIGRATION_FAILED':
      return EXIT.failed;
    case 'LOCK_TIMEOUT':
      return EXIT.locked;
    case 'SOURCE_UNREACHABLE':
    case 'TARGET_UNREACHABLE':
    case 'EMBEDDED_FAILED':
      return EXIT.unreachable;
    default:
      return EXIT.internal;
  }
}
