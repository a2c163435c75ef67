import pc from 'picocolors';

export function formatCount(n: number | null, exact = true): string {
  if (n === null) return '?';
  const text = n.toLocaleString('en-US');
  return exact ? text : `~${text}`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  // Past 999 of a unit, the next one reads better ("1.0 MB", not "1000 kB").
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A plain-text table: columns padded to their widest cell; `right` columns are right-aligned. */
export function table(rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - visibleLength(cell));
          return right.has(i) ? pad + cell : i === row.length - 1 ? cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

export function colors(enabled: boolean) {
  return pc.createColors(enabled);
}
