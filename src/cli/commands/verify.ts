import { writeFile } from 'node:fs/promises';
import { runVerify } from '../../app/verify.js';
import { CleaveError } from '../../core/errors.js';
import type { TableResult, VerifyEvent } from '../../verify/compare.js';
import { describeDiff, htmlReport, markdownReport, type VerifyReport } from '../../verify/report.js';
import { EXIT } from '../exit-codes.js';
import { formatCount, table } from '../format.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface VerifyFlags {
  service?: string[];
  table?: string[];
  maxDiffs: number;
  isolation?: boolean;
  isolationOnly?: boolean;
  report?: string;
  jobs?: number;
}

export default async function verifyCommand(
  flags: VerifyFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  if (flags.report && !/\.(html?|md)$/i.test(flags.report))
    throw new CleaveError('UNSUPPORTED', `--report ${flags.report}: the report is written as .html or .md`, {
      hint: 'name the file report.html or report.md',
    });
  const result = await runVerify({
    planPath: global.plan,
    services: flags.service,
    tables: flags.table,
    maxDiffs: flags.maxDiffs,
    isolation: flags.isolation === true,
    isolationOnly: flags.isolationOnly === true,
    jobs: flags.jobs,
    onEvent: global.json ? undefined : progress(output),
  });
  output.addSecrets(result.secrets);
  const report: VerifyReport = {
    ok: result.ok,
    tables: result.tables,
    isolation: result.isolation,
    at: new Date().toISOString(),
  };
  if (flags.report) {
    await writeFile(flags.report, /\.md$/i.test(flags.report) ? markdownReport(report) : htmlReport(report));
  }
  if (global.json) output.out(JSON.stringify(report));
  else output.out(summary(report, flags.report));
  return result.ok ? EXIT.ok : EXIT.problems;
}

function progress(output: Output): (e: VerifyEvent) => void {
  return (e) => {
    if (e.kind === 'table-done')
      output.err(
        `${e.result.service}: ${e.result.table} ${e.result.status === 'match' ? 'matches' : 'DIFFERS'} (${formatCount(e.result.sourceRows)} rows, ${(e.result.durationMs / 1000).toFixed(1)} s)`,
      );
  };
}

function summary(r: VerifyReport, reportFile: string | undefined): string {
  const out: string[] = [];
  if (r.tables.length > 0) {
    const rows = [['SERVICE', 'TABLE', 'SOURCE', 'TARGET', 'MISSING', 'EXTRA', 'CHANGED', 'STATUS']];
    for (const t of r.tables)
      rows.push([
        t.service,
        t.table,
        formatCount(t.sourceRows),
        formatCount(t.targetRows),
        formatCount(t.missing),
        formatCount(t.extra),
        formatCount(t.changed),
        t.status,
      ]);
    out.push(table(rows, new Set([2, 3, 4, 5, 6])));
    for (const t of r.tables) out.push(...details(t));
  }
  if (r.isolation) {
    out.push(
      r.isolation.length === 0
        ? 'isolation: every service holds only its own tables, references and grants'
        : `isolation: ${r.isolation.length} finding(s)`,
    );
    for (const f of r.isolation) out.push(`  ${f.kind}: ${f.message}`);
  }
  out.push(r.ok ? 'verify: everything matches' : 'verify: differences found');
  if (reportFile) out.push(`report: ${reportFile}`);
  return out.join('\n');
}

function details(t: TableResult): string[] {
  const lines = t.missingColumns.map(
    (c) =>
      `  ${t.service}.${t.table}: column ${c} is not in ${t.target} (run \`cleave migrate up\`, or drop it in the plan)`,
  );
  lines.push(...t.diffs.map((d) => `  ${t.service}.${t.table}: ${describeDiff(d)}`));
  if (t.truncated) lines.push(`  ${t.service}.${t.table}: … more (raise --max-diffs to list them)`);
  for (const n of t.notCompared)
    lines.push(`  ${t.service}.${t.table}: not compared: ${n.column} (${n.reason})`);
  return lines;
}
