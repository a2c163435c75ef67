-- Budget app monolith (seed 02) before the split: the api's seven tables and the notifications service's
-- settings in one PostgreSQL database. Written as `prisma migrate` writes it: TIMESTAMP(3) without time zone,
-- named constraints, and `updated_at` without a default (Prisma's @updatedAt fills it in the client).

create type transaction_type as enum ('INCOME', 'EXPENSE');

create table "users" (
  "id" uuid not null,
  "email" text not null,
  "password_hash" text not null,
  "created_at" timestamp(3) not null default current_timestamp,
  "updated_at" timestamp(3) not null,
  constraint "users_pkey" primary key ("id")
);
create unique index "users_email_key" on "users" ("email");

create table "refresh_tokens" (
  "id" uuid not null,
  "token" text not null,
  "user_id" uuid not null,
  "expires_at" timestamp(3) not null,
  "created_at" timestamp(3) not null default current_timestamp,
  constraint "refresh_tokens_pkey" primary key ("id")
);
create unique index "refresh_tokens_token_key" on "refresh_tokens" ("token");
create index "refresh_tokens_user_id_idx" on "refresh_tokens" ("user_id");

create table "categories" (
  "id" uuid not null,
  "name" text not null,
  "user_id" uuid not null,
  "icon" text,
  "is_default" boolean not null default false,
  "created_at" timestamp(3) not null default current_timestamp,
  constraint "categories_pkey" primary key ("id")
);
create unique index "categories_user_id_name_key" on "categories" ("user_id", "name");
create index "categories_user_id_idx" on "categories" ("user_id");

create table "budgets" (
  "id" uuid not null,
  "user_id" uuid not null,
  "month" integer not null,
  "year" integer not null,
  "created_at" timestamp(3) not null default current_timestamp,
  "updated_at" timestamp(3) not null,
  constraint "budgets_pkey" primary key ("id")
);
create unique index "budgets_user_id_month_year_key" on "budgets" ("user_id", "month", "year");
create index "budgets_user_id_idx" on "budgets" ("user_id");

create table "budget_limits" (
  "id" uuid not null,
  "budget_id" uuid not null,
  "category_id" uuid not null,
  "limit_amount" decimal(12, 2) not null,
  constraint "budget_limits_pkey" primary key ("id")
);
create unique index "budget_limits_budget_id_category_id_key" on "budget_limits" ("budget_id", "category_id");

-- No foreign key on user_id: the seed's Prisma model relates a transaction to its category only.
create table "transactions" (
  "id" uuid not null,
  "user_id" uuid not null,
  "category_id" uuid not null,
  "type" transaction_type not null,
  "amount" decimal(12, 2) not null,
  "description" text,
  "date" date not null,
  "created_at" timestamp(3) not null default current_timestamp,
  constraint "transactions_pkey" primary key ("id")
);
create index "transactions_user_id_date_idx" on "transactions" ("user_id", "date");
create index "transactions_category_id_idx" on "transactions" ("category_id");

create table "goals" (
  "id" uuid not null,
  "user_id" uuid not null,
  "name" text not null,
  "target_amount" decimal(12, 2) not null,
  "current_amount" decimal(12, 2) not null default 0,
  "deadline" date,
  "created_at" timestamp(3) not null default current_timestamp,
  "updated_at" timestamp(3) not null,
  constraint "goals_pkey" primary key ("id")
);
create index "goals_user_id_idx" on "goals" ("user_id");

-- Read by the notifications service. In the monolith it still points at users; after the split it lives in
-- another database, where that foreign key cannot follow.
create table "notification_settings" (
  "id" uuid not null,
  "user_id" uuid not null,
  "telegram_chat_id" text,
  "notify_limit_exceeded" boolean not null default true,
  "notify_goal_reached" boolean not null default true,
  "created_at" timestamp(3) not null default current_timestamp,
  "updated_at" timestamp(3) not null,
  constraint "notification_settings_pkey" primary key ("id")
);
create unique index "notification_settings_user_id_key" on "notification_settings" ("user_id");

alter table "refresh_tokens" add constraint "refresh_tokens_user_id_fkey"
  foreign key ("user_id") references "users" ("id") on delete cascade on update cascade;
alter table "categories" add constraint "categories_user_id_fkey"
  foreign key ("user_id") references "users" ("id") on delete cascade on update cascade;
alter table "budgets" add constraint "budgets_user_id_fkey"
  foreign key ("user_id") references "users" ("id") on delete cascade on update cascade;
alter table "budget_limits" add constraint "budget_limits_budget_id_fkey"
  foreign key ("budget_id") references "budgets" ("id") on delete cascade on update cascade;
alter table "budget_limits" add constraint "budget_limits_category_id_fkey"
  foreign key ("category_id") references "categories" ("id") on delete cascade on update cascade;
alter table "transactions" add constraint "transactions_category_id_fkey"
  foreign key ("category_id") references "categories" ("id") on delete cascade on update cascade;
alter table "goals" add constraint "goals_user_id_fkey"
  foreign key ("user_id") references "users" ("id") on delete cascade on update cascade;
alter table "notification_settings" add constraint "notification_settings_user_id_fkey"
  foreign key ("user_id") references "users" ("id") on delete cascade on update cascade;
