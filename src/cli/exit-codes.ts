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
  /** A bug: please report it with the output of `--verbose`. */
  internal: 70,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'PLAN_NOT_FOUND':
    case 'PLAN_INVALID':
    case 'PLAN_EXISTS':
    case 'BAD_URL':
    case 'UNSUPPORTED':
      return EXIT.usage;
    case 'SOURCE_UNREACHABLE':
    case 'TARGET_UNREACHABLE':
    case 'EMBEDDED_FAILED':
      return EXIT.unreachable;
    default:
      return EXIT.internal;
  }
}
