-- Values the plan repaired (tables.<t>.columns.<c>.repair) are listed beside the rejects, so nothing is altered
-- silently: a repaired row was copied, a rejected one was not.
ALTER TABLE cleave.copy_rejects ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'rejected'
  CHECK (kind IN ('rejected', 'repaired'));
