-- A large table with an integer key is copied as several key ranges at once, each with its own checkpoint row:
-- its bounds are recorded before the first chunk, so a resumed copy continues every range where it stopped.
ALTER TABLE cleave.copy_progress ADD COLUMN IF NOT EXISTS part integer NOT NULL DEFAULT 0;
ALTER TABLE cleave.copy_progress ADD COLUMN IF NOT EXISTS part_lo bigint;
ALTER TABLE cleave.copy_progress ADD COLUMN IF NOT EXISTS part_hi bigint;
ALTER TABLE cleave.copy_progress DROP CONSTRAINT IF EXISTS copy_progress_pkey;
ALTER TABLE cleave.copy_progress ADD PRIMARY KEY (service, source_table, part);
