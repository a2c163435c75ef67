import type { AnalysisReport } from '../plan/analysis.js';
import { colors, formatBytes, formatCount, table } from './format.js';

/** The human report of `cleave analyze`. */
export function formatAnalysis(report: AnalysisReport, options: { color: boolean }): string {
  const c = colors(options.color);
  const s = report.summary;
  const out: string[] = [];
  out.push(
    `${c.bold('Source')}  ${report.source.url} (${report.source.version}): ${s.tables} tables, ${formatCount(s.rows)} rows, ${formatBytes(s.bytes)}, ${s.foreignKeys} foreign keys`,
  );
  if (report.layout) out.push(`${c.bold('Plan')}    layout ${report.layout}, ${s.services} services`);
  out.push('');

  const header = report.layout
    ? ['SERVICE', 'TABLE', 'ROWS', 'SIZE', 'KEY', 'REFERENCES']
    : ['TABLE', 'ROWS', 'SIZE', 'KEY', 'REFERENCES'];
  const rows: string[][] = [header.map((h) => c.dim(h))];
  const ordered = [...report.tables].sort(
    (a, b) => serviceRank(report, a.service) - serviceRank(report, b.service) || a.name.localeCompare(b.name),
  );
  let lastService: string | null | undefined;
  for (const t of ordered) {
    const key = !t.copyKey
      ? c.red('none')
      : t.copyKey.source === 'rowid'
        ? c.dim('rowid')
        : `${t.copyKey.columns.join(', ')}${t.copyKey.source === 'primary key' ? '' : c.dim(` (${t.copyKey.source})`)}`;
    const refs = t.foreignKeys
      .map((fk) => (fk.crossService ? c.yellow(`${fk.references.table}*`) : fk.references.table))
      .filter((r, i, all) => all.indexOf(r) === i)
      .join(', ');
    const cells = [
      t.name + (t.kind === 'partitioned' ? c.dim(` (${t.partitions.length} partitions)`) : ''),
      formatCount(t.rows, t.rowsExact),
      formatBytes(t.bytes),
      key,
      refs,
    ];
    if (report.layout) {
      const label = t.service === lastService ? '' : (t.service ?? c.yellow('(unowned)'));
      lastService = t.service;
      rows.push([label, ...cells]);
    } else rows.push(cells);
  }
  out.push(table(rows, new Set(report.layout ? [2, 3] : [1, 2])));
  if (report.crossServiceEdges.length > 0) out.push(c.dim('* references a table in another service'));

  if (report.services.length > 0) {
    out.push('', c.bold('Services'));
    out.push(
      table(
        report.services.map((svc) => [
          svc.name,
          plural(svc.tables.length, 'table'),
          plural(svc.rows, 'row'),
          formatBytes(svc.bytes),
        ]),
        new Set([1, 2, 3]),
      ),
    );
  }

  if (report.crossServiceEdges.length > 0) {
    out.push('', c.bold(`Cross-service foreign keys (${report.crossServiceEdges.length})`));
    for (const e of report.crossServiceEdges) {
      out.push(
        `  ${e.from.service}: ${e.from.table}(${e.from.columns.join(', ')}) -> ${e.to.service}: ${e.to.table}(${e.to.columns.join(', ')})  on delete ${e.onDelete}`,
      );
      out.push(`    ${c.dim(e.resolution)}`);
    }
  }
  if (report.cycles.length > 0 || report.selfReferences.length > 0) {
    out.push('', c.bold('Foreign-key cycles'));
    for (const cycle of report.cycles) out.push(`  ${[...cycle, cycle[0]].join(' -> ')}`);
    for (const self of report.selfReferences)
      out.push(`  ${self.table} -> ${self.table} ${c.dim(`(${self.columns.join(', ')}, self-reference)`)}`);
  }

  const counts = `${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}`;
  out.push('', c.bold(`Problems: ${counts}, ${report.problems.length - s.errors - s.warnings} notes`));
  // Cross-service keys are listed above with what to do; here they are only counted.
  const crossing = report.problems.filter((p) => p.code === 'CROSS_SERVICE_FK');
  if (crossing.length > 0)
    out.push(
      `  ${c.yellow('warning')} ${plural(crossing.length, 'foreign key')} cross services (listed above) ${c.dim('[CROSS_SERVICE_FK]')}`,
    );
  for (const p of report.problems.filter((x) => x.code !== 'CROSS_SERVICE_FK')) {
    const label =
      p.severity === 'error'
        ? c.red('error  ')
        : p.severity === 'warning'
          ? c.yellow('warning')
          : c.dim('note   ');
    const where = p.line ? c.dim(`line ${p.line}: `) : '';
    out.push(`  ${label} ${where}${p.message} ${c.dim(`[${p.code}]`)}`);
    if (p.hint) out.push(`          ${c.dim(`-> ${p.hint}`)}`);
  }
  if (report.problems.length === 0) out.push('  none');
  return out.join('\n');
}

function serviceRank(report: AnalysisReport, service: string | null): number {
  if (service === null) return Number.MAX_SAFE_INTEGER;
  return report.services.findIndex((s) => s.name === service);
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}
