-- Bulk copy checkpoints: one row per source table and service, updated in the same transaction as each chunk
-- it describes, so a killed copy resumes after the last committed chunk and never writes a row twice.
CREATE TABLE IF NOT EXISTS cleave.copy_progress (
  service       text        NOT NULL,
  source_table  text        NOT NULL,
  target_table  text        NOT NULL,
  last_key      jsonb,
  rows_read     bigint      NOT NULL DEFAULT 0,
  rows_written  bigint      NOT NULL DEFAULT 0,
  rows_rejected bigint      NOT NULL DEFAULT 0,
  done          boolean     NOT NULL DEFAULT false,
  started_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, source_table)
);

-- Rows that could not be copied, written in the chunk's transaction: the reject file is rendered from here,
-- so it names each rejected row exactly once however often a copy was interrupted.
CREATE TABLE IF NOT EXISTS cleave.copy_rejects (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service       text   NOT NULL,
  source_table  text   NOT NULL,
  key           jsonb  NOT NULL,
  column_name   text,
  value_excerpt text,
  reason        text   NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS copy_rejects_table ON cleave.copy_rejects (service, source_table);

-- Foreign keys that form cycles (a self-reference, or staff <-> store) are dropped for the copy and added back,
-- validated, at its end. Kept here so that a copy killed in between puts them back on its next run.
CREATE TABLE IF NOT EXISTS cleave.copy_dropped_constraints (
  service     text NOT NULL,
  table_name  text NOT NULL,
  name        text NOT NULL,
  definition  text NOT NULL,
  PRIMARY KEY (table_name, name)
);
