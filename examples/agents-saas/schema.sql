-- AI-agents SaaS monolith (seed 04): one Supabase project with RLS on every tenant table. Load
-- examples/supabase/stub.sql first (auth.users, auth.uid(), the API roles).

create function set_updated_at() returns trigger
  language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

-- IDENTITY ---------------------------------------------------------------------------------------------------

create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null unique check (slug ~ '^[a-z0-9-]+$'),
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  full_name text,
  avatar_url text,
  locale text not null default 'ru',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Sign-up creates the profile, the usual Supabase pattern: the app never inserts into profiles itself.
create function public.handle_new_user() returns trigger
  language plpgsql security definer set search_path = public
as $$
begin
  insert into public.profiles (id, email, full_name, avatar_url, created_at, updated_at)
  values (new.id, new.email, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url',
          new.created_at, new.created_at);
  return new;
end;
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

create type member_role as enum ('owner', 'admin', 'member');

create table organization_members (
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references profiles (id) on delete cascade,
  role member_role not null default 'member',
  joined_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
create index organization_members_user_id_idx on organization_members (user_id);

-- Whether the calling user belongs to an organization; every tenant policy below asks this.
create function public.is_member(org uuid) returns boolean
  language sql stable security definer set search_path = public
as $$
  select exists (select 1 from organization_members m where m.organization_id = org and m.user_id = auth.uid())
$$;

create table email_templates (
  id uuid primary key default gen_random_uuid(),
  key text not null,
  locale text not null default 'ru',
  subject text not null,
  body_html text not null,
  body_text text not null,
  variables jsonb not null default '[]',
  updated_at timestamptz not null default now(),
  unique (key, locale)
);

-- AGENTS -----------------------------------------------------------------------------------------------------

create table agents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null,
  description text,
  model text not null,
  status text not null default 'draft' check (status in ('draft', 'active', 'paused', 'archived')),
  config jsonb not null default '{}',
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index agents_organization_id_idx on agents (organization_id);
create trigger agents_updated_at before update on agents for each row execute function set_updated_at();

create table agent_versions (
  id uuid primary key default gen_random_uuid(),
  agent_id uuid not null references agents (id) on delete cascade,
  version integer not null,
  system_prompt text not null,
  temperature numeric(3, 2) not null default 0.70,
  tools text[] not null default '{}',
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (agent_id, version)
);

-- KNOWLEDGE --------------------------------------------------------------------------------------------------

create table knowledge_categories (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  parent_id uuid references knowledge_categories (id) on delete cascade,
  name text not null,
  slug text not null,
  position integer not null default 0,
  unique (organization_id, slug)
);

create table knowledge_articles (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  category_id uuid references knowledge_categories (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  title text not null,
  body text not null,
  tags text[] not null default '{}',
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  author_id uuid references profiles (id) on delete set null,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index knowledge_articles_category_id_idx on knowledge_articles (category_id);
create index knowledge_articles_tags_idx on knowledge_articles using gin (tags);
create trigger knowledge_articles_updated_at before update on knowledge_articles
  for each row execute function set_updated_at();

-- CRM --------------------------------------------------------------------------------------------------------

create table crm_connections (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  provider text not null check (provider in ('amocrm', 'bitrix24', 'hubspot', 'salesforce')),
  credentials jsonb not null,
  status text not null default 'active',
  last_synced_at timestamptz,
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now()
);

create table crm_sync_runs (
  id bigint generated always as identity primary key,
  connection_id uuid not null references crm_connections (id) on delete cascade,
  started_at timestamptz not null,
  finished_at timestamptz,
  status text not null check (status in ('running', 'succeeded', 'failed')),
  records_synced integer not null default 0,
  error text
);
create index crm_sync_runs_connection_id_idx on crm_sync_runs (connection_id, started_at);

-- ANALYTICS --------------------------------------------------------------------------------------------------

create table usage_events (
  id bigint generated by default as identity primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  agent_id uuid references agents (id) on delete set null,
  user_id uuid references profiles (id) on delete set null,
  event_type text not null,
  tokens_in integer not null default 0,
  tokens_out integer not null default 0,
  cost numeric(12, 6) not null default 0,
  metadata jsonb,
  occurred_at timestamptz not null
);
create index usage_events_org_time_idx on usage_events (organization_id, occurred_at);

-- Daily roll-up of usage_events (the seed names it as a table to partition once it grows).
create table usage_daily (
  organization_id uuid not null references organizations (id) on delete cascade,
  day date not null,
  events integer not null,
  tokens bigint not null,
  cost numeric(14, 6) not null,
  primary key (organization_id, day)
);

-- BILLING ----------------------------------------------------------------------------------------------------

create table plans (
  id text primary key,
  name text not null,
  price_cents integer not null,
  currency char(3) not null default 'USD',
  limits jsonb not null,
  is_active boolean not null default true
);

create table subscriptions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null unique references organizations (id) on delete cascade,
  plan_id text not null references plans (id),
  status text not null check (status in ('trialing', 'active', 'past_due', 'canceled')),
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  cancel_at_period_end boolean not null default false,
  created_at timestamptz not null default now()
);

create table invoices (
  id uuid primary key default gen_random_uuid(),
  subscription_id uuid not null references subscriptions (id) on delete cascade,
  organization_id uuid not null references organizations (id) on delete cascade,
  number text not null unique,
  amount_cents integer not null,
  currency char(3) not null default 'USD',
  status text not null check (status in ('draft', 'open', 'paid', 'void')),
  issued_at timestamptz not null,
  paid_at timestamptz
);
create index invoices_subscription_id_idx on invoices (subscription_id);

-- JOBS -------------------------------------------------------------------------------------------------------

-- Exactly the seed's table: text ids, and no foreign keys (user_id and organization_id are plain text).
CREATE TABLE job_status (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  user_id TEXT NOT NULL,
  organization_id TEXT,
  payload JSONB,
  progress JSONB,
  result JSONB,
  error TEXT,
  duration INTEGER,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  started_at TIMESTAMP WITH TIME ZONE,
  completed_at TIMESTAMP WITH TIME ZONE,
  failed_at TIMESTAMP WITH TIME ZONE,
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- ROW LEVEL SECURITY -----------------------------------------------------------------------------------------

alter table profiles enable row level security;
create policy "Users can view their own profile" on profiles for select using (auth.uid() = id);
create policy "Users can update their own profile" on profiles for update using (auth.uid() = id);

alter table organizations enable row level security;
create policy "Members can view their organizations" on organizations for select using (public.is_member(id));

alter table organization_members enable row level security;
create policy "Members can view co-members" on organization_members for select using (public.is_member(organization_id));

alter table agents enable row level security;
create policy "Members can use their agents" on agents for all
  using (public.is_member(organization_id)) with check (public.is_member(organization_id));

alter table agent_versions enable row level security;
create policy "Members can view agent versions" on agent_versions for select
  using (exists (select 1 from agents a where a.id = agent_id and public.is_member(a.organization_id)));

alter table knowledge_categories enable row level security;
create policy "Members can use their categories" on knowledge_categories for all using (public.is_member(organization_id));

alter table knowledge_articles enable row level security;
create policy "Members can use their articles" on knowledge_articles for all using (public.is_member(organization_id));

alter table crm_connections enable row level security;
create policy "Members can view CRM connections" on crm_connections for select using (public.is_member(organization_id));

alter table usage_events enable row level security;
create policy "Members can view usage" on usage_events for select using (public.is_member(organization_id));

alter table usage_daily enable row level security;
create policy "Members can view daily usage" on usage_daily for select using (public.is_member(organization_id));

alter table subscriptions enable row level security;
create policy "Members can view their subscription" on subscriptions for select using (public.is_member(organization_id));

alter table invoices enable row level security;
create policy "Members can view their invoices" on invoices for select using (public.is_member(organization_id));

alter table job_status enable row level security;
create policy "Users can view their own jobs" on job_status for select using (auth.uid()::text = user_id);

alter table plans enable row level security;
create policy "Anyone can read plans" on plans for select using (true);

grant select on plans to anon;
grant select, insert, update, delete on all tables in schema public to authenticated;
grant all on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to authenticated, service_role;
