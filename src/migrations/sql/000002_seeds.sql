-- Named seed sets per service: the content hash of each set as last run, so a changed set runs again.
CREATE TABLE IF NOT EXISTS cleave.seed_sets (
  service     text        NOT NULL,
  name        text        NOT NULL,
  checksum    text        NOT NULL,
  files       jsonb       NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer     NOT NULL,
  applied_by  text        NOT NULL,
  PRIMARY KEY (service, name)
);
