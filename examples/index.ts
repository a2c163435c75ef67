import { fileURLToPath } from 'node:url';
import { build as buildAgentsSaas } from './agents-saas/generate.js';
import { build as buildBudget } from './budget/generate.js';
import type { BuildOptions, BuildResult } from './lib/table-rows.js';
import { build as buildSeoContent } from './seo-content/generate.js';
import { build as buildVending } from './vending/generate.js';

export type { BuildOptions, BuildResult } from './lib/table-rows.js';

export type ExampleName = 'vending' | 'budget' | 'seo-content' | 'agents-saas';

export interface Example {
  name: ExampleName;
  /** postgres: build() takes the URL of an empty database; sqlite: `sqlite:/path/file.sqlite`. */
  engine: 'postgres' | 'sqlite';
  description: string;
  /** Absolute path of the example's folder (schema.sql, cleave.yaml, README.md). */
  dir: string;
  build: (options: BuildOptions) => Promise<BuildResult>;
}

const dirOf = (name: ExampleName): string => fileURLToPath(new URL(`./${name}/`, import.meta.url));

/** The four systems of the seeds as sample monoliths, each with a deterministic generator and a plan. */
export const examples: Record<ExampleName, Example> = {
  vending: {
    name: 'vending',
    engine: 'postgres',
    description: 'Vending machines on Supabase (seed 01): auth, machines, inventory, tasks and shared sales',
    dir: dirOf('vending'),
    build: buildVending,
  },
  budget: {
    name: 'budget',
    engine: 'postgres',
    description: 'Budget app (seed 02): api and notifications, a database per service',
    dir: dirOf('budget'),
    build: buildBudget,
  },
  'seo-content': {
    name: 'seo-content',
    engine: 'sqlite',
    description:
      'SEO content generator on SQLite (seed 03): encrypted API keys, embeddings, jobs and content',
    dir: dirOf('seo-content'),
    build: buildSeoContent,
  },
  'agents-saas': {
    name: 'agents-saas',
    engine: 'postgres',
    description:
      'AI-agents SaaS on Supabase with RLS (seed 04): identity, agents, knowledge, crm, analytics, billing, jobs',
    dir: dirOf('agents-saas'),
    build: buildAgentsSaas,
  },
};
