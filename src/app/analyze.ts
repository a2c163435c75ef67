import { existsSync } from 'node:fs';
import { introspect } from '../catalog/introspect.js';
import type { Catalog } from '../catalog/model.js';
import { sampleSqliteValues } from '../catalog/sample.js';
import { connect } from '../db/connect.js';
import { SqliteDatabase } from '../db/sqlite.js';
import { type AnalysisReport, analyze } from '../plan/analysis.js';
import { findTable, resolveOwnership } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { loadPlanFile, type PlanFile } from './plan-file.js';
import { splitCoverage } from './split-coverage.js';

export interface AnalyzeOptions {
  /** Plan file; used when it exists (or required when `planRequired`). */
  planPath: string;
  planRequired?: boolean;
  /** Overrides the plan's source. */
  sourceUrl?: string | undefined;
  counts?: 'estimate' | 'exact' | 'auto';
  /** Rows sampled per SQLite table for type checks. */
  sampleRows?: number;
  env?: NodeJS.ProcessEnv;
}

export interface AnalyzeResult {
  report: AnalysisReport;
  catalog: Catalog;
  plan: PlanFile | null;
  /** Values to redact from any output (environment values the plan used). */
  secrets: string[];
}

/** `cleave analyze`: read the source's catalog, sample its values, and check the plan against both. */
export async function runAnalyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const usePlan = options.planRequired || existsSync(options.planPath) || options.sourceUrl === undefined;
  const planFile = usePlan ? await loadPlanFile(options.planPath, options.env) : null;
  const sourceUrl = options.sourceUrl ?? planFile!.plan.source.url;
  const source = await connect(sourceUrl, {
    baseDir: options.sourceUrl ? process.cwd() : planFile?.dir,
    role: 'source',
  });
  try {
    const catalog = await introspect(source, {
      schemas: options.sourceUrl ? undefined : planFile?.plan.source.schemas,
      counts: options.counts ?? 'auto',
    });
    const plan = planFile?.plan ?? null;
    const valueIssues =
      source instanceof SqliteDatabase
        ? sampleSqliteValues(source, catalog.tables, {
            rows: options.sampleRows,
            requested: requestedTypes(plan, catalog),
          })
        : [];
    const ownership = planFile ? resolveOwnership(planFile.plan, catalog, planFile.lineOf) : null;
    const extraProblems = plan ? await splitCoverage(source, catalog, plan) : [];
    const report = analyze({
      catalog,
      sourceUrl: source.displayUrl,
      plan,
      ownership,
      valueIssues,
      extraProblems,
    });
    return { report, catalog, plan: planFile, secrets: planFile?.secrets ?? [] };
  } finally {
    await source.close();
  }
}

function requestedTypes(plan: Plan | null, catalog: Catalog): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [ref, options] of Object.entries(plan?.tables ?? {})) {
    const table = findTable(catalog, ref);
    if (!table) continue;
    for (const [column, spec] of Object.entries(options.columns ?? {})) {
      if (spec.type) out.set(table.id, (out.get(table.id) ?? new Map()).set(column, spec.type));
    }
  }
  return out;
}
