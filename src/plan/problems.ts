/** A finding of `analyze`. Errors make the plan unusable; warnings need a decision; info explains. */
export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  severity: Severity;
  /** Stable machine-readable code, e.g. `UNKNOWN_TABLE`, `CROSS_SERVICE_FK`. */
  code: string;
  message: string;
  /** What to do about it. */
  hint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  service?: string | undefined;
  /** Where in the plan file, when the problem is in the plan. */
  path?: string | undefined;
  line?: number | undefined;
}

export function sortProblems(problems: Problem[]): Problem[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return [...problems].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      a.code.localeCompare(b.code) ||
      (a.table ?? '').localeCompare(b.table ?? ''),
  );
}
