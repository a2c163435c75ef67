import { runAnalyze } from '../../app/analyze.js';
import { ensureDemoSource } from '../../app/demo.js';
import { renderMermaid } from '../../plan/mermaid.js';
import { EXIT } from '../exit-codes.js';
import { formatAnalysis } from '../format-analysis.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface AnalyzeFlags {
  source?: string;
  mermaid?: boolean;
  counts: 'auto' | 'exact' | 'estimate';
  sampleRows: number;
  demoSource?: boolean;
}

export default async function analyzeCommand(
  flags: AnalyzeFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  if (flags.demoSource) await ensureDemoSource(global.plan, (line) => output.err(line));
  const result = await runAnalyze({
    planPath: global.plan,
    sourceUrl: flags.source,
    counts: flags.counts,
    sampleRows: flags.sampleRows,
  });
  output.addSecrets(result.secrets);
  const { report } = result;
  if (flags.mermaid) {
    const owner = result.plan
      ? new Map(report.tables.filter((t) => t.service).map((t) => [t.name, t.service!]))
      : null;
    const diagram = renderMermaid(result.catalog, owner);
    if (global.json) output.data({ mermaid: diagram });
    else output.out(diagram);
  } else if (global.json) {
    output.data(report);
  } else {
    output.out(formatAnalysis(report, { color: process.stdout.isTTY === true }));
  }
  return report.summary.errors > 0 ? EXIT.problems : EXIT.ok;
}
