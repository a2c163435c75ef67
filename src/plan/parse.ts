import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from '../core/did-you-mean.js';
import { CleaveError, type PlanIssue } from '../core/errors.js';
import { type Plan, planSchema } from './schema.js';

export interface ParsedPlan {
  plan: Plan;
  /** Maps a plan path (`services.auth.tables.2`) to its 1-based line, for later semantic errors. */
  lineOf(path: readonly (string | number)[]): number | undefined;
  /** Values of environment variables used by the plan; redacted from every output. */
  secrets: string[];
}

export interface ParseOptions {
  fileName?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Pure: plan text -> validated plan. Every problem found is reported at once, each with its path and line. */
export function parsePlan(text: string, options: ParseOptions = {}): ParsedPlan {
  const fileName = options.fileName ?? 'cleave.yaml';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      path: '',
      line: e.linePos?.[0]?.line,
      message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
    }));
    const first = issues[0]!;
    throw new CleaveError(
      'PLAN_INVALID',
      `${fileName}${first.line ? `:${first.line}` : ''}: invalid YAML: ${first.message}`,
      {
        hint: 'fix the YAML syntax (indentation, a missing colon or an unclosed quote are the usual causes)',
        issues,
      },
    );
  }
  const lineOf = (path: readonly (string | number)[]): number | undefined =>
    lineOfPath(doc, lineCounter, path);

  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CleaveError(
      'PLAN_INVALID',
      `${fileName}: the plan must be a YAML mapping with version, source and services`,
      {
        hint: 'run `cleave init --source URL` to write a starting plan',
      },
    );
  }

  const env = options.env ?? process.env;
  const secrets: string[] = [];
  const envIssues: PlanIssue[] = [];
  const interpolated = interpolate(raw, [], env, secrets, envIssues, lineOf);
  if (envIssues.length > 0) throw planError(fileName, envIssues);

  const result = planSchema.safeParse(interpolated);
  if (!result.success) {
    // A misspelled key also makes its intended key "missing": report the misspelling first, it is the cause.
    const ordered = [...result.error.issues].sort(
      (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
    );
    throw planError(
      fileName,
      ordered.map((i) => zodIssue(i, lineOf)),
    );
  }

  const shapeIssues = checkShape(result.data, lineOf);
  if (shapeIssues.length > 0) throw planError(fileName, shapeIssues);
  return { plan: result.data, lineOf, secrets };
}

export function planError(fileName: string, issues: PlanIssue[]): CleaveError {
  const first = issues[0]!;
  const where = `${fileName}${first.line ? `:${first.line}` : ''}`;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new CleaveError(
    'PLAN_INVALID',
    `${where}: ${first.path ? `${first.path}: ` : ''}${first.message}${more}`,
    {
      hint: first.hint,
      issues,
    },
  );
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function zodIssue(issue: z.core.$ZodIssue, lineOf: ParsedPlan['lineOf']): PlanIssue {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    const key = issue.keys[0] ?? '';
    const guess = didYouMean(key, known);
    return {
      path: formatPath(path),
      line: lineOf([...path, key]) ?? lineOf(path),
      message: `unknown key \`${key}\`${guess ? `: did you mean \`${guess}\`?` : ''}`,
      hint: known.length > 0 ? `allowed here: ${known.join(', ')}` : undefined,
    };
  }
  if (issue.code === 'invalid_key') {
    const key = String(path[path.length - 1]);
    return {
      path: formatPath(path),
      line: lineOf(path),
      message: `\`${key}\`: ${issue.issues[0]?.message ?? issue.message}`,
    };
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return {
      path: formatPath(path),
      line: lineOf(path),
      message: `missing \`${String(path[path.length - 1] ?? '')}\` (${issue.expected})`,
    };
  }
  return { path: formatPath(path), line: lineOf(path), message: issue.message };
}

/** The keys the schema allows at a path, for "did you mean" on a misspelled key. */
function knownKeysAt(path: readonly (string | number)[]): string[] {
  const top = ['version', 'source', 'layout', 'target', 'supabase', 'services', 'tables'];
  const byDepth: Record<string, string[]> = {
    source: ['url', 'schemas'],
    target: ['url'],
    supabase: ['usersService'],
    services: ['tables', 'url', 'schema', 'description'],
    tables: ['key', 'rename', 'split', 'filter', 'columns'],
    columns: ['type', 'fallback', 'encrypt', 'rename', 'drop', 'whenNull', 'map'],
    encrypt: ['with', 'keyEnv'],
  };
  if (path.length === 0) return top;
  if (path[0] === 'services' && path.length === 2) return byDepth.services!;
  if (path[0] === 'tables' && path.length === 2) return byDepth.tables!;
  if (path[0] === 'tables' && path[2] === 'columns' && path.length === 4) return byDepth.columns!;
  if (path[0] === 'tables' && path[4] === 'encrypt') return byDepth.encrypt!;
  if (path.length === 1) return byDepth[String(path[0])] ?? [];
  return [];
}

function checkShape(plan: Plan, lineOf: ParsedPlan['lineOf']): PlanIssue[] {
  const issues: PlanIssue[] = [];
  if (plan.layout === 'databases') {
    for (const [name, service] of Object.entries(plan.services)) {
      if (service.url === undefined) {
        issues.push({
          path: `services.${name}.url`,
          line: lineOf(['services', name]),
          message: `service \`${name}\` has no url: with layout: databases every service needs its own database`,
          hint: `add services.${name}.url (e.g. postgres://localhost:5432/${name}, or embedded:${name} for a database on the embedded server), or use layout: schemas`,
        });
      }
    }
  } else {
    for (const [name, service] of Object.entries(plan.services)) {
      if (service.url !== undefined) {
        issues.push({
          path: `services.${name}.url`,
          line: lineOf(['services', name, 'url']),
          message: `service \`${name}\` has a url, but layout: schemas puts every service in target.url`,
          hint: 'remove the url, or set layout: databases',
        });
      }
    }
  }
  if (plan.supabase?.usersService !== undefined && !(plan.supabase.usersService in plan.services)) {
    const guess = didYouMean(plan.supabase.usersService, Object.keys(plan.services));
    issues.push({
      path: 'supabase.usersService',
      line: lineOf(['supabase', 'usersService']),
      message: `unknown service \`${plan.supabase.usersService}\`${guess ? `: did you mean \`${guess}\`?` : ''}`,
      hint: `name one of: ${Object.keys(plan.services).join(', ')}`,
    });
  }
  return issues;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(
  value: unknown,
  path: (string | number)[],
  env: Readonly<Record<string, string | undefined>>,
  secrets: string[],
  issues: PlanIssue[],
  lineOf: ParsedPlan['lineOf'],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') {
        secrets.push(found);
        return found;
      }
      if (fallback !== undefined) return fallback;
      issues.push({
        path: formatPath(path),
        line: lineOf(path),
        message: `environment variable ${name} is not set`,
        hint: `export ${name}=... before running cleave, or write \${${name}:-default} in the plan`,
      });
      return '';
    });
  }
  if (Array.isArray(value))
    return value.map((v, i) => interpolate(v, [...path, i], env, secrets, issues, lineOf));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = interpolate(v, [...path, k], env, secrets, issues, lineOf);
    return out;
  }
  return value;
}

function lineOfPath(
  doc: Document,
  counter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  // Walk as far down the path as the document goes, so a missing key points at its parent.
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(part),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      offset = (node as { range?: [number] } | undefined)?.range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}
