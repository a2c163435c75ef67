/**
 * A small line diff (longest common subsequence) for showing how an applied migration was edited.
 * Migration files are small; the quadratic table is bounded by `maxLines` and falls back to a summary.
 */
export function lineDiff(
  before: string,
  after: string,
  options: { context?: number; maxLines?: number } = {},
): string {
  const a = before.replace(/\r\n?/g, '\n').split('\n');
  const b = after.replace(/\r\n?/g, '\n').split('\n');
  const max = options.maxLines ?? 2000;
  if (a.length > max || b.length > max)
    return `(${a.length} lines before, ${b.length} lines after: too long to show)`;
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: '+', text: b[j]! });
      j++;
    } else {
      ops.push({ kind: '-', text: a[i]! });
      i++;
    }
  }
  const context = options.context ?? 2;
  const keep = ops.map(
    (op, k) =>
      op.kind !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.kind !== ' '),
  );
  const out: string[] = [];
  let skipped = false;
  ops.forEach((op, k) => {
    if (keep[k]) {
      out.push(`${op.kind} ${op.text}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  ...');
      skipped = true;
    }
  });
  return out.join('\n');
}
