-- SEO content generator monolith (seed 03), as an app that grew up on SQLite keeps it: uuids, JSON and
-- ISO-8601 timestamps as TEXT, booleans as INTEGER 0/1, API secrets in plain text, embedding vectors as a
-- JSON array of floats. The tables and foreign keys follow the seed's ER diagram; where the diagram draws a
-- relation its column list lacks (job -> generated text, SERP result -> page, cache -> job/text, audit event ->
-- job), a nullable reference column carries it.

create table users (
  id text primary key,
  email text not null unique,
  display_name text not null,
  role text not null default 'editor' check (role in ('admin', 'editor', 'viewer')),
  password_hash text not null,
  is_active integer not null default 1 check (is_active in (0, 1)),
  created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table api_keys (
  id text primary key,
  owner_id text not null references users (id) on delete cascade,
  provider text not null check (provider in ('serpapi', 'openai', 'yandex_wordstat', 'gigachat')),
  secret text not null, -- plain text here; the target keeps it encrypted (pgcrypto)
  metadata text not null default '{}', -- JSON
  rotated_at text,
  created_at text not null,
  updated_at text not null
);
create index api_keys_owner_id on api_keys (owner_id);

create table jobs (
  id text primary key,
  type text not null,
  payload text not null, -- JSON
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'cancelled')),
  progress real not null default 0,
  owner_id text references users (id) on delete set null,
  queued_at text not null,
  started_at text,
  finished_at text,
  priority text not null default 'normal'
);
create index jobs_owner_id on jobs (owner_id);
create index jobs_status on jobs (status, queued_at);

create table job_logs (
  id text primary key,
  job_id text not null references jobs (id) on delete cascade,
  level text not null,
  step text not null,
  message text not null,
  context text, -- JSON
  created_at text not null
);
create index job_logs_job_id on job_logs (job_id, created_at);

create table serpapi_results (
  id text primary key,
  keyword text not null,
  params text not null, -- JSON
  raw_json text not null, -- JSON
  hash text not null,
  fetched_at text not null,
  job_id text references jobs (id) on delete set null
);
create index serpapi_results_job_id on serpapi_results (job_id);
create index serpapi_results_hash on serpapi_results (hash);

create table pages (
  id text primary key,
  url text not null,
  title text,
  lang text not null default 'ru',
  content_hash text not null,
  fetched_at text not null,
  source_job_id text references jobs (id) on delete set null,
  serpapi_result_id text references serpapi_results (id) on delete set null
);
create index pages_source_job_id on pages (source_job_id);
create index pages_url on pages (url);

create table embeddings (
  id text primary key,
  text_hash text not null unique,
  vector text not null, -- JSON array of 8 floats
  model text not null,
  meta text, -- JSON
  created_at text not null
);

create table headings (
  id text primary key,
  page_id text not null references pages (id) on delete cascade,
  level text not null check (level in ('h1', 'h2', 'h3', 'h4')),
  text text not null,
  embeddings_ref text references embeddings (id) on delete set null,
  created_at text not null
);
create index headings_page_id on headings (page_id);

create table generated_text (
  id text primary key,
  section_type text not null,
  heading text,
  content text not null,
  keywords_used text, -- JSON array
  lang text not null default 'ru',
  metrics text, -- JSON
  status text not null default 'draft' check (status in ('draft', 'review', 'approved', 'rejected')),
  version integer not null default 1,
  source_heading_id text references headings (id) on delete set null,
  job_id text references jobs (id) on delete set null,
  owner_id text references users (id) on delete set null,
  created_at text not null
);
create index generated_text_job_id on generated_text (job_id);
create index generated_text_source_heading_id on generated_text (source_heading_id);

create table prompts (
  id text primary key,
  key text not null,
  body text not null,
  version integer not null default 1,
  updated_by text references users (id) on delete set null,
  updated_at text not null,
  unique (key, version)
);

create table text_analytics_cache (
  cache_key text primary key,
  value text not null, -- JSON
  expires_at text not null,
  job_id text references jobs (id) on delete set null,
  generated_text_id text references generated_text (id) on delete set null
);

create table wordstat_cache (
  cache_key text primary key,
  value text not null, -- JSON
  expires_at text not null,
  job_id text references jobs (id) on delete set null,
  generated_text_id text references generated_text (id) on delete set null
);

create table audit_events (
  id text primary key,
  actor_id text references users (id) on delete set null,
  action text not null,
  entity text not null,
  entity_id text,
  job_id text references jobs (id) on delete set null,
  metadata text, -- JSON
  created_at text not null
);
create index audit_events_actor_id on audit_events (actor_id);
