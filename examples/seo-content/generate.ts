import { fileURLToPath } from 'node:url';
import { type Rng, scaleCounts, timestampAt, uuidAt } from '../lib/prng.js';
import { buildSqlite } from '../lib/sqlite-sink.js';
import {
  type BuildOptions,
  type BuildResult,
  DEFAULT_SEED,
  generatedTable,
  type TableRows,
} from '../lib/table-rows.js';

const schemaFile = fileURLToPath(new URL('./schema.sql', import.meta.url));

/**
 * Rows per table at scale 1: 10,000 in all, so scale 100 gives 1,000,000 rows. Most rows sit in job_logs,
 * pages, headings and generated_text, as in the real app, and every table grows linearly with scale.
 */
export const BASE_COUNTS = {
  users: 20,
  api_keys: 40,
  prompts: 30,
  jobs: 200,
  job_logs: 2_000,
  serpapi_results: 200,
  pages: 1_000,
  embeddings: 1_200,
  headings: 3_500,
  generated_text: 1_000,
  text_analytics_cache: 200,
  wordstat_cache: 200,
  audit_events: 410,
} as const;
type TableName = keyof typeof BASE_COUNTS;

/** Dimensions of embeddings.vector (the plan maps it to vector(8)). */
export const VECTOR_DIMENSIONS = 8;
const PROMPT_VERSIONS = 3;

const JOB_TYPES = ['serp_fetch', 'page_crawl', 'outline', 'generate_text', 'analyze_text', 'wordstat'];
const STEPS = ['fetch', 'parse', 'dedupe', 'embed', 'generate', 'score', 'store'];
const PROVIDERS = ['serpapi', 'openai', 'yandex_wordstat', 'gigachat'] as const;
const SECRET_PREFIX: Record<(typeof PROVIDERS)[number], string> = {
  serpapi: '',
  openai: 'sk-proj-',
  yandex_wordstat: 'y0_',
  gigachat: 'gc-',
};

export async function build(options: BuildOptions): Promise<BuildResult> {
  return { tables: buildSqlite(options.url, schemaFile, tablesFor(options)) };
}

export function tablesFor(options: Omit<BuildOptions, 'url'>): TableRows[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const n = scaleCounts(BASE_COUNTS, scale);
  const id = (table: TableName, index: number): string => uuidAt(seed, table, index);
  const ref = (rng: Rng, table: TableName): string => id(table, rng.int(0, n[table] - 1));
  const json = (value: unknown): string => JSON.stringify(value);
  const table = (name: TableName, columns: string, make: (i: number, rng: Rng) => unknown[]): TableRows =>
    generatedTable(name, columns, n[name], seed, make);

  return [
    table('users', 'id email display_name role password_hash is_active created_at updated_at', (i, rng) => {
      const created = rng.timestamp(0, 20);
      const role = i === 0 ? 'admin' : rng.pick(['editor', 'editor', 'viewer']);
      return [
        id('users', i),
        `user${i + 1}@seo.example`,
        `Editor ${i + 1}`,
        role,
        `$2b$12$${rng.hex(53)}`,
        rng.chance(0.9) ? 1 : 0,
        created,
        created,
      ];
    }),
    table('api_keys', 'id owner_id provider secret metadata rotated_at created_at updated_at', (i, rng) => {
      const provider = PROVIDERS[i % PROVIDERS.length]!;
      const created = rng.timestamp(0, 60);
      const rotated = rng.chance(0.3) ? rng.timestamp(60, 366) : null;
      return [
        id('api_keys', i),
        ref(rng, 'users'),
        provider,
        SECRET_PREFIX[provider] + rng.hex(48),
        json({
          label: `${provider} ${rng.word()}`,
          scopes: rng.sample(['read', 'write', 'billing'], rng.int(1, 2)),
        }),
        rotated,
        created,
        rotated ?? created,
      ];
    }),
    table('prompts', 'id key body version updated_by updated_at', (i, rng) => [
      id('prompts', i),
      `prompt_${Math.floor(i / PROMPT_VERSIONS) + 1}`,
      `You write ${rng.words(2, 4)} content. ${rng.paragraph(2, 4)}`,
      (i % PROMPT_VERSIONS) + 1,
      rng.chance(0.9) ? ref(rng, 'users') : null,
      rng.timestamp(0, 366),
    ]),
    table(
      'jobs',
      'id type payload status progress owner_id queued_at started_at finished_at priority',
      (i, rng) => {
        const queued = rng.int(0, 365 * 86_400);
        const status = rng.pick(['done', 'done', 'done', 'done', 'failed', 'running', 'queued', 'cancelled']);
        const started = status === 'queued' ? null : queued + rng.int(1, 600);
        const finished = started !== null && status !== 'running' ? started + rng.int(5, 3600) : null;
        const progress = status === 'done' ? 1 : status === 'queued' ? 0 : rng.float(0, 0.99, 2);
        return [
          id('jobs', i),
          rng.pick(JOB_TYPES),
          json({ keyword: rng.words(2, 4), region: rng.pick(['213', '2', '54']), depth: rng.int(5, 30) }),
          status,
          progress,
          rng.chance(0.95) ? ref(rng, 'users') : null,
          timestampAt(queued),
          started === null ? null : timestampAt(started),
          finished === null ? null : timestampAt(finished),
          rng.pick(['low', 'normal', 'normal', 'high']),
        ];
      },
    ),
    table('job_logs', 'id job_id level step message context created_at', (i, rng) => {
      const level = rng.pick(['debug', 'info', 'info', 'info', 'warn', 'error']);
      return [
        id('job_logs', i),
        ref(rng, 'jobs'),
        level,
        rng.pick(STEPS),
        rng.sentence(4, 10),
        rng.chance(0.6)
          ? json({ attempt: rng.int(1, 3), ms: rng.int(5, 9000), url_count: rng.int(0, 50) })
          : null,
        rng.timestamp(0, 366),
      ];
    }),
    table('serpapi_results', 'id keyword params raw_json hash fetched_at job_id', (i, rng) => {
      const keyword = rng.words(2, 4);
      const organic = Array.from({ length: rng.int(2, 4) }, (_, k) => ({
        position: k + 1,
        title: rng.sentence(3, 7),
        link: `https://${rng.word()}.example/${rng.word()}`,
        snippet: rng.sentence(6, 12),
      }));
      return [
        id('serpapi_results', i),
        keyword,
        json({ engine: 'yandex', q: keyword, lr: rng.pick([213, 2, 54]), num: 10 }),
        json({ search_metadata: { status: 'Success' }, organic_results: organic }),
        rng.hex(64),
        rng.timestamp(0, 366),
        rng.chance(0.9) ? ref(rng, 'jobs') : null,
      ];
    }),
    table('pages', 'id url title lang content_hash fetched_at source_job_id serpapi_result_id', (i, rng) => [
      id('pages', i),
      `https://${rng.word()}-${rng.word()}.example/${rng.word()}/${i + 1}`,
      rng.chance(0.95) ? rng.sentence(3, 9) : null,
      rng.pick(['ru', 'ru', 'ru', 'en']),
      rng.hex(64),
      rng.timestamp(0, 366),
      rng.chance(0.95) ? ref(rng, 'jobs') : null,
      rng.chance(0.8) ? ref(rng, 'serpapi_results') : null,
    ]),
    table('embeddings', 'id text_hash vector model meta created_at', (i, rng) => [
      id('embeddings', i),
      rng.hex(64),
      json(Array.from({ length: VECTOR_DIMENSIONS }, () => rng.float(-1, 1, 6))),
      rng.pick(['text-embedding-3-small', 'multilingual-e5-small']),
      rng.chance(0.5) ? json({ source: 'heading', tokens: rng.int(3, 20) }) : null,
      rng.timestamp(0, 366),
    ]),
    table('headings', 'id page_id level text embeddings_ref created_at', (i, rng) => [
      id('headings', i),
      ref(rng, 'pages'),
      rng.pick(['h1', 'h2', 'h2', 'h2', 'h3', 'h3', 'h4']),
      rng.sentence(3, 9),
      rng.chance(0.9) ? ref(rng, 'embeddings') : null,
      rng.timestamp(0, 366),
    ]),
    table(
      'generated_text',
      'id section_type heading content keywords_used lang metrics status version source_heading_id job_id owner_id created_at',
      (i, rng) => [
        id('generated_text', i),
        rng.pick(['intro', 'section', 'section', 'faq', 'conclusion', 'meta_description']),
        rng.chance(0.9) ? rng.sentence(3, 8) : null,
        rng.paragraph(2, 4),
        json(Array.from({ length: rng.int(2, 6) }, () => rng.word())),
        rng.pick(['ru', 'ru', 'en']),
        json({
          words: rng.int(40, 400),
          readability: rng.float(20, 90, 1),
          uniqueness: rng.float(0.6, 1, 3),
        }),
        rng.pick(['draft', 'review', 'approved', 'approved', 'rejected']),
        rng.int(1, 3),
        rng.chance(0.85) ? ref(rng, 'headings') : null,
        rng.chance(0.95) ? ref(rng, 'jobs') : null,
        rng.chance(0.7) ? ref(rng, 'users') : null,
        rng.timestamp(0, 366),
      ],
    ),
    table('text_analytics_cache', 'cache_key value expires_at job_id generated_text_id', (i, rng) => [
      `ta:${id('text_analytics_cache', i)}`,
      json({ water: rng.float(5, 25, 1), spam: rng.float(10, 70, 1), words: rng.int(50, 3000) }),
      rng.timestamp(180, 546),
      rng.chance(0.8) ? ref(rng, 'jobs') : null,
      rng.chance(0.8) ? ref(rng, 'generated_text') : null,
    ]),
    table('wordstat_cache', 'cache_key value expires_at job_id generated_text_id', (i, rng) => {
      const keyword = rng.words(1, 3);
      return [
        `ws:${id('wordstat_cache', i)}`,
        json({ keyword, shows: rng.int(10, 250_000), region: rng.pick([213, 2, 54]) }),
        rng.timestamp(180, 546),
        rng.chance(0.8) ? ref(rng, 'jobs') : null,
        rng.chance(0.5) ? ref(rng, 'generated_text') : null,
      ];
    }),
    table('audit_events', 'id actor_id action entity entity_id job_id metadata created_at', (i, rng) => {
      const entity = rng.pick(['jobs', 'api_keys', 'prompts', 'generated_text'] as const);
      return [
        id('audit_events', i),
        rng.chance(0.95) ? ref(rng, 'users') : null,
        rng.pick(['create', 'update', 'approve', 'rotate_key', 'export']),
        entity,
        ref(rng, entity),
        entity === 'jobs' || rng.chance(0.3) ? ref(rng, 'jobs') : null,
        rng.chance(0.7)
          ? json({ ip: `10.0.${rng.int(0, 255)}.${rng.int(1, 254)}`, ua: rng.pick(['web', 'cli', 'worker']) })
          : null,
        rng.timestamp(0, 366),
      ];
    }),
  ];
}
