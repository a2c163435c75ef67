/**
 * One error type for everything a user can do wrong or an environment can refuse.
 * Each error says what happened (message), what to do next (hint), and keeps the original error as `cause`.
 * Only cli/ turns a code into an exit code (see cli/exit-codes.ts).
 */
export type ErrorCode =
  | 'PLAN_NOT_FOUND'
  | 'PLAN_INVALID'
  | 'PLAN_EXISTS'
  | 'SOURCE_UNREACHABLE'
  | 'TARGET_UNREACHABLE'
  | 'BAD_URL'
  | 'UNSUPPORTED'
  | 'EMBEDDED_FAILED'
  | 'POOLED_URL'
  | 'MIGRATION_DRIFT'
  | 'MIGRATION_FAILED'
  | 'LOCK_TIMEOUT'
  | 'COPY_REJECTS'
  | 'COPY_STARTED'
  | 'COPY_CONSTRAINT'
  | 'INTERNAL';

export interface PlanIssue {
  /** Path inside the plan file, e.g. `services.billing.tables[2]`. */
  path: string;
  /** 1-based line in the plan file, when known. */
  line?: number | undefined;
  message: string;
  hint?: string | undefined;
}

export class CleaveError extends Error {
  override readonly name = 'CleaveError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Several problems found at once (plan validation reports all of them, not just the first). */
  readonly issues: PlanIssue[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; issues?: PlanIssue[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues ?? [];
  }
}

export function isCleaveError(error: unknown): error is CleaveError {
  return error instanceof CleaveError;
}

/** The message of any thrown value, for wrapping into a CleaveError. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
