-- The copy also defers secondary indexes (built once after the load, as pg_dump and pgcopydb do), kept with the
-- foreign keys it drops so that a killed copy rebuilds them on its next run.
ALTER TABLE cleave.copy_dropped_constraints ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'constraint'
  CHECK (kind IN ('constraint', 'index'));
