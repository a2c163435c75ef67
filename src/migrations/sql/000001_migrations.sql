-- Cleave's own bookkeeping in every database that holds a service: the migration ledger and its event log.
CREATE SCHEMA IF NOT EXISTS cleave;

-- One row per applied migration of a service. Both sections are kept as applied: `migrate down` reverts what
-- really ran even when the file has since changed or gone, and drift is shown as a diff against what ran.
CREATE TABLE IF NOT EXISTS cleave.schema_migrations (
  service      text        NOT NULL,
  version      text        NOT NULL,
  name         text        NOT NULL,
  checksum     text        NOT NULL,
  up_sql       text        NOT NULL,
  down_sql     text,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  duration_ms  integer     NOT NULL,
  applied_by   text        NOT NULL,
  tool_version text        NOT NULL,
  PRIMARY KEY (service, version)
);

-- Progress inside a migration that holds statements which cannot run in a transaction: the steps done so far.
CREATE TABLE IF NOT EXISTS cleave.migration_progress (
  service  text    NOT NULL,
  version  text    NOT NULL,
  checksum text    NOT NULL,
  steps    integer NOT NULL,
  PRIMARY KEY (service, version)
);

-- Append-only history: applied, reverted, failed, baselined.
CREATE TABLE IF NOT EXISTS cleave.migration_events (
  id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service  text        NOT NULL,
  version  text        NOT NULL,
  name     text        NOT NULL,
  event    text        NOT NULL CHECK (event IN ('applied', 'reverted', 'failed', 'baselined')),
  at       timestamptz NOT NULL DEFAULT now(),
  by       text        NOT NULL,
  detail   jsonb
);

CREATE OR REPLACE FUNCTION cleave.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cleave.migration_events is append-only';
END $$;

DROP TRIGGER IF EXISTS migration_events_append_only ON cleave.migration_events;
CREATE TRIGGER migration_events_append_only BEFORE UPDATE OR DELETE ON cleave.migration_events
  FOR EACH ROW EXECUTE FUNCTION cleave.refuse_change();
