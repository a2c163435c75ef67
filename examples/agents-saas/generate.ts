import { fileURLToPath } from 'node:url';
import { buildPostgres } from '../lib/pg-sink.js';
import { dateAt, type Rng, scaleCounts, timestampAt, uuidAt } from '../lib/prng.js';
import {
  type BuildOptions,
  type BuildResult,
  DEFAULT_SEED,
  generatedTable,
  type TableRows,
} from '../lib/table-rows.js';
import { stubFile } from '../supabase/load.js';

const schemaFile = fileURLToPath(new URL('./schema.sql', import.meta.url));

/** Rows per table at scale 1 that `scale` multiplies. plans (4) and email_templates (12) are reference data. */
export const BASE_COUNTS = {
  organizations: 50,
  users: 250,
  extra_memberships: 50,
  agents: 150,
  knowledge_articles: 1_500,
  crm_connections: 60,
  crm_sync_runs: 3_000,
  usage_events: 20_000,
  invoices: 600,
  job_status: 2_000,
} as const;
const VERSIONS_PER_AGENT = 4; // agent_versions = agents x 4
const CATEGORIES_PER_ORG = 6; // knowledge_categories = organizations x 6: three roots, three children
const USAGE_DAYS = 60; // usage_daily = organizations x 60

const PLANS = [
  { id: 'free', name: 'Free', price: 0, agents: 1, tokens: 100_000 },
  { id: 'starter', name: 'Starter', price: 2900, agents: 3, tokens: 2_000_000 },
  { id: 'pro', name: 'Pro', price: 9900, agents: 15, tokens: 20_000_000 },
  { id: 'enterprise', name: 'Enterprise', price: 49900, agents: 100, tokens: 500_000_000 },
];
const TEMPLATES = ['welcome', 'invite', 'password_reset', 'invoice_paid', 'usage_limit', 'weekly_report'];
const LOCALES = ['ru', 'en'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'yandexgpt-pro', 'gigachat-pro', 'mistral-large'];
const TOOLS = ['web_search', 'knowledge_base', 'crm_lookup', 'calendar', 'email'];
const JOB_TYPES = ['process-large-file', 'generate-report', 'bulk-import', 'bulk-export', 'fine-tune-model'];

export async function build(options: BuildOptions): Promise<BuildResult> {
  const written = await buildPostgres(options.url, [stubFile, schemaFile], tablesFor(options));
  // profiles has no generator: the on_auth_user_created trigger writes one per auth.users row.
  const { 'auth.users': users = 0, ...rest } = written;
  return { tables: { 'auth.users': users, profiles: users, ...rest } };
}

export function tablesFor(options: Omit<BuildOptions, 'url'>): TableRows[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const n = scaleCounts(BASE_COUNTS, scale);
  const orgs = n.organizations;
  const extraMemberships = orgs > 1 ? Math.min(n.extra_memberships, n.users) : 0;
  const id = (table: string, index: number): string => uuidAt(seed, table, index);
  // Row i of a per-organization table belongs to organization i % orgs, so "an agent of org o" needs no lookup.
  const memberOf = (rng: Rng, table: 'users' | 'agents', org: number): string | null => {
    const last = Math.floor((n[table] - 1 - org) / orgs);
    return last < 0 ? null : id(table, rng.int(0, last) * orgs + org);
  };
  const someOrg = (rng: Rng): number => rng.int(0, orgs - 1);
  const json = (value: unknown): string => JSON.stringify(value);

  return [
    generatedTable('plans', 'id name price_cents currency limits is_active', PLANS.length, seed, (i) => {
      const plan = PLANS[i]!;
      return [
        plan.id,
        plan.name,
        plan.price,
        'USD',
        json({ agents: plan.agents, tokens_per_month: plan.tokens }),
        true,
      ];
    }),
    generatedTable(
      'email_templates',
      'id key locale subject body_html body_text variables updated_at',
      TEMPLATES.length * LOCALES.length,
      seed,
      (i, rng) => {
        const key = TEMPLATES[Math.floor(i / LOCALES.length)]!;
        const text = rng.paragraph(2, 3);
        return [
          id('email_templates', i),
          key,
          LOCALES[i % LOCALES.length],
          `${key.replace('_', ' ')}: {{org_name}}`,
          `<p>Hello {{name}},</p><p>${text}</p>`,
          `Hello {{name}},\n\n${text}`,
          json(['name', 'org_name']),
          rng.timestamp(0, 10),
        ];
      },
    ),
    generatedTable('organizations', 'id name slug settings created_at updated_at', orgs, seed, (i, rng) => {
      const name = `${rng.word()} ${rng.pick(['Labs', 'Group', 'Systems', 'Retail', 'Clinic'])}`;
      const created = rng.timestamp(0, 90);
      return [
        id('organizations', i),
        name,
        `${name.toLowerCase().replace(' ', '-')}-${i + 1}`,
        json({ timezone: rng.pick(['Europe/Moscow', 'Asia/Novosibirsk', 'UTC']) }),
        created,
        created,
      ];
    }),
    generatedTable(
      'auth.users',
      'id aud role email encrypted_password email_confirmed_at raw_app_meta_data raw_user_meta_data created_at updated_at',
      n.users,
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 120);
        const meta = {
          full_name: `Member ${i + 1}`,
          avatar_url: rng.chance(0.5) ? `avatars/${id('users', i)}.png` : null,
        };
        return [
          id('users', i),
          'authenticated',
          'authenticated',
          `member${i + 1}@agents.example`,
          `$2a$10$${rng.hex(53)}`,
          rng.chance(0.9) ? created : null,
          json({ provider: 'email', providers: ['email'] }),
          json(meta),
          created,
          created,
        ];
      },
    ),
    generatedTable(
      'organization_members',
      'organization_id user_id role joined_at',
      n.users + extraMemberships,
      seed,
      (i, rng) => {
        // Users 0..users-1 join organization user % orgs (the first of each is its owner); the first few
        // users also join the next organization.
        const extra = i >= n.users;
        const user = extra ? i - n.users : i;
        const org = extra ? ((user % orgs) + 1) % orgs : user % orgs;
        const role = !extra && user < orgs ? 'owner' : rng.chance(0.2) ? 'admin' : 'member';
        return [id('organizations', org), id('users', user), role, rng.timestamp(90, 150)];
      },
    ),
    generatedTable(
      'agents',
      'id organization_id name description model status config created_by created_at updated_at',
      n.agents,
      seed,
      (i, rng) => {
        const org = i % orgs;
        const created = rng.timestamp(90, 200);
        return [
          id('agents', i),
          id('organizations', org),
          `${rng.pick(['Support', 'Sales', 'HR', 'Onboarding', 'Billing'])} agent ${i + 1}`,
          rng.chance(0.8) ? rng.sentence(5, 12) : null,
          rng.pick(MODELS),
          rng.pick(['draft', 'active', 'active', 'active', 'paused', 'archived']),
          json({ max_tokens: rng.pick([512, 1024, 4096]), language: rng.pick(['ru', 'en']) }),
          memberOf(rng, 'users', org),
          created,
          created,
        ];
      },
    ),
    generatedTable(
      'agent_versions',
      'id agent_id version system_prompt temperature tools created_by created_at',
      n.agents * VERSIONS_PER_AGENT,
      seed,
      (i, rng) => {
        const agent = Math.floor(i / VERSIONS_PER_AGENT);
        const version = (i % VERSIONS_PER_AGENT) + 1;
        return [
          id('agent_versions', i),
          id('agents', agent),
          version,
          `You answer questions from {{org_name}} customers. ${rng.paragraph(2, 5)}`,
          rng.decimal(0, 1, 2),
          rng.sample(TOOLS, rng.int(0, 3)),
          memberOf(rng, 'users', agent % orgs),
          timestampAt((200 + version * 30) * 86_400 + rng.int(0, 86_399)),
        ];
      },
    ),
    generatedTable(
      'knowledge_categories',
      'id organization_id parent_id name slug position',
      orgs * CATEGORIES_PER_ORG,
      seed,
      (i, rng) => {
        const org = Math.floor(i / CATEGORIES_PER_ORG);
        const k = i % CATEGORIES_PER_ORG;
        const half = CATEGORIES_PER_ORG / 2;
        const parent = k < half ? null : id('knowledge_categories', org * CATEGORIES_PER_ORG + (k - half));
        const name = `${rng.word()} ${rng.word()}`;
        return [
          id('knowledge_categories', i),
          id('organizations', org),
          parent,
          name,
          `${name.replace(' ', '-')}-${k + 1}`,
          k,
        ];
      },
    ),
    generatedTable(
      'knowledge_articles',
      'id organization_id category_id agent_id title body tags status author_id published_at created_at updated_at',
      n.knowledge_articles,
      seed,
      (i, rng) => {
        const org = someOrg(rng);
        const status = rng.pick(['draft', 'published', 'published', 'published', 'archived']);
        const created = rng.int(90 * 86_400, 300 * 86_400);
        return [
          id('knowledge_articles', i),
          id('organizations', org),
          rng.chance(0.9)
            ? id('knowledge_categories', org * CATEGORIES_PER_ORG + rng.int(0, CATEGORIES_PER_ORG - 1))
            : null,
          rng.chance(0.3) ? memberOf(rng, 'agents', org) : null,
          rng.sentence(3, 8),
          rng.paragraph(3, 8),
          rng.sample(
            ['faq', 'pricing', 'onboarding', 'api', 'it\'s "quoted"', 'back\\slash', 'delivery'],
            rng.int(0, 3),
          ),
          status,
          memberOf(rng, 'users', org),
          status === 'draft' ? null : timestampAt(created + rng.int(0, 10 * 86_400)),
          timestampAt(created),
          timestampAt(created + rng.int(0, 60 * 86_400)),
        ];
      },
    ),
    generatedTable(
      'crm_connections',
      'id organization_id provider credentials status last_synced_at created_by created_at',
      n.crm_connections,
      seed,
      (i, rng) => {
        const org = i % orgs;
        return [
          id('crm_connections', i),
          id('organizations', org),
          rng.pick(['amocrm', 'bitrix24', 'hubspot', 'salesforce']),
          json({ access_token: rng.hex(40), refresh_token: rng.hex(40), domain: `${rng.word()}.example` }),
          rng.pick(['active', 'active', 'error', 'disconnected']),
          rng.chance(0.8) ? rng.timestamp(300, 366) : null,
          memberOf(rng, 'users', org),
          rng.timestamp(100, 200),
        ];
      },
    ),
    generatedTable(
      'crm_sync_runs',
      'connection_id started_at finished_at status records_synced error',
      n.crm_sync_runs,
      seed,
      (_i, rng) => {
        const started = rng.int(200 * 86_400, 366 * 86_400 - 1);
        const status = rng.pick(['succeeded', 'succeeded', 'succeeded', 'failed', 'running']);
        return [
          id('crm_connections', rng.int(0, n.crm_connections - 1)),
          timestampAt(started),
          status === 'running' ? null : timestampAt(started + rng.int(5, 900)),
          status,
          status === 'failed' ? 0 : rng.int(0, 5000),
          status === 'failed' ? `HTTP ${rng.pick([401, 429, 500, 503])}: ${rng.sentence(3, 6)}` : null,
        ];
      },
    ),
    generatedTable(
      'usage_events',
      'organization_id agent_id user_id event_type tokens_in tokens_out cost metadata occurred_at',
      n.usage_events,
      seed,
      (_i, rng) => {
        const org = someOrg(rng);
        const tokensIn = rng.int(20, 4000);
        const tokensOut = rng.int(10, 2000);
        return [
          id('organizations', org),
          memberOf(rng, 'agents', org),
          rng.chance(0.6) ? memberOf(rng, 'users', org) : null,
          rng.pick(['chat.completion', 'chat.completion', 'embedding', 'tool.call', 'kb.search']),
          tokensIn,
          tokensOut,
          rng.decimal(0, 0.2, 6),
          rng.chance(0.3) ? json({ channel: rng.pick(['web', 'telegram', 'whatsapp']) }) : null,
          rng.timestamp(300, 366),
        ];
      },
    ),
    generatedTable(
      'usage_daily',
      'organization_id day events tokens cost',
      orgs * USAGE_DAYS,
      seed,
      (i, rng) => {
        const events = rng.int(0, 900);
        return [
          id('organizations', Math.floor(i / USAGE_DAYS)),
          dateAt(300 + (i % USAGE_DAYS)),
          events,
          events * rng.int(200, 3000),
          rng.decimal(0, events * 0.05, 6),
        ];
      },
    ),
    generatedTable(
      'subscriptions',
      'id organization_id plan_id status current_period_start current_period_end cancel_at_period_end created_at',
      orgs,
      seed,
      (i, rng) => {
        const day = rng.int(330, 365);
        return [
          id('subscriptions', i),
          id('organizations', i),
          rng.pick(PLANS).id,
          rng.pick(['active', 'active', 'active', 'trialing', 'past_due', 'canceled']),
          timestampAt(day * 86_400),
          timestampAt((day + 30) * 86_400),
          rng.chance(0.1),
          rng.timestamp(90, 150),
        ];
      },
    ),
    generatedTable(
      'invoices',
      'id subscription_id organization_id number amount_cents currency status issued_at paid_at',
      n.invoices,
      seed,
      (i, rng) => {
        const subscription = rng.int(0, orgs - 1); // subscription s belongs to organization s
        const issued = rng.int(150 * 86_400, 366 * 86_400 - 1);
        const status = rng.pick(['paid', 'paid', 'paid', 'open', 'void', 'draft']);
        return [
          id('invoices', i),
          id('subscriptions', subscription),
          id('organizations', subscription),
          `INV-2024-${String(i + 1).padStart(6, '0')}`,
          rng.pick(PLANS).price,
          'USD',
          status,
          timestampAt(issued),
          status === 'paid' ? timestampAt(issued + rng.int(60, 5 * 86_400)) : null,
        ];
      },
    ),
    generatedTable(
      'job_status',
      'id type status user_id organization_id payload progress result error duration created_at started_at completed_at failed_at updated_at',
      n.job_status,
      seed,
      (i, rng) => {
        const org = someOrg(rng);
        const status = rng.pick(['completed', 'completed', 'completed', 'failed', 'active', 'pending']);
        const created = rng.int(300 * 86_400, 366 * 86_400 - 1);
        const started = status === 'pending' ? null : created + rng.int(0, 120);
        const duration =
          started !== null && (status === 'completed' || status === 'failed') ? rng.int(200, 600_000) : null;
        const ended = started !== null && duration !== null ? started + Math.ceil(duration / 1000) : null;
        return [
          `job-${i + 1}`,
          rng.pick(JOB_TYPES),
          status,
          memberOf(rng, 'users', org) ?? id('users', 0),
          rng.chance(0.9) ? id('organizations', org) : null,
          json({
            fileId: `file-${rng.int(1, 99_999)}`,
            operation: rng.pick(['analyze', 'convert', 'compress']),
          }),
          status === 'pending' ? null : json({ percent: status === 'completed' ? 100 : rng.int(0, 99) }),
          status === 'completed' ? json({ rows: rng.int(0, 100_000), url: `reports/${i + 1}.csv` }) : null,
          status === 'failed' ? rng.pick(['Timeout after 600s', 'Out of memory', 'File not found']) : null,
          duration,
          timestampAt(created),
          started === null ? null : timestampAt(started),
          status === 'completed' && ended !== null ? timestampAt(ended) : null,
          status === 'failed' && ended !== null ? timestampAt(ended) : null,
          timestampAt(ended ?? started ?? created),
        ];
      },
    ),
  ];
}
