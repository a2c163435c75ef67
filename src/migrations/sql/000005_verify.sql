-- Verification runs and their per-table results: what was compared, what matched, and the first differences,
-- kept in each service's database so a cutover can require a clean verification that is recent enough.
CREATE TABLE IF NOT EXISTS cleave.verify_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service     text        NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'match', 'differ', 'failed'))
);

CREATE TABLE IF NOT EXISTS cleave.verify_results (
  run_id        bigint  NOT NULL REFERENCES cleave.verify_runs (id) ON DELETE CASCADE,
  source_table  text    NOT NULL,
  target_table  text    NOT NULL,
  status        text    NOT NULL CHECK (status IN ('match', 'differ')),
  source_rows   bigint  NOT NULL,
  target_rows   bigint  NOT NULL,
  missing       bigint  NOT NULL,
  extra         bigint  NOT NULL,
  changed       bigint  NOT NULL,
  diffs         jsonb   NOT NULL DEFAULT '[]',
  not_compared  jsonb   NOT NULL DEFAULT '[]',
  duration_ms   integer NOT NULL,
  PRIMARY KEY (run_id, source_table)
);

-- Isolation findings of a run (a table in the wrong service, a foreign key across services, a grant).
CREATE TABLE IF NOT EXISTS cleave.verify_isolation (
  run_id  bigint NOT NULL REFERENCES cleave.verify_runs (id) ON DELETE CASCADE,
  kind    text   NOT NULL,
  subject text   NOT NULL,
  message text   NOT NULL
);
