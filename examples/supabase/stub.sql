-- A minimal stand-in for the parts of a Supabase database that application migrations touch: the API roles,
-- auth.users with auth.uid()/role()/jwt()/email(), storage buckets and objects, the `extensions` schema, and a
-- stand-in `vector` type. It lets real Supabase migrations and the example monoliths load on plain
-- PostgreSQL 15+ (superuser needed: base types and roles).
--
-- Idempotent, and safe to run at the same time in several databases of one server: roles are cluster-wide, so
-- they are created in blocks that treat "already there" (duplicate_object, or unique_violation when two
-- sessions race) as success; everything else lives in the current database.

-- ROLES ----------------------------------------------------------------------------------------------------

do $$
declare
  spec text[];
begin
  foreach spec slice 1 in array array[
    array['anon', 'nologin noinherit'],
    array['authenticated', 'nologin noinherit'],
    array['service_role', 'nologin noinherit bypassrls']
  ] loop
    begin
      execute format('create role %I %s', spec[1], spec[2]);
    exception when duplicate_object or unique_violation then
      null;
    end;
  end loop;
end
$$;

-- EXTENSIONS -----------------------------------------------------------------------------------------------

create schema if not exists extensions;

-- Supabase resolves extension objects (uuid_generate_v4, crypt, vector) through the search path, which
-- includes `extensions`. Set it for later sessions of this database and for this one.
do $$
begin
  execute format('alter database %I set search_path = "$user", public, extensions', current_database());
end
$$;
select set_config('search_path', '"$user", public, extensions', false);

-- `create extension if not exists X with schema extensions` only checks the name, so an extension that already
-- lives elsewhere stays where it is. An extension the server lacks is not fatal: uuid_generate_v4 gets a
-- stand-in on gen_random_uuid() (built in since PostgreSQL 13), pgcrypto (crypt, gen_salt) is just missing.
do $$
begin
  if not exists (select 1 from pg_extension where extname = 'uuid-ossp') then
    begin
      create extension "uuid-ossp" with schema extensions;
    exception when undefined_file or feature_not_supported then
      create or replace function extensions.uuid_generate_v4() returns uuid
        language sql volatile as 'select gen_random_uuid()';
    end;
  end if;
  if not exists (select 1 from pg_extension where extname = 'pgcrypto') then
    begin
      create extension pgcrypto with schema extensions;
    exception when undefined_file or feature_not_supported then
      raise notice 'pgcrypto is not available on this server: crypt() and gen_salt() will be missing';
    end;
  end if;
end
$$;

-- A stand-in for pgvector's `vector`, for servers without it (Debian's PostgreSQL and embedded-postgres have
-- none). Values are stored as text ('[1,2,3]'); the typmod functions of `bit` keep the declared dimension, so
-- format_type prints `extensions.vector(1536)` and atttypmod is 1536, as with pgvector. No operators: queries
-- using <=> fail, but schemas load and the data copies.
do $$
begin
  if to_regtype('extensions.vector') is null and not exists (select 1 from pg_extension where extname = 'vector') then
    perform set_config('client_min_messages', 'warning', true); -- silence "type is only a shell"
    create type extensions.vector;
    create function extensions.vector_in(cstring, oid, integer) returns extensions.vector
      as 'textin' language internal immutable strict parallel safe;
    create function extensions.vector_out(extensions.vector) returns cstring
      as 'textout' language internal immutable strict parallel safe;
    create function extensions.vector_recv(internal, oid, integer) returns extensions.vector
      as 'textrecv' language internal immutable strict parallel safe;
    create function extensions.vector_send(extensions.vector) returns bytea
      as 'textsend' language internal immutable strict parallel safe;
    create function extensions.vector_typmod_in(cstring[]) returns integer
      as 'bittypmodin' language internal immutable strict parallel safe;
    create function extensions.vector_typmod_out(integer) returns cstring
      as 'bittypmodout' language internal immutable strict parallel safe;
    create type extensions.vector (
      input = extensions.vector_in,
      output = extensions.vector_out,
      receive = extensions.vector_recv,
      send = extensions.vector_send,
      typmod_in = extensions.vector_typmod_in,
      typmod_out = extensions.vector_typmod_out,
      like = text,
      storage = extended
    );
    comment on type extensions.vector is 'stand-in for pgvector: text storage, no operators';
  end if;
end
$$;

-- AUTH -----------------------------------------------------------------------------------------------------

create schema if not exists auth;

-- The columns of GoTrue's auth.users that migrations and seed files write.
create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key default gen_random_uuid(),
  aud varchar(255),
  role varchar(255),
  email text,
  encrypted_password text,
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_super_admin boolean,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  phone text unique,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status between 0 and 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;

-- PostgREST passes the caller's JWT as settings; unset settings mean "no caller" (null), as on Supabase.
create or replace function auth.uid() returns uuid
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  )::uuid
$$;

create or replace function auth.role() returns text
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
  )
$$;

create or replace function auth.email() returns text
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
  )
$$;

create or replace function auth.jwt() returns jsonb
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

-- STORAGE --------------------------------------------------------------------------------------------------

create schema if not exists storage;

create table if not exists storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  owner_id text,
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  user_metadata jsonb,
  version text,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  unique (bucket_id, name)
);
alter table storage.objects enable row level security;

-- 'a/b/c.png' -> {a,b}
create or replace function storage.foldername(name text) returns text[]
  language sql immutable
as $$
  select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
$$;

-- 'a/b/c.png' -> 'c.png'
create or replace function storage.filename(name text) returns text
  language sql immutable
as $$
  select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;

-- 'a/b/c.png' -> 'png'
create or replace function storage.extension(name text) returns text
  language sql immutable
as $$
  select (string_to_array(storage.filename(name), '.'))[array_length(string_to_array(storage.filename(name), '.'), 1)]
$$;

-- PRIVILEGES -----------------------------------------------------------------------------------------------

grant usage on schema public, extensions, auth, storage to anon, authenticated, service_role;
grant select, insert, update, delete on storage.objects, storage.buckets to authenticated, service_role;
grant all on auth.users to service_role;
