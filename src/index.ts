// The public library API: everything the CLI does is reachable from here.
export { type AnalyzeOptions, type AnalyzeResult, runAnalyze } from './app/analyze.js';
export { type CopyAppOptions, type CopyAppResult, runCopy } from './app/copy.js';
export { type GenerateOptions, type GenerateResult, runGenerate } from './app/generate.js';
export { type InitOptions, type InitResult, runInit } from './app/init.js';
export {
  runMigrateBaseline,
  runMigrateCreate,
  runMigrateDown,
  runMigrateStatus,
  runMigrateUp,
} from './app/migrate.js';
export { loadPlanFile, type PlanFile } from './app/plan-file.js';
export { type PrismaOptions, type PrismaResult, runPrisma } from './app/prisma.js';
export { runSeed, runSeedReset, runSeedStatus, runSetup } from './app/seed.js';
export { runVerify, type VerifyAppOptions, type VerifyAppResult } from './app/verify.js';
export { type IntrospectOptions, introspect } from './catalog/introspect.js';
export type * from './catalog/model.js';
export { sampleSqliteValues, type ValueIssue } from './catalog/sample.js';
export { CleaveError, type ErrorCode, type PlanIssue } from './core/errors.js';
export { redactText, redactUrl } from './core/redact.js';
export { type ConnectOptions, connect } from './db/connect.js';
export { type EmbeddedServer, embeddedServer } from './db/embedded.js';
export type { Capabilities, Database, Row } from './db/port.js';
export { baseline, migrateDown, migrateUp, migrationStatus } from './migrations/runner.js';
export { type AnalysisReport, analyze, type CrossServiceEdge, type TableReport } from './plan/analysis.js';
export { type CopyKey, copyKeyOf } from './plan/copy-key.js';
export { renderMermaid } from './plan/mermaid.js';
export { type Ownership, resolveOwnership } from './plan/ownership.js';
export { type ParsedPlan, parsePlan } from './plan/parse.js';
export type { Problem, Severity } from './plan/problems.js';
export { type ProposedService, proposeServices } from './plan/propose.js';
export { renderPlanYaml } from './plan/render-plan.js';
export { type Plan, planSchema } from './plan/schema.js';
export { generateServices, type ServiceDdl } from './schema/generate.js';
export { prismaFromCatalog } from './schema/prisma/from-catalog.js';
export { splitPrismaSchema } from './schema/prisma/split.js';
export { renderStatement, renderStatements } from './schema/render.js';
export type { Statement } from './schema/statements.js';
export type { RowDiff, TableResult } from './verify/compare.js';
