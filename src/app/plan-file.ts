import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { type ParsedPlan, parsePlan } from '../plan/parse.js';

export interface PlanFile extends ParsedPlan {
  path: string;
  /** Folder of the plan file: relative sqlite: paths in it resolve from here. */
  dir: string;
}

export async function loadPlanFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<PlanFile> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ENOENT') {
      throw new CleaveError('PLAN_NOT_FOUND', `no plan file at ${path}`, {
        hint: 'run `cleave init --source URL` to write one, pass --plan FILE, or pass --source URL to analyze without a plan',
        cause,
      });
    }
    throw new CleaveError('PLAN_INVALID', `cannot read the plan file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = parsePlan(text, { fileName: path, env });
  return { ...parsed, path: absolute, dir: dirname(absolute) };
}
